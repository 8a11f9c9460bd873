#include "clearinghouse/service.h"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "access/policy.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "base/text.h"
#include "clearinghouse/internal.h"
#include "vuln/advisory_store.h"
#include "vuln/sbom.h"
#include "vuln/scan.h"

namespace bulwark::clearinghouse {
namespace {

namespace json = boost::json;
using access::Principal;
using internal::InsertRows;
using internal::Placeholders;
using internal::Sha256Hex;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

// Advisories the monitor matches in one transaction.
constexpr int kAdvisoriesPerTransaction = 50;
// CVEs an `IN (...)` list names at once.
constexpr size_t kIdsPerQuery = 400;

std::string_view FormatName(vuln::Sbom::Format format) {
  switch (format) {
    case vuln::Sbom::Format::kCycloneDxJson:
      return "CycloneDX JSON";
    case vuln::Sbom::Format::kCycloneDxXml:
      return "CycloneDX XML";
    case vuln::Sbom::Format::kSpdxJson:
      return "SPDX JSON";
  }
  return "";
}

// The CVE ids an advisory names (its id and its aliases), sorted; a finding is scored by all of
// them (the Go database's advisory of HTTP/2 rapid reset names CVE-2023-39325 and the KEV entry
// CVE-2023-44487).
std::vector<std::string> CvesOf(const std::string& advisory_id,
                                const std::vector<std::string>& aliases) {
  std::vector<std::string> out;
  if (IsCveId(advisory_id)) out.push_back(advisory_id);
  for (const std::string& alias : aliases) {
    if (IsCveId(alias)) out.push_back(alias);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> SplitCves(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    if (space != 0) out.emplace_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

std::string JoinCves(const std::vector<std::string>& cves) {
  std::string out;
  for (const std::string& c : cves) out += (out.empty() ? "" : " ") + c;
  return out;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string ScoreText(const std::optional<double>& score) {
  if (!score) return "";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.1f", *score);
  return buf;
}

// What the feeds know of a set of CVEs.
struct FeedValues {
  struct Kev {
    bool ransomware = false;
  };
  std::unordered_map<std::string, Kev> kev;
  std::unordered_map<std::string, double> epss;
  std::unordered_map<std::string, SsvcAssessment> ssvc;
};

StatusOr<FeedValues> LoadFeedValues(Transaction& tx, const std::set<std::string>& cves) {
  FeedValues out;
  std::vector<std::string> list(cves.begin(), cves.end());
  list.erase(std::remove(list.begin(), list.end(), std::string()), list.end());
  for (size_t start = 0; start < list.size(); start += kIdsPerQuery) {
    const size_t end = std::min(list.size(), start + kIdsPerQuery);
    std::vector<Value> params(list.begin() + start, list.begin() + end);
    const std::string in = "(" + Placeholders(end - start) + ")";
    BW_ASSIGN_OR_RETURN(
        ResultSet kev,
        tx.Query("SELECT cve, ransomware FROM kev_catalog WHERE cve IN " + in, params));
    for (const Row& r : kev) out.kev[r.Text(0)] = {r.Int(1) != 0};
    BW_ASSIGN_OR_RETURN(ResultSet epss,
                        tx.Query("SELECT cve, epss FROM epss_scores WHERE cve IN " + in, params));
    for (const Row& r : epss) {
      if (std::optional<double> p = ParseDouble(r.Text(1))) out.epss[r.Text(0)] = *p;
    }
    BW_ASSIGN_OR_RETURN(
        ResultSet ssvc,
        tx.Query("SELECT cve, exploitation, automatable, technical_impact FROM ssvc_assessments "
                 "WHERE cve IN " +
                     in,
                 params));
    for (const Row& r : ssvc) {
      SsvcAssessment a;
      a.cve = r.Text(0);
      a.exploitation = ssvc::ParseExploitation(r.Text(1)).value_or(ssvc::Exploitation::kNone);
      a.automatable = r.Text(2) == "yes";
      a.technical_impact =
          ssvc::ParseTechnicalImpact(r.Text(3)).value_or(ssvc::TechnicalImpact::kPartial);
      out.ssvc[a.cve] = a;
    }
  }
  return out;
}

struct AssetTraits {
  std::string org_id;
  bool publicly_exposed = false;
  ssvc::MissionWellBeing mission = ssvc::MissionWellBeing::kMedium;
  std::string asset_name;  // where a notice names it
  std::string org_name;
};

// The priority of a finding scored by `cves` (space-separated): in KEV when any of them is, the
// highest EPSS of them, and the gravest SSVC values any assessment of them gives.
Priority PriorityOf(const FeedValues& feeds, std::string_view cves, const std::string& cvss,
                    const AssetTraits& asset, Time known_at) {
  PriorityInputs in;
  in.cvss = ParseDouble(cvss);
  in.publicly_exposed = asset.publicly_exposed;
  in.mission_well_being = asset.mission;
  in.known_at = known_at;
  for (const std::string& cve : SplitCves(cves)) {
    if (auto it = feeds.kev.find(cve); it != feeds.kev.end()) {
      in.in_kev = true;
      in.kev_ransomware = in.kev_ransomware || it->second.ransomware;
    }
    if (auto it = feeds.epss.find(cve); it != feeds.epss.end()) {
      in.epss = std::max(in.epss.value_or(0.0), it->second);
    }
    if (auto it = feeds.ssvc.find(cve); it != feeds.ssvc.end()) {
      const SsvcAssessment& a = it->second;
      in.exploitation = std::max(in.exploitation.value_or(a.exploitation), a.exploitation);
      in.automatable = in.automatable.value_or(false) || a.automatable;
      in.technical_impact =
          std::max(in.technical_impact.value_or(a.technical_impact), a.technical_impact);
    }
  }
  return Prioritize(in);
}

// Every CVE id of `cves_texts` (each space-separated).
template <typename Texts>
std::set<std::string> AllCves(const Texts& cves_texts) {
  std::set<std::string> out;
  for (std::string_view text : cves_texts) {
    for (std::string& c : SplitCves(text)) out.insert(std::move(c));
  }
  return out;
}

// The columns of a finding, in the order ReadFinding reads them (with the asset's name).
constexpr std::string_view kFindingColumns =
    "f.id, f.org_id, f.asset_id, a.name, f.advisory_id, f.cve, f.summary, f.severity, f.cvss, "
    "f.ecosystem, f.package, f.version, f.purl, f.upgrade_to, f.state, f.justification, f.note, "
    "f.accepted_until, f.known_at, f.updated_at, f.updated_by, f.closed_at, f.escalated_at, "
    "f.timeline, f.deadline_at, f.cisa_level, f.priority_rank, a.publicly_exposed, "
    "a.mission_well_being, f.cves";
constexpr std::string_view kFindingFrom = " FROM findings f JOIN assets a ON a.id = f.asset_id";

std::optional<ssvc::CisaLevel> ParseCisaLevelName(std::string_view name) {
  for (ssvc::CisaLevel l : {ssvc::CisaLevel::kTrack, ssvc::CisaLevel::kTrackStar,
                            ssvc::CisaLevel::kAttend, ssvc::CisaLevel::kAct}) {
    if (ssvc::Name(l) == name) return l;
  }
  return std::nullopt;
}

// A finding as stored, without its priority's factors (ReadFindings adds them).
Finding ReadFinding(const Row& r, Time now) {
  Finding f;
  f.id = r.Text(0);
  f.org_id = r.Text(1);
  f.asset_id = r.Text(2);
  f.asset_name = r.Text(3);
  f.advisory_id = r.Text(4);
  f.cve = r.Text(5);
  f.summary = r.Text(6);
  f.severity = r.Text(7);
  f.cvss = r.Text(8);
  f.ecosystem = r.Text(9);
  f.package = r.Text(10);
  f.version = r.Text(11);
  f.purl = r.Text(12);
  f.upgrade_to = r.Text(13);
  const FindingState stored = ParseFindingState(r.Text(14)).value_or(FindingState::kOpen);
  f.justification = ParseJustification(r.Text(15));
  f.note = r.Text(16);
  f.accepted_until = r.OptionalTime(17);
  f.state = StateAt(stored, f.accepted_until, now);
  if (f.state != stored) f.accepted_until.reset();
  f.known_at = FromUnixMicros(r.Int(18));
  f.updated_at = FromUnixMicros(r.Int(19));
  f.updated_by = r.Text(20);
  f.closed_at = r.OptionalTime(21);
  f.escalated_at = r.OptionalTime(22);
  f.timeline =
      internal::ParseTimelineName(r.Text(23)).value_or(ssvc::RemediationTimeline::kOnSystemUpgrade);
  f.deadline = r.OptionalTime(24);
  f.cisa_level = ParseCisaLevelName(r.Text(25)).value_or(ssvc::CisaLevel::kTrack);
  f.rank = r.Int(26);
  f.cves = SplitCves(r.Text(29));
  f.overdue = IsOverdue(f.state, f.deadline, now);
  return f;
}

// The findings of `rows` (kFindingColumns) with their priority's factors, computed from what the
// feeds know now and the asset's exposure and impact: the stored rank is kept equal to this by
// every change of either (Reprioritize), and storing the words of every factor would be most of
// a fan-out's writes.
StatusOr<std::vector<Finding>> ReadFindings(Transaction& tx, const ResultSet& rows, Time now) {
  std::vector<Finding> out;
  std::vector<std::string> cves_texts;
  for (const Row& r : rows) {
    out.push_back(ReadFinding(r, now));
    cves_texts.push_back(r.Text(29));
  }
  BW_ASSIGN_OR_RETURN(FeedValues feeds, LoadFeedValues(tx, AllCves(cves_texts)));
  for (size_t i = 0; i < rows.size(); ++i) {
    const AssetTraits traits{
        out[i].org_id, rows[i].Int(27) != 0,
        ssvc::ParseMissionWellBeing(rows[i].Text(28)).value_or(ssvc::MissionWellBeing::kMedium)};
    out[i].factors = PriorityOf(feeds, cves_texts[i], out[i].cvss, traits, out[i].known_at).factors;
  }
  return out;
}

// The columns of a new finding's row (NewFindingRow's values), for Transaction::InsertMany.
constexpr std::string_view kFindingTarget =
    "findings (id, org_id, asset_id, advisory_id, ecosystem, package, version, purl, cve, cves, "
    "summary, severity, cvss, upgrade_to, state, active, justification, note, accepted_until, "
    "known_at, updated_at, updated_by, closed_at, escalated_at, timeline, deadline_at, cisa_level, "
    "priority_rank, notice_id)";

// One advisory's match on one package version of one asset.
struct Match {
  std::string asset_id;
  std::string ecosystem;
  std::string package;
  std::string version;
  std::string purl;
  std::string advisory_id;
  std::string cve;   // the first of cves
  std::string cves;  // every CVE id of the advisory, space-separated
  std::string summary;
  std::string severity;
  std::string cvss;
  std::string upgrade_to;
};

std::string FindingKey(std::string_view asset, std::string_view advisory, std::string_view eco,
                       std::string_view package, std::string_view version) {
  std::string key;
  key.reserve(asset.size() + advisory.size() + eco.size() + package.size() + version.size() + 4);
  key.append(asset).append(1, '\n').append(advisory).append(1, '\n').append(eco);
  key.append(1, '\n').append(package).append(1, '\n').append(version);
  return key;
}

Match MatchOf(const vuln::Finding& f, const std::string& asset_id, const vuln::PurlPackage& p,
              const std::string& purl) {
  Match m;
  m.asset_id = asset_id;
  m.ecosystem = p.key.ecosystem;
  m.package = p.key.name;
  m.version = p.version;
  m.purl = purl;
  m.advisory_id = f.advisory_id;
  const std::vector<std::string> cves = CvesOf(f.advisory_id, f.aliases);
  m.cve = cves.empty() ? "" : cves.front();
  m.cves = JoinCves(cves);
  m.summary = f.summary.substr(0, 1000);
  m.severity = std::string(vuln::SeverityLevelName(f.severity));
  m.cvss = ScoreText(f.score);
  m.upgrade_to = f.upgrade_to;
  return m;
}

std::vector<Value> NewFindingRow(const Match& m, const AssetTraits& asset, const Priority& p,
                                 Time now, const std::string& by) {
  return {NewId("fnd"),
          asset.org_id,
          m.asset_id,
          m.advisory_id,
          m.ecosystem,
          m.package,
          m.version,
          m.purl,
          m.cve,
          m.cves,
          m.summary,
          m.severity,
          m.cvss,
          m.upgrade_to,
          std::string(FindingStateName(FindingState::kOpen)),
          int64_t{1},
          std::string(),
          std::string(),
          Value(),
          ToUnixMicros(now),
          ToUnixMicros(now),
          by,
          Value(),
          Value(),
          std::string(ssvc::Name(p.timeline)),
          store::TimeOrNull(p.deadline),
          std::string(ssvc::Name(p.cisa_level)),
          p.rank,
          Value()};  // the notice, set when one tells the finding
}

// Updates a finding's priority columns (and, when `reopen`, its state back to open as the
// monitor's move, known from `now`).
Status WritePriority(Transaction& tx, const std::string& id, const Priority& p) {
  return tx
      .Execute(
          "UPDATE findings SET timeline = ?, deadline_at = ?, cisa_level = ?, priority_rank = ? "
          "WHERE id = ?",
          {std::string(ssvc::Name(p.timeline)), store::TimeOrNull(p.deadline),
           std::string(ssvc::Name(p.cisa_level)), p.rank, id})
      .status();
}

// Records the CVE ids of the advisories of `matches` (advisory_cves), once each.
Status RecordAdvisoryCves(Transaction& tx, const std::vector<Match>& matches) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (const Match& m : matches) {
    for (std::string& cve : SplitCves(m.cves)) pairs.emplace(m.advisory_id, std::move(cve));
  }
  std::vector<std::vector<Value>> rows;
  for (const auto& [advisory, cve] : pairs) rows.push_back({advisory, cve});
  return InsertRows(tx, "INSERT INTO advisory_cves (advisory_id, cve) VALUES", 2, rows,
                    " ON CONFLICT (advisory_id, cve) DO NOTHING");
}

}  // namespace

std::string_view AnalysisScopeName(AnalysisScope scope) {
  switch (scope) {
    case AnalysisScope::kFinding:
      return "finding";
    case AnalysisScope::kOperator:
      return "operator";
    case AnalysisScope::kAllOperators:
      return "all_operators";
  }
  return "";
}

std::optional<AnalysisScope> ParseAnalysisScope(std::string_view name) {
  for (AnalysisScope s :
       {AnalysisScope::kFinding, AnalysisScope::kOperator, AnalysisScope::kAllOperators}) {
    if (AnalysisScopeName(s) == name) return s;
  }
  return std::nullopt;
}

ClearinghouseService::ClearinghouseService(store::Database& db, Clock& clock,
                                           access::AuditTrail* audit, ledger::NoteSigner* signer,
                                           const secrets::SecretStore* secrets)
    : db_(db),
      clock_(clock),
      audit_(audit),
      signer_(signer),
      secrets_(secrets),
      queue_(db, clock) {}

ClearinghouseService::~ClearinghouseService() = default;

// ---- Transactions, authorization and the audit trail ----

Status ClearinghouseService::Run(TxMode mode, const std::function<Status(Transaction&)>& fn) {
  return access::TransactRecordingDenial(db_, audit_, mode, fn);
}

// Checks `action` on `object` (an operator organization, or the platform). Someone who may not
// even read an operator's data is told it does not exist.
StatusOr<access::Decision> ClearinghouseService::Require(Transaction& tx, const Principal& actor,
                                                         std::string_view action,
                                                         const std::string& object) {
  const Time now = clock_.Now();
  BW_ASSIGN_OR_RETURN(access::Decision d, authorizer_.Check(tx, actor, action, object, now));
  if (d.allowed) return d;
  if (object != access::kPlatform && action != access::actions::kClearinghouseRead) {
    BW_ASSIGN_OR_RETURN(
        access::Decision read,
        authorizer_.Check(tx, actor, access::actions::kClearinghouseRead, object, now));
    if (!read.allowed) return NotFoundError("not found");
  } else if (object != access::kPlatform) {
    return NotFoundError("not found");
  }
  access::NoteDenial(actor, action, object);
  return Status(StatusCode::kPermissionDenied, d.reason, {{"action", std::string(action)}});
}

Status ClearinghouseService::Audit(Transaction& tx, const Principal& actor, std::string_view action,
                                   const std::string& object, std::vector<std::string> grants,
                                   std::vector<std::pair<std::string, std::string>> facts) {
  if (audit_ == nullptr) return OkStatus();
  return audit_->Record(
      tx, {actor, std::string(action), object, true, std::move(grants), std::move(facts)});
}

// ---- Assets ----

namespace {

constexpr std::string_view kAssetSelect =
    "SELECT a.id, a.org_id, o.name, a.name, a.environment, a.publicly_exposed, "
    "a.mission_well_being, a.created_at, a.created_by, a.updated_at, a.inventory_seq, "
    "a.components, (SELECT COUNT(*) FROM findings f WHERE f.asset_id = a.id AND f.active = 1), "
    "(SELECT COUNT(*) FROM findings f WHERE f.asset_id = a.id AND f.active = 1 AND "
    "f.deadline_at <= ?) FROM assets a JOIN organizations o ON o.id = a.org_id";

Asset ReadAsset(const Row& r) {
  Asset a;
  a.id = r.Text(0);
  a.org_id = r.Text(1);
  a.org_name = r.Text(2);
  a.name = r.Text(3);
  a.environment = r.Text(4);
  a.publicly_exposed = r.Int(5) != 0;
  a.mission_well_being =
      ssvc::ParseMissionWellBeing(r.Text(6)).value_or(ssvc::MissionWellBeing::kMedium);
  a.created_at = FromUnixMicros(r.Int(7));
  a.created_by = r.Text(8);
  a.updated_at = FromUnixMicros(r.Int(9));
  a.inventory_seq = r.Int(10);
  a.components = r.Int(11);
  a.active_findings = r.Int(12);
  a.overdue_findings = r.Int(13);
  return a;
}

Status CheckAsset(const NewAsset& asset) {
  BW_RETURN_IF_ERROR(ValidateText(asset.name, "name", 1, 200));
  return ValidateText(asset.environment, "environment", 0, 200);
}

}  // namespace

StatusOr<Asset> ClearinghouseService::LoadAsset(Transaction& tx, const std::string& asset_id) {
  BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(std::string(kAssetSelect) + " WHERE a.id = ?",
                                               {ToUnixMicros(clock_.Now()), asset_id}));
  if (rows.empty()) return NotFoundError("no asset " + asset_id);
  return ReadAsset(rows[0]);
}

StatusOr<Asset> ClearinghouseService::CreateAsset(const Principal& actor, const std::string& org_id,
                                                  const NewAsset& asset) {
  BW_RETURN_IF_ERROR(CheckAsset(asset));
  Asset out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, org_id));
    BW_ASSIGN_OR_RETURN(ResultSet org,
                        tx.Query("SELECT kind FROM organizations WHERE id = ?", {org_id}));
    if (org.empty() || org[0].Text(0) != "operator") {
      return Status(StatusCode::kFailedPrecondition, "assets belong to operator organizations",
                    {{"rule", "asset_owner"}});
    }
    const std::string id = NewId("ast");
    const int64_t now = ToUnixMicros(clock_.Now());
    const Status inserted =
        tx.Execute(
              "INSERT INTO assets (id, org_id, name, environment, publicly_exposed, "
              "mission_well_being, created_at, created_by, updated_at, inventory_seq, components) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
              {id, org_id, asset.name, asset.environment, int64_t{asset.publicly_exposed},
               std::string(ssvc::Name(asset.mission_well_being)), now, actor.user_id, now})
            .status();
    if (inserted.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("the operator already has an asset named \"" + asset.name + "\"");
    }
    BW_RETURN_IF_ERROR(inserted);
    BW_RETURN_IF_ERROR(
        Audit(tx, actor, "clearinghouse.asset.create", id, d.grants,
              {{"org", org_id},
               {"name", asset.name},
               {"publicly_exposed", asset.publicly_exposed ? "yes" : "no"},
               {"mission_well_being", std::string(ssvc::Name(asset.mission_well_being))}}));
    BW_ASSIGN_OR_RETURN(out, LoadAsset(tx, id));
    return OkStatus();
  }));
  return out;
}

