// bulwark clearinghouse: the machine operator's side of the clearinghouse, directly on the
// database: importing the scoring feeds (KEV, EPSS, Vulnrichment SSVC) and running the monitor's
// reverse match now. And the clearinghouse's part of the demo.
//
//   bulwark clearinghouse import-feed kev known_exploited_vulnerabilities.json
//   bulwark clearinghouse import-feed epss epss_scores-2026-12-01.csv
//   bulwark clearinghouse monitor
//   bulwark clearinghouse verify-notice notice.txt --key bulwark.example/ledger+1f2e3d4c+AX...
//       [--inclusion inclusion.json]
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "access/policy.h"
#include "api/ledger_audit.h"
#include "base/file.h"
#include "base/log.h"
#include "base/text.h"
#include "base/time_format.h"
#include "clearinghouse/service.h"
#include "cli/commands.h"
#include "vuln/sbom.h"

namespace bulwark::cli {
namespace {

// Skipped records listed before summing up the rest.
constexpr size_t kProblemsListed = 20;

void PrintImport(const clearinghouse::FeedImport& i) {
  std::cout << i.feed << " (" << PrintableText(i.source) << "): " << i.records << " records, "
            << i.changed << " new or changed, " << i.skipped << " skipped\n";
  for (size_t n = 0; n < i.problems.size() && n < kProblemsListed; ++n) {
    std::cout << "skipped " << PrintableText(i.problems[n].where) << ": "
              << PrintableText(i.problems[n].reason) << "\n";
  }
  if (i.skipped > static_cast<int64_t>(kProblemsListed)) {
    std::cout << "... and " << i.skipped - static_cast<int64_t>(kProblemsListed) << " more\n";
  }
}

// Runs `body` with the service, on a migrated database, ledgering as the machine operator.
int WithClearinghouse(const GlobalOptions& global,
                      const std::function<int(clearinghouse::ClearinghouseService&)>& body) {
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  StatusOr<std::unique_ptr<ledger::TransparencyLog>> log = OpenLedger(global, **db, true);
  if (!log.ok()) return Fail(log.status());
  api::LedgerAuditTrail audit(**log, SystemClock::Get());
  clearinghouse::ClearinghouseService service(**db, SystemClock::Get(), &audit, &(*log)->signer());
  return body(service);
}

// --- The demo ----------------------------------------------------------------------------

// Small inventories of real Go modules at versions real advisories name, for when ../shared is
// not there.
std::string BuiltInSbom(const std::vector<std::string>& purls) {
  std::string components;
  for (const std::string& purl : purls) {
    const size_t at = purl.rfind('@');
    const size_t slash = purl.find('/');
    components += std::string(components.empty() ? "" : ",\n    ") +
                  R"({"type": "library", "name": ")" + purl.substr(slash + 1, at - slash - 1) +
                  R"(", "version": ")" + purl.substr(at + 1) + R"(", "purl": ")" + purl + R"("})";
  }
  return "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\", \"version\": 1,\n"
         "  \"components\": [\n    " +
         components + "]}\n";
}