StatusOr<Asset> ClearinghouseService::UpdateAsset(const Principal& actor,
                                                  const std::string& asset_id,
                                                  const NewAsset& asset) {
  BW_RETURN_IF_ERROR(CheckAsset(asset));
  Asset out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(Asset current, LoadAsset(tx, asset_id));
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, current.org_id));
    const Status updated =
        tx.Execute(
              "UPDATE assets SET name = ?, environment = ?, publicly_exposed = ?, "
              "mission_well_being = ?, updated_at = ? WHERE id = ?",
              {asset.name, asset.environment, int64_t{asset.publicly_exposed},
               std::string(ssvc::Name(asset.mission_well_being)), ToUnixMicros(clock_.Now()),
               asset_id})
            .status();
    if (updated.code() == StatusCode::kAlreadyExists) {
      return AlreadyExistsError("the operator already has an asset named \"" + asset.name + "\"");
    }
    BW_RETURN_IF_ERROR(updated);
    // Exposure and impact are inputs of every finding's priority.
    if (current.publicly_exposed != asset.publicly_exposed ||
        current.mission_well_being != asset.mission_well_being) {
      BW_RETURN_IF_ERROR(Reprioritize(tx, "f.asset_id = ?", {asset_id}).status());
    }
    BW_RETURN_IF_ERROR(
        Audit(tx, actor, "clearinghouse.asset.update", asset_id, d.grants,
              {{"name", asset.name},
               {"publicly_exposed", asset.publicly_exposed ? "yes" : "no"},
               {"mission_well_being", std::string(ssvc::Name(asset.mission_well_being))}}));
    BW_ASSIGN_OR_RETURN(out, LoadAsset(tx, asset_id));
    return OkStatus();
  }));
  return out;
}

StatusOr<Asset> ClearinghouseService::GetAsset(const Principal& actor,
                                               const std::string& asset_id) {
  Asset out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    StatusOr<Asset> asset = LoadAsset(tx, asset_id);
    if (!asset.ok()) return asset.status();
    StatusOr<access::Decision> d =
        Require(tx, actor, access::actions::kClearinghouseRead, asset->org_id);
    if (!d.ok()) return NotFoundError("no asset " + asset_id);
    out = *asset;
    return OkStatus();
  }));
  return out;
}

StatusOr<std::vector<Asset>> ClearinghouseService::ListAssets(const Principal& actor,
                                                              const std::string& org_id) {
  std::vector<Asset> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query(std::string(kAssetSelect) + " WHERE a.org_id = ? ORDER BY a.name",
                                 {ToUnixMicros(clock_.Now()), org_id}));
    for (const Row& r : rows) out.push_back(ReadAsset(r));
    return OkStatus();
  }));
  return out;
}

// ---- Inventories: the forward match ----

namespace {

constexpr std::string_view kInventorySelect =
    "SELECT id, asset_id, seq, format, spec_version, serial_number, sha256, components, "
    "matchable, added, removed, opened, verified_fixed, uploaded_at, uploaded_by FROM inventories";

Inventory ReadInventory(const Row& r) {
  Inventory i;
  i.id = r.Text(0);
  i.asset_id = r.Text(1);
  i.seq = r.Int(2);
  i.format = r.Text(3);
  i.spec_version = r.Text(4);
  i.serial_number = r.Text(5);
  i.sha256 = r.Text(6);
  i.components = r.Int(7);
  i.matchable = r.Int(8);
  i.added = r.Int(9);
  i.removed = r.Int(10);
  i.opened = r.Int(11);
  i.verified_fixed = r.Int(12);
  i.uploaded_at = FromUnixMicros(r.Int(13));
  i.uploaded_by = r.Text(14);
  return i;
}

// A package version an inventory runs, and the purl it was named by.
struct InventoryPackage {
  vuln::PurlPackage package;
  std::string purl;
};

std::string PackageKeyText(const vuln::PurlPackage& p) {
  return p.key.ecosystem + '\n' + p.key.name + '\n' + p.version;
}

}  // namespace

StatusOr<std::shared_ptr<const vuln::AdvisoryIndex>> ClearinghouseService::CurrentIndex() {
  std::string stamp;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT COUNT(*), COALESCE(MAX(imported_at), 0), "
                                                 "COALESCE(MAX(modified), 0) FROM advisories"));
    stamp = std::to_string(rows[0].Int(0)) + "/" + std::to_string(rows[0].Int(1)) + "/" +
            std::to_string(rows[0].Int(2));
    return OkStatus();
  }));
  std::lock_guard<std::mutex> lock(index_mu_);
  if (index_ != nullptr && stamp == index_stamp_) return index_;
  vuln::AdvisoryIndexBuilder builder;
  vuln::AdvisoryStore advisories(db_, clock_);
  BW_RETURN_IF_ERROR(advisories.ForEach([&](vuln::Advisory&& advisory) -> Status {
    const Status added = builder.Add(advisory);
    if (!added.ok()) {
      Log(LogLevel::kWarning, "an advisory could not be indexed",
          {{"advisory", advisory.id}, {"error", added.ToString()}});
    }
    return OkStatus();
  }));
  index_ = std::make_shared<const vuln::AdvisoryIndex>(std::move(builder).Finish());
  index_stamp_ = stamp;
  return index_;
}