// Two real advisories of the Go vulnerability database, for when ../shared is not there.
constexpr std::string_view kBuiltInAdvisories = R"([
{"schema_version": "1.3.1", "id": "GO-2022-1059", "modified": "2023-06-12T18:45:41Z",
 "aliases": ["CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"],
 "summary": "Denial of service via crafted Accept-Language header in golang.org/x/text/language",
 "affected": [{"package": {"name": "golang.org/x/text", "ecosystem": "Go"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.8"}]}]}]},
{"schema_version": "1.3.1", "id": "GO-2023-1571", "modified": "2023-06-12T18:45:41Z",
 "aliases": ["CVE-2022-41723", "GHSA-vvpx-j8f3-3w6h"],
 "summary": "Denial of service via crafted HTTP/2 stream in net/http and golang.org/x/net",
 "affected": [{"package": {"name": "golang.org/x/net", "ecosystem": "Go"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.7.0"}]}]}]},
{"schema_version": "1.3.1", "id": "GO-2025-3459", "modified": "0001-01-01T00:00:00Z",
 "aliases": ["CVE-2025-24016"],
 "summary": "Remote code execution in Wazuh server in github.com/wazuh/wazuh",
 "affected": [{"package": {"name": "github.com/wazuh/wazuh", "ecosystem": "Go"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "4.4.0+incompatible"},
                                           {"fixed": "4.9.1+incompatible"}]}]}]}
])";

// The KEV catalog's entry for the one built-in advisory it lists, for when ../shared is not there.
constexpr std::string_view kBuiltInKev = R"({"catalogVersion": "2025.08.25",
 "vulnerabilities": [{"cveID": "CVE-2025-24016", "vendorProject": "Wazuh",
   "product": "Wazuh Server",
   "vulnerabilityName": "Wazuh Server Deserialization of Untrusted Data Vulnerability",
   "dateAdded": "2025-06-10", "dueDate": "2025-07-01", "knownRansomwareCampaignUse": "Unknown"}]})";

struct DemoAsset {
  std::string_view operator_email;
  std::string_view name;
  std::string_view environment;
  bool exposed;
  ssvc::MissionWellBeing impact;
  std::string_view shared_sbom;  // under corpora/sbom/cyclonedx/SBOM, "" for a built-in one
  std::vector<std::string> built_in;
};

std::vector<DemoAsset> DemoAssets() {
  return {
      {"it@rural-hospital.demo",
       "Secure mail gateway",
       "clinical network",
       true,
       ssvc::MissionWellBeing::kHigh,
       "proton-bridge/proton-bridge-v1.6.3.bom.json",
       {"pkg:golang/golang.org/x/text@v0.3.5",
        "pkg:golang/golang.org/x/net@v0.0.0-20210226172049-e18ecbb05110"}},
      {"it@rural-hospital.demo",
       "Patient portal",
       "internet-facing web",
       true,
       ssvc::MissionWellBeing::kHigh,
       "",
       {"pkg:golang/golang.org/x/text@v0.3.7", "pkg:golang/golang.org/x/net@v0.5.0",
        "pkg:golang/github.com/google/uuid@v1.3.0"}},
      {"it@rural-hospital.demo",
       "Security monitoring (Wazuh manager)",
       "internet-facing",
       true,
       ssvc::MissionWellBeing::kHigh,
       "",
       {"pkg:golang/github.com/wazuh/wazuh@v4.7.2+incompatible"}},
      {"security@community-bank.demo",
       "Staff mail bridge",
       "back office",
       false,
       ssvc::MissionWellBeing::kMedium,
       "proton-bridge/proton-bridge-v1.8.0.bom.json",
       {"pkg:golang/golang.org/x/net@v0.5.0"}},
      {"ot@local-utility.demo",
       "SCADA historian",
       "operational technology",
       false,
       ssvc::MissionWellBeing::kHigh,
       "",
       {"pkg:golang/golang.org/x/net@v0.5.0", "pkg:golang/golang.org/x/text@v0.3.7"}},
  };
}

// The operators' history of remediation: the hospital reports one notice fixed five days after it
// came; the bank upgrades its mail bridge fifteen days after, which the new inventory verifies.
Status SeedRemediations(access::Directory& directory,
                        clearinghouse::ClearinghouseService& clearinghouse, FakeClock& clock,
                        Time today) {
  const access::Principal system = access::SystemPrincipal();
  clock.Set(today - Days(30));
  BW_ASSIGN_OR_RETURN(access::User it, directory.FindUserByEmail(system, "it@rural-hospital.demo"));
  BW_ASSIGN_OR_RETURN(std::vector<clearinghouse::Notice> notices,
                      clearinghouse.ListNotices(system, it.org_id));
  // Its notice of the HTTP/2 denial of service in golang.org/x/net, when it has one.
  auto fixed = std::find_if(notices.begin(), notices.end(), [](const clearinghouse::Notice& n) {
    return n.advisory_id == "GO-2023-1571";
  });
  if (fixed != notices.end()) {
    const std::string& id = fixed->id;
    BW_RETURN_IF_ERROR(clearinghouse.AcknowledgeNotice(system, id).status());
    BW_RETURN_IF_ERROR(clearinghouse
                           .ReportRemediation(system, id,
                                              {clearinghouse::Remediation::kFixed, std::nullopt,
                                               "upgraded in the monthly maintenance window"})
                           .status());
  }
  clock.Set(today - Days(20));
  BW_ASSIGN_OR_RETURN(access::User security,
                      directory.FindUserByEmail(system, "security@community-bank.demo"));
  BW_ASSIGN_OR_RETURN(std::vector<clearinghouse::Asset> assets,
                      clearinghouse.ListAssets(system, security.org_id));
  for (const clearinghouse::Asset& a : assets) {
    if (a.name != "Staff mail bridge") continue;
    BW_ASSIGN_OR_RETURN(
        clearinghouse::Inventory upgraded,
        clearinghouse.UploadInventory(system, a.id,
                                      BuiltInSbom({"pkg:golang/golang.org/x/net@v0.23.0",
                                                   "pkg:golang/golang.org/x/text@v0.14.0"})));
    std::cout << "Clearinghouse: " << a.org_name << "'s " << a.name << ": inventory v"
              << upgraded.seq << ", " << upgraded.verified_fixed << " findings verified fixed\n";
  }
  return OkStatus();
}

}  // namespace