StatusOr<Inventory> ClearinghouseService::UploadInventory(const Principal& actor,
                                                          const std::string& asset_id,
                                                          std::string_view document) {
  // Who may upload is checked before the document is read, and again in the transaction.
  BW_ASSIGN_OR_RETURN(Asset asset, GetAsset(actor, asset_id));
  const std::string sha256 = Sha256Hex(document);
  BW_ASSIGN_OR_RETURN(vuln::Sbom sbom, vuln::ParseSbom(document));
  // The inventory's distinct package versions, the first purl naming each.
  std::vector<InventoryPackage> packages;
  {
    std::unordered_set<std::string> seen;
    for (const vuln::SbomComponent& c : sbom.components) {
      StatusOr<vuln::PurlPackage> p = vuln::PackageOfComponent(c);
      if (!p.ok() || p->version.empty()) continue;
      if (!seen.insert(PackageKeyText(*p)).second) continue;
      packages.push_back({std::move(*p), c.purl});
    }
  }
  BW_ASSIGN_OR_RETURN(std::shared_ptr<const vuln::AdvisoryIndex> index, CurrentIndex());
  std::vector<vuln::PurlPackage> keys;
  keys.reserve(packages.size());
  for (const InventoryPackage& p : packages) keys.push_back(p.package);
  std::vector<vuln::AdvisoryIndex::MatchRef> refs;
  index->MatchRefs(keys, &refs);
  std::vector<Match> matches;
  matches.reserve(refs.size());
  for (const vuln::AdvisoryIndex::MatchRef& ref : refs) {
    const InventoryPackage& p = packages[ref.package];
    matches.push_back(MatchOf(index->Describe(ref, p.package), asset_id, p.package, p.purl));
  }

  Inventory out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(asset, LoadAsset(tx, asset_id));
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, asset.org_id));
    BW_ASSIGN_OR_RETURN(ResultSet latest,
                        tx.Query(std::string(kInventorySelect) + " WHERE asset_id = ? AND seq = ?",
                                 {asset_id, asset.inventory_seq}));
    if (!latest.empty() && latest[0].Text(6) == sha256) {
      out = ReadInventory(latest[0]);
      out.unchanged = true;
      return OkStatus();
    }
    const Time now = clock_.Now();
    const int64_t now_us = ToUnixMicros(now);
    // The components: what this inventory adds to the asset's and removes from it.
    BW_ASSIGN_OR_RETURN(ResultSet stored,
                        tx.Query("SELECT ecosystem, name, version FROM asset_components WHERE "
                                 "asset_id = ?",
                                 {asset_id}));
    std::unordered_set<std::string> now_present;
    for (const InventoryPackage& p : packages) now_present.insert(PackageKeyText(p.package));
    std::unordered_set<std::string> before;
    std::vector<std::vector<Value>> removed;
    for (const Row& r : stored) {
      std::string key = r.Text(0) + '\n' + r.Text(1) + '\n' + r.Text(2);
      if (!now_present.contains(key))
        removed.push_back({asset_id, r.Text(0), r.Text(1), r.Text(2)});
      before.insert(std::move(key));
    }
    std::vector<std::vector<Value>> added;
    for (const InventoryPackage& p : packages) {
      if (before.contains(PackageKeyText(p.package))) continue;
      added.push_back(
          {asset_id, p.package.key.ecosystem, p.package.key.name, p.package.version, p.purl});
    }
    for (const std::vector<Value>& r : removed) {
      BW_RETURN_IF_ERROR(tx.Execute("DELETE FROM asset_components WHERE asset_id = ? AND "
                                    "ecosystem = ? AND name = ? AND version = ?",
                                    r)
                             .status());
    }
    BW_RETURN_IF_ERROR(
        tx.InsertMany("asset_components (asset_id, ecosystem, name, version, purl)", added)
            .status());

    // The findings: new matches opened, verified fixes that came back reopened, findings whose
    // version this inventory no longer has verified fixed.
    BW_ASSIGN_OR_RETURN(
        ResultSet existing,
        tx.Query("SELECT id, advisory_id, ecosystem, package, version, state, cves, "
                 "cvss FROM findings WHERE asset_id = ?",
                 {asset_id}));
    std::unordered_map<std::string, size_t> by_key;
    std::vector<std::string> cves_texts;
    for (size_t i = 0; i < existing.size(); ++i) {
      const Row& r = existing[i];
      by_key[FindingKey(asset_id, r.Text(1), r.Text(2), r.Text(3), r.Text(4))] = i;
      cves_texts.push_back(r.Text(6));
    }
    for (const Match& m : matches) cves_texts.push_back(m.cves);
    BW_ASSIGN_OR_RETURN(FeedValues feeds, LoadFeedValues(tx, AllCves(cves_texts)));
    BW_RETURN_IF_ERROR(RecordAdvisoryCves(tx, matches));
    const AssetTraits traits{asset.org_id, asset.publicly_exposed, asset.mission_well_being};
    std::vector<std::vector<Value>> inserts;
    std::unordered_set<size_t> matched;
    int64_t opened = 0;
    for (const Match& m : matches) {
      auto it = by_key.find(FindingKey(asset_id, m.advisory_id, m.ecosystem, m.package, m.version));
      if (it == by_key.end()) {
        inserts.push_back(NewFindingRow(m, traits, PriorityOf(feeds, m.cves, m.cvss, traits, now),
                                        now, actor.user_id));
        ++opened;
        continue;
      }
      matched.insert(it->second);
      const Row& r = existing[it->second];
      if (r.Text(5) != FindingStateName(FindingState::kVerifiedFixed)) continue;
      // The version is back: the fix no longer holds.
      const Priority p = PriorityOf(feeds, r.Text(6), r.Text(7), traits, now);
      BW_RETURN_IF_ERROR(
          tx.Execute("UPDATE findings SET state = 'open', active = 1, closed_at = NULL, "
                     "escalated_at = NULL, known_at = ?, updated_at = ?, updated_by = ?, note = ? "
                     "WHERE id = ?",
                     {now_us, now_us, actor.user_id,
                      std::string("a later inventory has the version again"), r.Text(0)})
              .status());
      BW_RETURN_IF_ERROR(WritePriority(tx, r.Text(0), p));
      ++opened;
    }
    BW_RETURN_IF_ERROR(tx.InsertMany(kFindingTarget, inserts).status());
    std::vector<std::string> verified_ids;
    for (size_t i = 0; i < existing.size(); ++i) {
      const Row& r = existing[i];
      if (matched.contains(i) || r.Text(5) == FindingStateName(FindingState::kVerifiedFixed)) {
        continue;
      }
      if (now_present.contains(r.Text(2) + '\n' + r.Text(3) + '\n' + r.Text(4))) continue;
      BW_RETURN_IF_ERROR(
          tx.Execute("UPDATE findings SET state = 'verified_fixed', active = 0, closed_at = ?, "
                     "accepted_until = NULL, updated_at = ?, updated_by = ?, note = ? WHERE id = ?",
                     {now_us, now_us, actor.user_id,
                      std::string("a later inventory no longer has the version"), r.Text(0)})
              .status());
      verified_ids.push_back(r.Text(0));
    }
    BW_RETURN_IF_ERROR(VerifyNotices(tx, verified_ids));
    const int64_t verified = static_cast<int64_t>(verified_ids.size());

    out.id = NewId("inv");
    out.asset_id = asset_id;
    out.seq = asset.inventory_seq + 1;
    out.format = FormatName(sbom.format);
    out.spec_version = sbom.spec_version;
    out.serial_number = sbom.serial_number;
    out.sha256 = sha256;
    out.components = static_cast<int64_t>(sbom.components.size());
    out.matchable = static_cast<int64_t>(packages.size());
    out.added = static_cast<int64_t>(added.size());
    out.removed = static_cast<int64_t>(removed.size());
    out.opened = opened;
    out.verified_fixed = verified;
    out.uploaded_at = now;
    out.uploaded_by = actor.user_id;
    BW_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO inventories (id, asset_id, seq, format, spec_version, "
                   "serial_number, sha256, components, matchable, added, removed, opened, "
                   "verified_fixed, uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?)",
                   {out.id, asset_id, out.seq, out.format, out.spec_version, out.serial_number,
                    sha256, out.components, out.matchable, out.added, out.removed, opened, verified,
                    now_us, actor.user_id})
            .status());
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE assets SET inventory_seq = ?, components = ?, "
                                  "updated_at = ? WHERE id = ?",
                                  {out.seq, out.matchable, now_us, asset_id})
                           .status());
    return Audit(tx, actor, "clearinghouse.inventory.upload", out.id, d.grants,
                 {{"asset", asset_id},
                  {"seq", std::to_string(out.seq)},
                  {"sha256", sha256},
                  {"components", std::to_string(out.components)},
                  {"added", std::to_string(out.added)},
                  {"removed", std::to_string(out.removed)},
                  {"opened", std::to_string(opened)},
                  {"verified_fixed", std::to_string(verified)}});
  }));
  return out;
}

StatusOr<std::vector<Inventory>> ClearinghouseService::ListInventories(
    const Principal& actor, const std::string& asset_id) {
  std::vector<Inventory> out;
  BW_ASSIGN_OR_RETURN(Asset asset, GetAsset(actor, asset_id));
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(std::string(kInventorySelect) + " WHERE asset_id = ? ORDER BY seq DESC LIMIT 1000",
                 {asset.id}));
    for (const Row& r : rows) out.push_back(ReadInventory(r));
    return OkStatus();
  }));
  return out;
}

// ---- Findings ----

namespace {

std::string CursorOf(const Finding& f) { return std::to_string(f.rank) + "." + f.id; }

StatusOr<std::pair<int64_t, std::string>> ParseCursor(const std::string& cursor) {
  const size_t dot = cursor.find('.');
  int64_t rank = 0;
  if (dot == std::string::npos ||
      std::from_chars(cursor.data(), cursor.data() + dot, rank).ptr != cursor.data() + dot ||
      !IsValidId(cursor.substr(dot + 1), "fnd")) {
    return Status(StatusCode::kInvalidArgument, "the cursor is not one a page of findings gave",
                  {{"field", "cursor"}});
  }
  return std::make_pair(rank, cursor.substr(dot + 1));
}

}  // namespace

StatusOr<FindingPage> ClearinghouseService::ListFindings(const Principal& actor,
                                                         const FindingQuery& query) {
  if (query.limit < 1 || query.limit > kMaxFindingPage) {
    return Status(StatusCode::kInvalidArgument,
                  "limit is from 1 to " + std::to_string(kMaxFindingPage), {{"field", "limit"}});
  }
  std::optional<std::pair<int64_t, std::string>> after;
  if (!query.cursor.empty()) {
    BW_ASSIGN_OR_RETURN(after, ParseCursor(query.cursor));
  }
  FindingPage page;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    std::string org_id = query.org_id;
    if (!query.asset_id.empty()) {
      BW_ASSIGN_OR_RETURN(Asset asset, LoadAsset(tx, query.asset_id));
      if (!org_id.empty() && org_id != asset.org_id) return NotFoundError("no asset");
      org_id = asset.org_id;
    }
    if (org_id.empty()) {
      BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                                 std::string(access::kPlatform))
                             .status());
    } else {
      BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    }
    std::string sql =
        "SELECT " + std::string(kFindingColumns) + std::string(kFindingFrom) + " WHERE 1 = 1";
    std::vector<Value> params;
    if (!org_id.empty()) {
      sql += " AND f.org_id = ?";
      params.push_back(org_id);
    }
    if (query.active_only) sql += " AND f.active = 1";
    if (!query.asset_id.empty()) {
      sql += " AND f.asset_id = ?";
      params.push_back(query.asset_id);
    }
    if (after) {
      sql += " AND (f.priority_rank > ? OR (f.priority_rank = ? AND f.id > ?))";
      params.push_back(after->first);
      params.push_back(after->first);
      params.push_back(after->second);
    }
    sql += " ORDER BY f.priority_rank, f.id LIMIT ?";
    params.push_back(int64_t{query.limit} + 1);
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(sql, params));
    const bool more = static_cast<int>(rows.size()) > query.limit;
    if (more) rows.pop_back();
    BW_ASSIGN_OR_RETURN(page.items, ReadFindings(tx, rows, clock_.Now()));
    if (more) page.next_cursor = CursorOf(page.items.back());
    return OkStatus();
  }));
  return page;
}

StatusOr<Finding> ClearinghouseService::GetFinding(const Principal& actor,
                                                   const std::string& finding_id) {
  Finding out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT " + std::string(kFindingColumns) +
                                                     std::string(kFindingFrom) + " WHERE f.id = ?",
                                                 {finding_id}));
    if (rows.empty()) return NotFoundError("no finding " + finding_id);
    BW_ASSIGN_OR_RETURN(std::vector<Finding> one, ReadFindings(tx, rows, clock_.Now()));
    out = std::move(one[0]);
    if (!Require(tx, actor, access::actions::kClearinghouseRead, out.org_id).ok()) {
      return NotFoundError("no finding " + finding_id);
    }
    return OkStatus();
  }));
  return out;
}

StatusOr<AnalysisResult> ClearinghouseService::Analyze(const Principal& actor,
                                                       const std::string& finding_id,
                                                       const Analysis& analysis) {
  BW_RETURN_IF_ERROR(ValidateText(analysis.note, "note", 0, 4000));
  if (analysis.state == FindingState::kNotAffected && !analysis.justification) {
    return Status(
        StatusCode::kInvalidArgument,
        "not affected needs a justification: component_not_present, vulnerable_code_not_present, "
        "vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary "
        "or inline_mitigations_already_exist",
        {{"field", "justification"}, {"rule", "vex_justification"}});
  }
  if (analysis.state != FindingState::kNotAffected && analysis.justification) {
    return Status(StatusCode::kInvalidArgument, "a justification goes only with not_affected",
                  {{"field", "justification"}});
  }
  if (analysis.state == FindingState::kRiskAccepted) {
    if (!analysis.accepted_until) {
      return Status(StatusCode::kInvalidArgument,
                    "a risk acceptance needs accepted_until, its expiry",
                    {{"field", "accepted_until"}, {"rule", "risk_acceptance_expiry"}});
    }
    BW_RETURN_IF_ERROR(CheckRiskAcceptance(*analysis.accepted_until, clock_.Now()));
  } else if (analysis.accepted_until) {
    return Status(StatusCode::kInvalidArgument, "accepted_until goes only with risk_accepted",
                  {{"field", "accepted_until"}});
  }
  if (analysis.state == FindingState::kVerifiedFixed) {
    return Status(
        StatusCode::kFailedPrecondition,
        "only a later inventory verifies a fix: report it fixed, and upload the inventory "
        "without the version",
        {{"rule", "finding_transition"}});
  }
  AnalysisResult result;
  result.scope = analysis.scope;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    result.changed.clear();
    result.unchanged = 0;
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT " + std::string(kFindingColumns) +
                                                     std::string(kFindingFrom) + " WHERE f.id = ?",
                                                 {finding_id}));
    if (rows.empty()) return NotFoundError("no finding " + finding_id);
    const Finding primary = ReadFinding(rows[0], now);
    access::Decision d;
    if (analysis.scope == AnalysisScope::kAllOperators) {
      if (!Require(tx, actor, access::actions::kClearinghouseRead, primary.org_id).ok()) {
        return NotFoundError("no finding " + finding_id);
      }
      BW_ASSIGN_OR_RETURN(d, Require(tx, actor, access::actions::kClearinghouseCoordinate,
                                     std::string(access::kPlatform)));
    } else {
      BW_ASSIGN_OR_RETURN(
          d, Require(tx, actor, access::actions::kClearinghouseManage, primary.org_id));
    }
    BW_RETURN_IF_ERROR(CheckFindingTransition(primary.state, analysis.state, Mover::kPerson));
    std::vector<Finding> targets = {primary};
    if (analysis.scope != AnalysisScope::kFinding) {
      std::string sql = "SELECT " + std::string(kFindingColumns) + std::string(kFindingFrom) +
                        " WHERE f.advisory_id = ? AND f.ecosystem = ? AND f.package = ? AND "
                        "f.id <> ?";
      std::vector<Value> params = {primary.advisory_id, primary.ecosystem, primary.package,
                                   primary.id};
      if (analysis.scope == AnalysisScope::kOperator) {
        sql += " AND f.org_id = ?";
        params.push_back(primary.org_id);
      }
      BW_ASSIGN_OR_RETURN(ResultSet kin, tx.Query(sql + " ORDER BY f.id", params));
      for (const Row& r : kin) targets.push_back(ReadFinding(r, now));
    }
    const std::string justification =
        analysis.justification ? std::string(JustificationName(*analysis.justification)) : "";
    const bool active = IsActive(analysis.state);
    for (const Finding& f : targets) {
      if (f.state == analysis.state &&
          (f.justification ? std::string(JustificationName(*f.justification)) : std::string()) ==
              justification &&
          f.accepted_until == analysis.accepted_until) {
        ++result.unchanged;
        continue;
      }
      if (!CheckFindingTransition(f.state, analysis.state, Mover::kPerson).ok()) {
        ++result.unchanged;
        continue;
      }
      BW_RETURN_IF_ERROR(
          tx.Execute(
                "UPDATE findings SET state = ?, active = ?, justification = ?, note = ?, "
                "accepted_until = ?, closed_at = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                {std::string(FindingStateName(analysis.state)), int64_t{active}, justification,
                 analysis.note, store::TimeOrNull(analysis.accepted_until),
                 active ? Value() : Value(ToUnixMicros(now)), ToUnixMicros(now), actor.user_id,
                 f.id})
              .status());
      std::vector<std::pair<std::string, std::string>> facts = {
          {"org", f.org_id},
          {"asset", f.asset_id},
          {"advisory", f.advisory_id},
          {"from", std::string(FindingStateName(f.state))},
          {"to", std::string(FindingStateName(analysis.state))},
          {"scope", std::string(AnalysisScopeName(analysis.scope))}};
      if (!justification.empty()) facts.push_back({"justification", justification});
      if (analysis.accepted_until) {
        facts.push_back({"accepted_until", std::to_string(ToUnixMicros(*analysis.accepted_until))});
      }
      BW_RETURN_IF_ERROR(Audit(tx, actor, "clearinghouse.finding.analyze", f.id, d.grants, facts));
      BW_ASSIGN_OR_RETURN(ResultSet after,
                          tx.Query("SELECT " + std::string(kFindingColumns) +
                                       std::string(kFindingFrom) + " WHERE f.id = ?",
                                   {f.id}));
      BW_ASSIGN_OR_RETURN(std::vector<Finding> moved, ReadFindings(tx, after, now));
      result.changed.push_back(std::move(moved[0]));
    }
    return OkStatus();
  }));
  return result;
}

// ---- Priority and the feeds ----

StatusOr<int64_t> ClearinghouseService::Reprioritize(Transaction& tx, std::string_view where,
                                                     const std::vector<Value>& params) {
  BW_ASSIGN_OR_RETURN(
      ResultSet rows,
      tx.Query("SELECT f.id, f.cves, f.cvss, f.known_at, f.priority_rank, f.deadline_at, "
               "a.org_id, a.publicly_exposed, a.mission_well_being FROM findings f JOIN assets a "
               "ON a.id = f.asset_id WHERE " +
                   std::string(where),
               params));
  std::vector<std::string> cves_texts;
  for (const Row& r : rows) cves_texts.push_back(r.Text(1));
  BW_ASSIGN_OR_RETURN(FeedValues feeds, LoadFeedValues(tx, AllCves(cves_texts)));
  std::vector<Value> changed;
  for (const Row& r : rows) {
    const AssetTraits traits{
        r.Text(6), r.Int(7) != 0,
        ssvc::ParseMissionWellBeing(r.Text(8)).value_or(ssvc::MissionWellBeing::kMedium)};
    const Priority p = PriorityOf(feeds, r.Text(1), r.Text(2), traits, FromUnixMicros(r.Int(3)));
    if (p.rank == r.Int(4) && store::TimeOrNull(p.deadline) == r.cell(5)) continue;
    BW_RETURN_IF_ERROR(WritePriority(tx, r.Text(0), p));
    changed.emplace_back(r.Text(0));
  }
  // A notice's signed text stays what was sent; its place in the inbox (rank, timeline,
  // deadline) follows its findings: its most urgent one's, and the earliest deadline.
  for (size_t start = 0; start < changed.size(); start += kIdsPerQuery) {
    const size_t end = std::min(changed.size(), start + kIdsPerQuery);
    constexpr std::string_view kOfNotice = " FROM findings f WHERE f.notice_id = notices.id";
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE notices SET priority_rank = (SELECT MIN(f.priority_rank)" +
                       std::string(kOfNotice) + "), deadline_at = (SELECT MIN(f.deadline_at)" +
                       std::string(kOfNotice) + "), timeline = (SELECT f.timeline" +
                       std::string(kOfNotice) +
                       " ORDER BY f.priority_rank, f.id LIMIT 1) WHERE id IN (SELECT notice_id "
                       "FROM findings WHERE id IN (" +
                       Placeholders(end - start) + "))",
                   std::vector<Value>(changed.begin() + start, changed.begin() + end))
            .status());
  }
  return static_cast<int64_t>(changed.size());
}

StatusOr<int64_t> ClearinghouseService::ReprioritizeCves(Transaction& tx,
                                                         const std::vector<std::string>& cves) {
  int64_t changed = 0;
  for (size_t start = 0; start < cves.size(); start += kIdsPerQuery) {
    const size_t end = std::min(cves.size(), start + kIdsPerQuery);
    BW_ASSIGN_OR_RETURN(
        int64_t n,
        Reprioritize(tx,
                     "f.advisory_id IN (SELECT advisory_id FROM advisory_cves WHERE cve IN (" +
                         Placeholders(end - start) + "))",
                     std::vector<Value>(cves.begin() + start, cves.begin() + end)));
    changed += n;
  }
  return changed;
}

namespace {

json::array ProblemsJson(const std::vector<FeedProblem>& problems) {
  json::array out;
  for (const FeedProblem& p : problems) {
    out.push_back(json::object{{"where", p.where}, {"reason", p.reason}});
  }
  return out;
}

}  // namespace

StatusOr<FeedImport> ClearinghouseService::FinishImport(std::string_view feed,
                                                        const FeedImport& result) {
  FeedImport out = result;
  out.feed = feed;
  out.state = result.error.empty() ? "done" : "failed";
  out.finished_at = clock_.Now();
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const std::string problems = json::serialize(ProblemsJson(out.problems));
    // The document is dropped once applied; a second run of the same import finds it finished.
    BW_ASSIGN_OR_RETURN(
        int64_t updated,
        tx.Execute("UPDATE feed_imports SET state = ?, source = ?, finished_at = ?, records = ?, "
                   "changed = ?, skipped = ?, problems = ?, error = ?, document = '' WHERE id = ? "
                   "AND state = 'queued'",
                   {out.state, out.source, ToUnixMicros(*out.finished_at), out.records, out.changed,
                    out.skipped, problems, out.error, out.id}));
    if (updated == 0) return OkStatus();
    Principal by = access::SystemPrincipal();
    by.user_id = out.requested_by;
    return Audit(tx, by, "clearinghouse.feed.import", out.id, {},
                 {{"feed", out.feed},
                  {"state", out.state},
                  {"records", std::to_string(out.records)},
                  {"changed", std::to_string(out.changed)},
                  {"skipped", std::to_string(out.skipped)}});
  }));
  return out;
}