Status SeedClearinghouseDemo(access::Directory& directory,
                             clearinghouse::ClearinghouseService& clearinghouse, FakeClock& clock,
                             const std::string& shared_dir) {
  const access::Principal system = access::SystemPrincipal();
  // Forty days of history, so that the trend and the times to remediate have something to show:
  // the assets enrolled 40 days ago, the advisories 35 days ago, a fix reported 30 days ago, an
  // upgrade 20 days ago; then the sweep, today, escalates what is past its deadline. The machine
  // operator (the system principal) writes it: the demo's people hold their grants from today.
  const Time today = SystemClock::Get().Now();
  clock.Set(today - Days(40));
  // The clearinghouse's staff hold the platform relation `clearinghouse`.
  BW_ASSIGN_OR_RETURN(access::Organization ch,
                      directory.FindOrganizationByName(system, "AI Cybersecurity Clearinghouse"));
  BW_ASSIGN_OR_RETURN(access::User cory,
                      directory.FindUserByEmail(system, "coordinator@clearinghouse.demo"));
  BW_ASSIGN_OR_RETURN(access::Decision d, directory.Check({cory.id, ch.id, "", false},
                                                          access::actions::kClearinghouseCoordinate,
                                                          access::kPlatform));
  if (!d.allowed) {
    BW_RETURN_IF_ERROR(
        directory
            .WriteTuple(
                system,
                {std::string(access::kPlatform), "clearinghouse", ch.id + "#member", {}, {}})
            .status());
  }
  const std::filesystem::path shared(shared_dir);
  // The operators' assets and their inventories, enrolled before the advisories arrive: the
  // monitor then matches each advisory against them and sends each operator its notices.
  for (const DemoAsset& a : DemoAssets()) {
    BW_ASSIGN_OR_RETURN(access::User user,
                        directory.FindUserByEmail(system, std::string(a.operator_email)));
    BW_ASSIGN_OR_RETURN(std::vector<clearinghouse::Asset> assets,
                        clearinghouse.ListAssets(system, user.org_id));
    for (const clearinghouse::Asset& existing : assets) {
      if (existing.name != a.name) continue;
      // Seeded before: its history stays as it was.
      clock.Set(SystemClock::Get().Now());
      return OkStatus();
    }
    BW_ASSIGN_OR_RETURN(clearinghouse::Asset asset,
                        clearinghouse.CreateAsset(system, user.org_id,
                                                  {std::string(a.name), std::string(a.environment),
                                                   a.exposed, a.impact}));
    std::string sbom = BuiltInSbom(a.built_in);
    const std::filesystem::path file = shared / "corpora/sbom/cyclonedx/SBOM" / a.shared_sbom;
    if (!a.shared_sbom.empty() && std::filesystem::is_regular_file(file)) {
      BW_ASSIGN_OR_RETURN(sbom, ReadFileToString(file.string(), vuln::kMaxSbomBytes));
    }
    BW_ASSIGN_OR_RETURN(clearinghouse::Inventory inventory,
                        clearinghouse.UploadInventory(system, asset.id, sbom));
    std::cout << "Clearinghouse: " << asset.org_name << "'s " << a.name << ": inventory v"
              << inventory.seq << ", " << inventory.matchable << " packages\n";
  }
  clock.Set(today - Days(35));
  // The advisories: the Go vulnerability database when ../shared is there.
  const std::filesystem::path go = shared / "corpora/osv/go";
  std::string built_in_path;
  std::vector<std::string> sources;
  if (std::filesystem::is_directory(go)) {
    sources.push_back(go.string());
  } else {
    built_in_path =
        (std::filesystem::temp_directory_path() / "bulwark-demo-advisories.json").string();
    std::ofstream(built_in_path) << kBuiltInAdvisories;
    sources.push_back(built_in_path);
  }
  BW_ASSIGN_OR_RETURN(clearinghouse::FeedImport osv, clearinghouse.ImportOsv(system, sources));
  if (!built_in_path.empty()) std::filesystem::remove(built_in_path);
  std::cout << "Clearinghouse: " << osv.records << " Go advisories (" << osv.changed << " new)\n";
  BW_RETURN_IF_ERROR(clearinghouse.MonitorAdvisories().status());
  // The KEV catalog: what is in it moves its findings up, and their deadlines nearer.
  const std::filesystem::path kev = shared / "corpora/kev/known_exploited_vulnerabilities.json";
  std::string kev_text(kBuiltInKev);
  if (std::filesystem::is_regular_file(kev)) {
    BW_ASSIGN_OR_RETURN(kev_text, ReadFileToString(kev.string(), vuln::kMaxSbomBytes));
  }
  BW_RETURN_IF_ERROR(clearinghouse.ImportFeed(system, "kev", kev_text).status());
  BW_RETURN_IF_ERROR(SeedRemediations(directory, clearinghouse, clock, today));
  clock.Set(SystemClock::Get().Now());
  BW_ASSIGN_OR_RETURN(clearinghouse::SweepResult swept, clearinghouse.Sweep());
  std::cout << "Clearinghouse: " << swept.escalated << " findings past their deadlines escalated ("
            << swept.escalations << " operators)\n";
  for (std::string_view email :
       {"it@rural-hospital.demo", "security@community-bank.demo", "ot@local-utility.demo"}) {
    BW_ASSIGN_OR_RETURN(access::User user, directory.FindUserByEmail(system, std::string(email)));
    const access::Principal who{user.id, user.org_id, "", false};
    BW_ASSIGN_OR_RETURN(std::vector<clearinghouse::Notice> notices,
                        clearinghouse.ListNotices(who, user.org_id));
    std::cout << "Clearinghouse: " << email << " has " << notices.size()
              << " patch notices in the console's inbox\n";
  }
  return OkStatus();
}

void AddClearinghouseCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* ch = app.add_subcommand("clearinghouse",
                                    "The clearinghouse: import the scoring feeds, run the monitor");
  ch->require_subcommand(1);

  CLI::App* feed = ch->add_subcommand(
      "import-feed",
      "Import a scoring feed and reprioritize the findings it changes: kev (CISA's "
      "known_exploited_vulnerabilities.json), epss (the daily CSV), ssvc (Vulnrichment's CVE "
      "records). Exit status: 0 when every record was read, 1 when some were skipped, 2 on an "
      "error.");
  auto kind = std::make_shared<std::string>();
  auto path = std::make_shared<std::string>();
  feed->add_option("feed", *kind, "kev, epss or ssvc")
      ->required()
      ->check(CLI::IsMember({"kev", "epss", "ssvc"}));
  feed->add_option("file", *path, "The feed's file")->required();
  actions[feed] = [&global, kind, path] {
    return WithClearinghouse(global, [&](clearinghouse::ClearinghouseService& service) {
      StatusOr<std::string> text = ReadFileToString(*path, vuln::kMaxSbomBytes);
      if (!text.ok()) return Fail(text.status()), 2;
      StatusOr<clearinghouse::FeedImport> imported =
          service.ImportFeed(access::SystemPrincipal(), *kind, *text);
      if (!imported.ok()) return Fail(imported.status()), 2;
      PrintImport(*imported);
      return imported->skipped == 0 ? 0 : 1;
    });
  };

  CLI::App* verify = ch->add_subcommand(
      "verify-notice",
      "Check a patch notice's signature offline with the program's verifier key (the ledger's: "
      "GET /api/v1/ledger/key) and print the notice; with --inclusion, also check that it is in "
      "its fan-out's ledger entry. Exit status: 0 when it verifies, 1 when it does not, 2 when a "
      "file cannot be read.");
  auto note_path = std::make_shared<std::string>();
  auto verifier = std::make_shared<std::string>();
  auto inclusion_path = std::make_shared<std::string>();
  verify->add_option("file", *note_path, "The notice's signed note (its signed_note), - for stdin")
      ->required();
  verify->add_option("--key", *verifier, "The program's verifier key, name+hash+key")->required();
  verify->add_option("--inclusion", *inclusion_path,
                     "The notice's inclusion proof (GET "
                     "/api/v1/clearinghouse/notices/{id}/inclusion), checked against its root");
  actions[verify] = [note_path, verifier, inclusion_path] {
    StatusOr<std::string> note =
        *note_path == "-"
            ? StatusOr<std::string>(std::string(std::istreambuf_iterator<char>(std::cin), {}))
            : ReadFileToString(*note_path, 16 << 20);
    if (!note.ok()) return Fail(note.status()), 2;
    StatusOr<std::string> text = clearinghouse::VerifyNotice(*note, *verifier);
    if (!text.ok()) {
      std::cerr << "bulwark: " << text.status().message() << "\n";
      return 1;
    }
    std::cout << *text;
    if (inclusion_path->empty()) return 0;
    StatusOr<std::string> proof_text = ReadFileToString(*inclusion_path, 1 << 20);
    if (!proof_text.ok()) return Fail(proof_text.status()), 2;
    StatusOr<clearinghouse::NoticeInclusion> inclusion =
        clearinghouse::ParseNoticeInclusion(*proof_text);
    if (!inclusion.ok()) return Fail(inclusion.status()), 2;
    if (Status included = clearinghouse::VerifyNoticeInclusion(*note, *inclusion); !included.ok()) {
      std::cerr << "bulwark: " << included.message() << "\n";
      return 1;
    }
    std::cout << "ledgered: notice " << inclusion->index + 1 << " of " << inclusion->size
              << " under root " << inclusion->root
              << ", the notices_root of the clearinghouse.notices.issue entry for "
              << inclusion->advisory_id << " as modified "
              << FormatRfc3339(FromUnixMicros(inclusion->revision)) << "\n";
    return 0;
  };

  CLI::App* monitor = ch->add_subcommand(
      "monitor",
      "Match every advisory stored or revised since the monitor last ran against every asset's "
      "inventory, now (a worker does it after each import)");
  actions[monitor] = [&global] {
    return WithClearinghouse(global, [](clearinghouse::ClearinghouseService& service) {
      StatusOr<int64_t> matched = service.MonitorAdvisories();
      if (!matched.ok()) return Fail(matched.status());
      std::cout << "matched " << *matched << " advisories\n";
      return 0;
    });
  };
}

}  // namespace bulwark::cli