namespace {

// The columns of a feed import, in the order ReadImport reads them.
constexpr std::string_view kImportColumns =
    "id, feed, source, state, requested_by, requested_at, finished_at, records, changed, skipped, "
    "problems, error";

FeedImport ReadImport(const Row& r) {
  FeedImport f;
  f.id = r.Text(0);
  f.feed = r.Text(1);
  f.source = r.Text(2);
  f.state = r.Text(3);
  f.requested_by = r.Text(4);
  f.requested_at = FromUnixMicros(r.Int(5));
  f.finished_at = r.OptionalTime(6);
  f.records = r.Int(7);
  f.changed = r.Int(8);
  f.skipped = r.Int(9);
  if (StatusOr<json::value> p = ParseJson(r.Text(10)); p.ok() && p->is_array()) {
    for (const json::value& v : p->get_array()) {
      if (!v.is_object()) continue;
      const json::object& o = v.get_object();
      const json::value* where = o.if_contains("where");
      const json::value* reason = o.if_contains("reason");
      f.problems.push_back(
          {where && where->is_string() ? std::string(where->get_string()) : "",
           reason && reason->is_string() ? std::string(reason->get_string()) : ""});
    }
  }
  f.error = r.Text(11);
  return f;
}

// Records an import as queued, with its document (a feed's text, or the JSON list of an OSV
// import's paths), and its job.
StatusOr<FeedImport> InsertImport(Transaction& tx, const jobs::JobQueue& queue, Time now,
                                  std::string_view feed, std::string source,
                                  const std::string& requested_by, std::string_view document) {
  FeedImport f;
  f.id = NewId("fim");
  f.feed = feed;
  f.source = std::move(source);
  f.state = "queued";
  f.requested_by = requested_by;
  f.requested_at = now;
  BW_RETURN_IF_ERROR(
      tx.Execute("INSERT INTO feed_imports (id, feed, source, state, requested_by, requested_at, "
                 "finished_at, records, changed, skipped, problems, error, document) VALUES (?, "
                 "?, ?, 'queued', ?, ?, NULL, 0, 0, 0, '[]', '', ?)",
                 {f.id, f.feed, f.source, f.requested_by, ToUnixMicros(now), std::string(document)})
          .status());
  BW_RETURN_IF_ERROR(queue
                         .Enqueue(tx, {.kind = std::string(kFeedJobKind),
                                       .payload = json::serialize(json::object{{"import", f.id}}),
                                       .priority = 5,
                                       .idempotency_key = "feed-" + f.id})
                         .status());
  return f;
}

}  // namespace

StatusOr<FeedImport> ClearinghouseService::QueueFeedImport(const Principal& actor,
                                                           std::string_view feed,
                                                           std::string_view document) {
  if (feed != "kev" && feed != "epss" && feed != "ssvc") {
    return Status(StatusCode::kInvalidArgument,
                  "feed is kev, epss or ssvc (OSV advisories are imported apart)",
                  {{"field", "feed"}});
  }
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) {
    return Require(tx, actor, access::actions::kClearinghouseCoordinate,
                   std::string(access::kPlatform))
        .status();
  }));
  // A document that is not the feed at all is refused now, saying where; bad records in a good
  // one are the import's to skip and list.
  std::vector<FeedProblem> problems;
  int64_t skipped = 0;
  const Status readable = feed == "kev" ? ParseKevCatalog(document, &problems, &skipped).status()
                          : feed == "epss"
                              ? ParseEpssCsv(document, &problems, &skipped).status()
                              : ParseVulnrichment(document, &problems, &skipped).status();
  BW_RETURN_IF_ERROR(readable);
  FeedImport queued;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                               std::string(access::kPlatform))
                           .status());
    BW_ASSIGN_OR_RETURN(queued,
                        InsertImport(tx, queue_, clock_.Now(), feed,
                                     "a document of " + std::to_string(document.size()) + " bytes",
                                     actor.user_id, document));
    return OkStatus();
  }));
  return queued;
}

StatusOr<FeedImport> ClearinghouseService::ImportFeed(const Principal& actor, std::string_view feed,
                                                      std::string_view document) {
  BW_ASSIGN_OR_RETURN(FeedImport queued, QueueFeedImport(actor, feed, document));
  return RunFeedImport(queued.id);
}

StatusOr<FeedImport> ClearinghouseService::RunFeedImport(const std::string& import_id) {
  FeedImport result;
  std::string document;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT " + std::string(kImportColumns) +
                                                     ", document FROM feed_imports WHERE id = ?",
                                                 {import_id}));
    if (rows.empty()) return NotFoundError("no feed import " + import_id);
    result = ReadImport(rows[0]);
    document = rows[0].Text(12);
    return OkStatus();
  }));
  if (result.state != "queued") return result;
  const std::string feed = result.feed;
  StatusOr<FeedImport> applied = Status(StatusCode::kInternal, "unknown feed " + feed);
  if (feed == "osv") {
    std::vector<std::string> paths;
    if (StatusOr<json::value> v = ParseJson(document); v.ok() && v->is_array()) {
      for (const json::value& p : v->get_array()) {
        if (p.is_string()) paths.emplace_back(p.get_string());
      }
    }
    applied = ApplyOsv(result, paths);
  } else if (feed == "kev") {
    applied = ImportKev(document, result);
  } else if (feed == "epss") {
    applied = ImportEpss(document, result);
  } else if (feed == "ssvc") {
    applied = ImportSsvc(document, result);
  }
  // A document that cannot be read as the feed will not read better on a retry: the import
  // fails, saying where. Anything else (the database) is the job's to retry.
  if (!applied.ok() && applied.status().code() == StatusCode::kInvalidArgument) {
    result.error = applied.status().message();
    return FinishImport(feed, result);
  }
  return applied;
}

StatusOr<FeedImport> ClearinghouseService::ImportKev(std::string_view text, FeedImport result) {
  BW_ASSIGN_OR_RETURN(KevCatalog catalog, ParseKevCatalog(text, &result.problems, &result.skipped));
  result.source = "KEV catalog " + catalog.version;
  result.records = static_cast<int64_t>(catalog.entries.size());
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet stored,
                        tx.Query("SELECT cve, due_date, ransomware, vendor, product, name, "
                                 "date_added FROM kev_catalog"));
    std::unordered_map<std::string, std::string> known;
    for (const Row& r : stored) {
      known[r.Text(0)] = r.Text(1) + '\n' + std::to_string(r.Int(2)) + '\n' + r.Text(3) + '\n' +
                         r.Text(4) + '\n' + r.Text(5) + '\n' + r.Text(6);
    }
    std::vector<std::vector<Value>> rows;
    std::vector<std::string> changed;
    std::unordered_set<std::string> seen;
    const int64_t now = ToUnixMicros(clock_.Now());
    for (const KevEntry& e : catalog.entries) {
      if (!seen.insert(e.cve).second) continue;
      const std::string value = e.due_date + '\n' + std::to_string(int64_t{e.ransomware}) + '\n' +
                                e.vendor + '\n' + e.product + '\n' + e.name + '\n' + e.date_added;
      auto it = known.find(e.cve);
      if (it != known.end() && it->second == value) continue;
      rows.push_back({e.cve, e.vendor, e.product, e.name, e.date_added, e.due_date,
                      int64_t{e.ransomware}, now});
      changed.push_back(e.cve);
    }
    BW_RETURN_IF_ERROR(InsertRows(
        tx,
        "INSERT INTO kev_catalog (cve, vendor, product, name, date_added, due_date, ransomware, "
        "imported_at) VALUES",
        8, rows,
        " ON CONFLICT (cve) DO UPDATE SET vendor = excluded.vendor, product = excluded.product, "
        "name = excluded.name, date_added = excluded.date_added, due_date = excluded.due_date, "
        "ransomware = excluded.ransomware, imported_at = excluded.imported_at"));
    result.changed = static_cast<int64_t>(changed.size());
    return ReprioritizeCves(tx, changed).status();
  }));
  return FinishImport("kev", result);
}

StatusOr<FeedImport> ClearinghouseService::ImportEpss(std::string_view csv, FeedImport result) {
  BW_ASSIGN_OR_RETURN(EpssScores scores, ParseEpssCsv(csv, &result.problems, &result.skipped));
  result.source = "EPSS " + scores.model_version + " " + scores.score_date;
  result.records = static_cast<int64_t>(scores.scores.size());
  std::unordered_map<std::string, std::string> known;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet stored,
                        tx.Query("SELECT cve, epss, percentile FROM epss_scores"));
    known.reserve(stored.size());
    for (const Row& r : stored) known[r.Text(0)] = r.Text(1) + ',' + r.Text(2);
    return OkStatus();
  }));
  std::vector<std::vector<Value>> rows;
  std::vector<std::string> changed;
  const int64_t now = ToUnixMicros(clock_.Now());
  for (const EpssScore& s : scores.scores) {
    auto it = known.find(s.cve);
    const std::string value = s.epss + ',' + s.percentile;
    if (it != known.end() && it->second == value) continue;
    known[s.cve] = value;
    rows.push_back({s.cve, s.epss, s.percentile, scores.score_date, now});
    changed.push_back(s.cve);
  }
  // A day's file changes most scores: written in transactions of 20,000 rows, so that no one
  // transaction holds the write lock long.
  constexpr size_t kRowsPerTransaction = 20000;
  for (size_t start = 0; start < rows.size() || start == 0; start += kRowsPerTransaction) {
    const size_t end = std::min(rows.size(), start + kRowsPerTransaction);
    BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      std::vector<std::vector<Value>> part(rows.begin() + start, rows.begin() + end);
      BW_RETURN_IF_ERROR(InsertRows(
          tx, "INSERT INTO epss_scores (cve, epss, percentile, score_date, imported_at) VALUES", 5,
          part,
          " ON CONFLICT (cve) DO UPDATE SET epss = excluded.epss, percentile = "
          "excluded.percentile, score_date = excluded.score_date, imported_at = "
          "excluded.imported_at"));
      std::vector<std::string> cves(changed.begin() + start, changed.begin() + end);
      return ReprioritizeCves(tx, cves).status();
    }));
    if (rows.empty()) break;
  }
  result.changed = static_cast<int64_t>(changed.size());
  return FinishImport("epss", result);
}

StatusOr<FeedImport> ClearinghouseService::ImportSsvc(std::string_view text, FeedImport result) {
  result.source = "Vulnrichment";
  BW_ASSIGN_OR_RETURN(std::vector<SsvcAssessment> assessments,
                      ParseVulnrichment(text, &result.problems, &result.skipped));
  result.records = static_cast<int64_t>(assessments.size());
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    std::vector<std::vector<Value>> rows;
    std::vector<std::string> changed;
    const int64_t now = ToUnixMicros(clock_.Now());
    for (const SsvcAssessment& a : assessments) {
      const std::string exploitation(ssvc::Name(a.exploitation));
      const std::string automatable = a.automatable ? "yes" : "no";
      const std::string impact(ssvc::Name(a.technical_impact));
      BW_ASSIGN_OR_RETURN(ResultSet stored,
                          tx.Query("SELECT exploitation, automatable, technical_impact FROM "
                                   "ssvc_assessments WHERE cve = ?",
                                   {a.cve}));
      if (!stored.empty() && stored[0].Text(0) == exploitation &&
          stored[0].Text(1) == automatable && stored[0].Text(2) == impact) {
        continue;
      }
      BW_RETURN_IF_ERROR(
          tx.Execute("INSERT INTO ssvc_assessments (cve, exploitation, automatable, "
                     "technical_impact, imported_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (cve) DO "
                     "UPDATE SET exploitation = excluded.exploitation, automatable = "
                     "excluded.automatable, technical_impact = excluded.technical_impact, "
                     "imported_at = excluded.imported_at",
                     {a.cve, exploitation, automatable, impact, now})
              .status());
      changed.push_back(a.cve);
    }
    result.changed = static_cast<int64_t>(changed.size());
    return ReprioritizeCves(tx, changed).status();
  }));
  return FinishImport("ssvc", result);
}

StatusOr<FeedImport> ClearinghouseService::ImportOsv(const Principal& actor,
                                                     const std::vector<std::string>& paths) {
  FeedImport queued;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                               std::string(access::kPlatform))
                           .status());
    std::string source;
    json::array list;
    for (const std::string& p : paths) {
      source += (source.empty() ? "" : ", ") + p;
      list.emplace_back(p);
    }
    BW_ASSIGN_OR_RETURN(queued, InsertImport(tx, queue_, clock_.Now(), "osv", source, actor.user_id,
                                             json::serialize(list)));
    return OkStatus();
  }));
  return RunFeedImport(queued.id);
}

StatusOr<FeedImport> ClearinghouseService::ApplyOsv(FeedImport result,
                                                    const std::vector<std::string>& paths) {
  vuln::AdvisoryStore store(db_, clock_);
  StatusOr<vuln::ImportReport> report = vuln::ImportAdvisories(paths, store, nullptr);
  if (!report.ok()) {
    result.error = report.status().message();
  } else {
    result.records = report->inserted + report->updated + report->unchanged;
    result.changed = report->inserted + report->updated;
    result.skipped = static_cast<int64_t>(report->problems.size());
    for (const vuln::AdvisoryProblem& p : report->problems) {
      if (result.problems.size() >= kMaxFeedProblems) break;
      result.problems.push_back({p.file, p.reason});
    }
  }
  if (result.changed > 0) {
    BW_RETURN_IF_ERROR(
        db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) { return QueueMonitor(tx); }));
  }
  return FinishImport("osv", result);
}

Status ClearinghouseService::ScheduleOsvSync(jobs::Worker& worker,
                                             const std::vector<std::string>& paths,
                                             Duration every) {
  if (paths.empty()) return OkStatus();
  json::array list;
  for (const std::string& p : paths) list.emplace_back(p);
  return worker.EnsureSchedule("clearinghouse-osv-sync", std::string(kOsvSyncJobKind),
                               json::serialize(json::object{{"paths", std::move(list)}}), every);
}

StatusOr<std::vector<FeedImport>> ClearinghouseService::ListFeedImports(const Principal& actor) {
  std::vector<FeedImport> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                               std::string(access::kPlatform))
                           .status());
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT " + std::string(kImportColumns) +
                                 " FROM feed_imports ORDER BY requested_at DESC, id LIMIT 200"));
    for (const Row& r : rows) out.push_back(ReadImport(r));
    return OkStatus();
  }));
  return out;
}

// ---- The reverse match ----

Status ClearinghouseService::QueueMonitor(Transaction& tx) const {
  // One queued monitor is enough: it matches whatever is pending when it runs.
  return queue_
      .Enqueue(tx, {.kind = std::string(kMonitorJobKind),
                    .priority = 10,
                    .idempotency_key = "monitor-" + std::to_string(ToUnixMicros(clock_.Now()))})
      .status();
}

StatusOr<int64_t> ClearinghouseService::MonitorAdvisories() {
  int64_t matched_total = 0;
  while (true) {
    int64_t batch = 0;
    BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      batch = 0;
      BW_ASSIGN_OR_RETURN(
          ResultSet pending,
          tx.Query("SELECT a.id, a.modified, a.body FROM advisories a LEFT JOIN "
                   "monitored_advisories m ON m.advisory_id = a.id WHERE m.advisory_id IS NULL OR "
                   "m.modified < a.modified ORDER BY a.id LIMIT ?",
                   {int64_t{kAdvisoriesPerTransaction}}));
      const Time now = clock_.Now();
      const int64_t now_us = ToUnixMicros(now);
      std::unordered_map<std::string, AssetTraits> assets;
      for (const Row& row : pending) {
        ++batch;
        std::vector<Match> matches;
        StatusOr<vuln::Advisory> advisory = vuln::ParseOsvAdvisory(row.Text(2));
        if (advisory.ok() && !advisory->withdrawn) {
          vuln::AdvisoryIndexBuilder builder;
          if (builder.Add(*advisory).ok()) {
            const vuln::AdvisoryIndex one = std::move(builder).Finish();
            // The stored components of every package the advisory names.
            std::vector<std::tuple<std::string, std::string>> who;  // asset, purl
            std::vector<vuln::PurlPackage> packages;
            std::set<vuln::PackageKey> keys;
            for (const vuln::AffectedPackage& a : advisory->affected) {
              StatusOr<vuln::PackageKey> key = vuln::KeyForAffected(a.ecosystem, a.name);
              if (key.ok()) keys.insert(*key);
            }
            for (const vuln::PackageKey& key : keys) {
              BW_ASSIGN_OR_RETURN(
                  ResultSet rows,
                  tx.Query("SELECT c.asset_id, c.version, c.purl, a.org_id, a.publicly_exposed, "
                           "a.mission_well_being, a.name, o.name FROM asset_components c JOIN "
                           "assets a ON a.id = c.asset_id JOIN organizations o ON o.id = a.org_id "
                           "WHERE c.ecosystem = ? AND c.name = ?",
                           {key.ecosystem, key.name}));
              for (const Row& r : rows) {
                who.emplace_back(r.Text(0), r.Text(2));
                packages.push_back({key, r.Text(1)});
                assets.try_emplace(r.Text(0),
                                   AssetTraits{r.Text(3), r.Int(4) != 0,
                                               ssvc::ParseMissionWellBeing(r.Text(5)).value_or(
                                                   ssvc::MissionWellBeing::kMedium),
                                               r.Text(6), r.Text(7)});
              }
            }
            std::vector<vuln::AdvisoryIndex::MatchRef> refs;
            one.MatchRefs(packages, &refs);
            for (const vuln::AdvisoryIndex::MatchRef& ref : refs) {
              const auto& [asset_id, purl] = who[ref.package];
              matches.push_back(MatchOf(one.Describe(ref, packages[ref.package]), asset_id,
                                        packages[ref.package], purl));
            }
          }
        }
        const std::string advisory_id = row.Text(0);
        BW_ASSIGN_OR_RETURN(
            ResultSet existing,
            tx.Query("SELECT id, asset_id, ecosystem, package, version, cves, summary, severity, "
                     "cvss, upgrade_to, known_at FROM findings WHERE advisory_id = ?",
                     {advisory_id}));
        std::unordered_map<std::string, size_t> by_key;
        for (size_t i = 0; i < existing.size(); ++i) {
          const Row& r = existing[i];
          by_key[FindingKey(r.Text(1), advisory_id, r.Text(2), r.Text(3), r.Text(4))] = i;
        }
        std::vector<std::string> cves_texts;
        for (const Match& m : matches) cves_texts.push_back(m.cves);
        BW_ASSIGN_OR_RETURN(FeedValues feeds, LoadFeedValues(tx, AllCves(cves_texts)));
        BW_RETURN_IF_ERROR(RecordAdvisoryCves(tx, matches));
        std::vector<std::vector<Value>> inserts;
        std::vector<internal::NoticeItem> items;
        for (const Match& m : matches) {
          auto asset = assets.find(m.asset_id);
          if (asset == assets.end()) continue;
          auto it =
              by_key.find(FindingKey(m.asset_id, advisory_id, m.ecosystem, m.package, m.version));
          if (it == by_key.end()) {
            const Priority p = PriorityOf(feeds, m.cves, m.cvss, asset->second, now);
            inserts.push_back(NewFindingRow(m, asset->second, p, now, "system"));
            items.push_back({std::get<std::string>(inserts.back()[0]), asset->second.org_id,
                             asset->second.org_name, m.asset_id, asset->second.asset_name,
                             m.package, m.version, m.purl, m.upgrade_to, m.summary, m.cves,
                             std::string(ssvc::Name(p.timeline)),
                             std::string(ssvc::Name(p.cisa_level)), p.rank, p.deadline});
            continue;
          }
          // The advisory was revised: what the finding says of it, and its priority, follow.
          const Row& r = existing[it->second];
          if (r.Text(5) == m.cves && r.Text(6) == m.summary && r.Text(7) == m.severity &&
              r.Text(8) == m.cvss && r.Text(9) == m.upgrade_to) {
            continue;
          }
          BW_RETURN_IF_ERROR(
              tx.Execute("UPDATE findings SET cve = ?, cves = ?, summary = ?, severity = ?, "
                         "cvss = ?, upgrade_to = ? WHERE id = ?",
                         {m.cve, m.cves, m.summary, m.severity, m.cvss, m.upgrade_to, r.Text(0)})
                  .status());
          BW_RETURN_IF_ERROR(WritePriority(
              tx, r.Text(0),
              PriorityOf(feeds, m.cves, m.cvss, asset->second, FromUnixMicros(r.Int(10)))));
        }
        // Every operator with findings this advisory opened is told, in the same transaction:
        // a worker that dies here leaves neither findings nor notices, and the next one does both.
        // items[i] is inserts[i]'s finding; its notice is the row's last column.
        BW_RETURN_IF_ERROR(IssueNotices(tx, advisory_id, row.Int(1), items, [&]() -> Status {
          for (size_t i = 0; i < items.size(); ++i) {
            if (!items[i].notice_id.empty()) inserts[i].back() = items[i].notice_id;
          }
          return tx.InsertMany(kFindingTarget, inserts).status();
        }));
        BW_RETURN_IF_ERROR(
            tx.Execute("INSERT INTO monitored_advisories (advisory_id, modified, matched_at, "
                       "findings) VALUES (?, ?, ?, ?) ON CONFLICT (advisory_id) DO UPDATE SET "
                       "modified = excluded.modified, matched_at = excluded.matched_at, findings "
                       "= excluded.findings",
                       {advisory_id, row.Int(1), now_us, static_cast<int64_t>(matches.size())})
                .status());
        if (!inserts.empty()) {
          BW_RETURN_IF_ERROR(Audit(tx, access::SystemPrincipal(), "clearinghouse.advisory.match",
                                   advisory_id, {},
                                   {{"findings_opened", std::to_string(inserts.size())},
                                    {"matched", std::to_string(matches.size())}}));
        }
      }
      return OkStatus();
    }));
    matched_total += batch;
    if (batch < kAdvisoriesPerTransaction) break;
  }
  return matched_total;
}

// ---- The portfolio ----

StatusOr<std::vector<OperatorSummary>> ClearinghouseService::Portfolio(const Principal& actor) {
  std::vector<OperatorSummary> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                               std::string(access::kPlatform))
                           .status());
    const int64_t now = ToUnixMicros(clock_.Now());
    BW_ASSIGN_OR_RETURN(
        ResultSet orgs,
        tx.Query("SELECT o.id, o.name, COUNT(a.id), COALESCE(SUM(a.publicly_exposed), 0) FROM "
                 "organizations o LEFT JOIN assets a ON a.org_id = o.id WHERE o.kind = 'operator' "
                 "GROUP BY o.id, o.name"));
    std::map<std::string, OperatorSummary> by_org;
    for (const Row& r : orgs) {
      OperatorSummary s;
      s.org_id = r.Text(0);
      s.org_name = r.Text(1);
      s.assets = r.Int(2);
      s.exposed_assets = r.Int(3);
      by_org[s.org_id] = s;
    }
    BW_ASSIGN_OR_RETURN(
        ResultSet counts,
        tx.Query("SELECT org_id, timeline, COUNT(*), MIN(priority_rank), "
                 "SUM(CASE WHEN deadline_at <= ? THEN 1 ELSE 0 END) FROM findings WHERE active = 1 "
                 "GROUP BY org_id, timeline",
                 {now}));
    for (const Row& r : counts) {
      auto it = by_org.find(r.Text(0));
      if (it == by_org.end()) continue;
      OperatorSummary& s = it->second;
      for (size_t i = 0; i < 5; ++i) {
        if (ssvc::Name(kTimelinesByUrgency[i]) == r.Text(1)) s.by_timeline[i] += r.Int(2);
      }
      s.active_findings += r.Int(2);
      s.overdue_findings += r.Int(4);
      if (!s.best_rank || r.Int(3) < *s.best_rank) s.best_rank = r.Int(3);
    }
    for (auto& [id, s] : by_org) out.push_back(std::move(s));
    // Most exposed first: the most urgent finding, then overdue, then active findings.
    std::sort(out.begin(), out.end(), [](const OperatorSummary& a, const OperatorSummary& b) {
      const int64_t ra = a.best_rank.value_or(INT64_MAX), rb = b.best_rank.value_or(INT64_MAX);
      if (ra != rb) return ra < rb;
      if (a.overdue_findings != b.overdue_findings) return a.overdue_findings > b.overdue_findings;
      if (a.active_findings != b.active_findings) return a.active_findings > b.active_findings;
      return a.org_name < b.org_name;
    });
    return OkStatus();
  }));
  return out;
}

// ---- The sweep ----

StatusOr<SweepResult> ClearinghouseService::Sweep() {
  SweepResult result;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    result = {};
    const Time now = clock_.Now();
    const int64_t now_us = ToUnixMicros(now);
    const Principal system = access::SystemPrincipal();
    BW_ASSIGN_OR_RETURN(ResultSet expired,
                        tx.Query("SELECT id, org_id, asset_id, advisory_id, accepted_until FROM "
                                 "findings WHERE state = 'risk_accepted' AND accepted_until <= ? "
                                 "ORDER BY id LIMIT 1000",
                                 {now_us}));
    for (const Row& r : expired) {
      BW_RETURN_IF_ERROR(
          tx.Execute("UPDATE findings SET state = 'open', active = 1, accepted_until = NULL, "
                     "updated_at = ?, updated_by = 'system', note = ? WHERE id = ?",
                     {now_us, std::string("the risk acceptance expired"), r.Text(0)})
              .status());
      BW_RETURN_IF_ERROR(Audit(tx, system, "clearinghouse.finding.reopen", r.Text(0), {},
                               {{"org", r.Text(1)},
                                {"asset", r.Text(2)},
                                {"advisory", r.Text(3)},
                                {"reason", "the risk acceptance expired"}}));
      ++result.reopened;
    }
    return Escalate(tx, result);
  }));
  return result;
}

Status ClearinghouseService::RegisterJobs(jobs::Worker& worker) {
  worker.Register(std::string(kMonitorJobKind), [this](const jobs::Job&, jobs::JobContext&) {
    StatusOr<int64_t> matched = MonitorAdvisories();
    if (matched.ok() && *matched > 0) {
      Log(LogLevel::kInfo, "advisories matched against the inventories",
          {{"advisories", std::to_string(*matched)}});
    }
    return matched.status();
  });
  worker.Register(std::string(kSweepJobKind), [this](const jobs::Job&, jobs::JobContext&) {
    StatusOr<SweepResult> swept = Sweep();
    if (swept.ok() && (swept->reopened > 0 || swept->escalated > 0)) {
      Log(LogLevel::kInfo, "findings swept",
          {{"reopened", std::to_string(swept->reopened)},
           {"escalated", std::to_string(swept->escalated)},
           {"operators", std::to_string(swept->escalations)}});
    }
    return swept.status();
  });
  worker.Register(std::string(kFeedJobKind), [this](const jobs::Job& job, jobs::JobContext&) {
    StatusOr<json::value> payload = ParseJson(job.payload);
    const json::value* id = payload.ok() && payload->is_object()
                                ? payload->get_object().if_contains("import")
                                : nullptr;
    if (id == nullptr || !id->is_string()) {
      return Status(StatusCode::kInvalidArgument, "a feed job names its import");
    }
    StatusOr<FeedImport> done = RunFeedImport(std::string(id->get_string()));
    if (done.ok()) {
      Log(LogLevel::kInfo, "feed imported",
          {{"feed", done->feed},
           {"state", done->state},
           {"records", std::to_string(done->records)},
           {"changed", std::to_string(done->changed)},
           {"skipped", std::to_string(done->skipped)}});
    }
    return done.status();
  });
  worker.Register(std::string(kOsvSyncJobKind), [this](const jobs::Job& job, jobs::JobContext&) {
    StatusOr<json::value> payload = ParseJson(job.payload);
    const json::value* list =
        payload.ok() && payload->is_object() ? payload->get_object().if_contains("paths") : nullptr;
    std::vector<std::string> paths;
    if (list != nullptr && list->is_array()) {
      for (const json::value& p : list->get_array()) {
        if (p.is_string()) paths.emplace_back(p.get_string());
      }
    }
    if (paths.empty()) return Status(StatusCode::kInvalidArgument, "an OSV sync names its paths");
    return ImportOsv(access::SystemPrincipal(), paths).status();
  });
  worker.Register(
      std::string(kDeliveryJobKind),
      [this](const jobs::Job& job, jobs::JobContext& ctx) { return Deliver(job, ctx); });
  BW_RETURN_IF_ERROR(
      worker.EnsureSchedule("clearinghouse-sweep", std::string(kSweepJobKind), "{}", Minutes(1)));
  // The monitor also runs every few minutes, for advisories stored by a process that queued no
  // job (an import interrupted before its end).
  return worker.EnsureSchedule("clearinghouse-monitor", std::string(kMonitorJobKind), "{}",
                               Minutes(5));
}

}  // namespace bulwark::clearinghouse
