// The clearinghouse service on both backends: assets, inventories matched forward and advisories
// matched in reverse, idempotent re-uploads, verified fixes, the feeds moving priorities,
// analyses and their scopes, the sweep with a fake clock, paging by priority and the portfolio.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "access/directory.h"
#include "access/policy.h"
#include "base/json.h"
#include "base/time_format.h"
#include "clearinghouse/service.h"
#include "testing/postgres_cluster.h"
#include "testing/shell.h"
#include "testing/status_assertions.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"
#include "vuln/advisory_store.h"

namespace bulwark::clearinghouse {
namespace {

class RecordingAudit final : public access::AuditTrail {
 public:
  Status Record(store::Transaction&, const access::AuditRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(record);
    return OkStatus();
  }
  int Count(const std::string& action, bool allowed = true) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const access::AuditRecord& r : records_) n += r.action == action && r.allowed == allowed;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<access::AuditRecord> records_;
};

// An OSV advisory for Go's golang.org/x/text, fixed in 0.3.8, with its CVE alias.
std::string TextAdvisory(std::string_view modified = "2024-01-01T00:00:00Z",
                         std::string_view fixed = "0.3.8") {
  return R"({"id": "GO-2022-1059", "modified": ")" + std::string(modified) +
         R"(", "aliases": ["GHSA-69ch-w2m2-3vjp", "CVE-2022-32149"],
         "summary": "Denial of service via crafted Accept-Language header",
         "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
         "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": ")" +
         std::string(fixed) + R"("}]}]}]})";
}

std::string NetAdvisory() {
  return R"({"id": "GO-2023-1571", "modified": "2024-02-01T00:00:00Z",
         "aliases": ["CVE-2022-41723"], "summary": "HPACK decoder denial of service",
         "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/net"},
           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.7.0"}]}]}]})";
}

// A CycloneDX SBOM of the given purls.
std::string Sbom(const std::vector<std::string>& purls) {
  std::string components;
  for (const std::string& purl : purls) {
    const size_t at = purl.rfind('@');
    components += std::string(components.empty() ? "" : ",") + R"({"type": "library", "name": ")" +
                  purl.substr(0, at) + R"(", "version": ")" + purl.substr(at + 1) +
                  R"(", "purl": ")" + purl + R"("})";
  }
  return R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [)" +
         components + "]}";
}

const std::string kOldText = "pkg:golang/golang.org/x/text@v0.3.7";
const std::string kNewText = "pkg:golang/golang.org/x/text@v0.3.8";
const std::string kOldNet = "pkg:golang/golang.org/x/net@v0.5.0";
const std::string kSafe = "pkg:golang/github.com/google/uuid@v1.3.0";

class ClearinghouseTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  ClearinghouseTest() : clock_(ParseRfc3339("2026-11-02T09:00:00Z").value()) {}

  void SetUp() override {
    if (GetParam() == store::Backend::kPostgres && !bulwark::testing::PostgresAvailable()) {
      GTEST_SKIP() << bulwark::testing::PostgresUnavailableReason();
    }
    ASSERT_OK_AND_ASSIGN(db_, bulwark::testing::OpenTestDatabase(GetParam(), dir_));
    directory_ = std::make_unique<access::Directory>(*db_, clock_, hasher_);
    service_ = std::make_unique<ClearinghouseService>(*db_, clock_, &audit_);
    const access::Principal system = access::SystemPrincipal();
    auto org = [&](const char* name, access::OrgKind kind) {
      return directory_->CreateOrganization(system, name, kind).value().id;
    };
    hospital_ = org("Rural Hospital", access::OrgKind::kOperator);
    bank_ = org("Community Bank", access::OrgKind::kOperator);
    clearinghouse_ = org("Clearinghouse", access::OrgKind::kClearinghouse);
    lab_ = org("Frontier Lab", access::OrgKind::kLab);
    rita_ = MakeUser(hospital_, "it@hospital.example", access::OrgRole::kAdmin);
    nurse_ = MakeUser(hospital_, "nurse@hospital.example", access::OrgRole::kMember);
    ben_ = MakeUser(bank_, "it@bank.example", access::OrgRole::kAdmin);
    cory_ = MakeUser(clearinghouse_, "cory@clearinghouse.example", access::OrgRole::kMember);
    lee_ = MakeUser(lab_, "lee@lab.example", access::OrgRole::kAdmin);
    ASSERT_OK(directory_
                  ->WriteTuple(system, {std::string(access::kPlatform),
                                        "clearinghouse",
                                        clearinghouse_ + "#member",
                                        {},
                                        {}})
                  .status());
  }

  access::Principal MakeUser(const std::string& org, const std::string& email,
                             access::OrgRole role) {
    StatusOr<access::User> user =
        directory_->CreateUser(access::SystemPrincipal(), {org, email, email, std::nullopt, role});
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return {user->id, org, "tok_test", false};
  }

  void StoreAdvisory(const std::string& json) {
    vuln::AdvisoryStore store(*db_, clock_);
    ASSERT_OK_AND_ASSIGN(vuln::Advisory advisory, vuln::ParseOsvAdvisory(json));
    ASSERT_OK(store.Upsert(advisory, json).status());
  }

  Asset MakeAsset(const access::Principal& who, const std::string& org, const std::string& name,
                  bool exposed = false,
                  ssvc::MissionWellBeing impact = ssvc::MissionWellBeing::kMedium) {
    StatusOr<Asset> asset = service_->CreateAsset(who, org, {name, "production", exposed, impact});
    EXPECT_TRUE(asset.ok()) << asset.status().ToString();
    return asset.ok() ? *asset : Asset{};
  }

  std::vector<Finding> Findings(const access::Principal& who, const std::string& org,
                                bool active_only = true) {
    StatusOr<FindingPage> page =
        service_->ListFindings(who, {.org_id = org, .active_only = active_only, .limit = 500});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->items : std::vector<Finding>{};
  }

  bulwark::testing::TempDir dir_;
  FakeClock clock_;
  access::PasswordHasher hasher_{access::PasswordHasher::Cost::kMinimal, 4, Seconds(10)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<access::Directory> directory_;
  RecordingAudit audit_;
  std::unique_ptr<ClearinghouseService> service_;
  std::string hospital_, bank_, clearinghouse_, lab_;
  access::Principal rita_, nurse_, ben_, cory_, lee_;
};

TEST_P(ClearinghouseTest, AnOperatorsAdminsManageItsAssetsAndOthersSeeNothing) {
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR", true, ssvc::MissionWellBeing::kHigh);
  EXPECT_EQ(ehr.org_name, "Rural Hospital");
  EXPECT_TRUE(ehr.publicly_exposed);
  EXPECT_EQ(ehr.inventory_seq, 0);
  EXPECT_EQ(audit_.Count("clearinghouse.asset.create"), 1);

  EXPECT_EQ((service_->CreateAsset(rita_, hospital_, {"EHR", "", false, {}}).status()).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(
      (service_->CreateAsset(nurse_, hospital_, {"Lab system", "", false, {}}).status()).code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(audit_.Count("clearinghouse.manage", false), 1);
  EXPECT_EQ((service_->CreateAsset(ben_, hospital_, {"Lab system", "", false, {}}).status()).code(),
            StatusCode::kNotFound);
  EXPECT_EQ((service_->GetAsset(ben_, ehr.id).status()).code(), StatusCode::kNotFound);
  EXPECT_EQ((service_->CreateAsset(lee_, lab_, {"Cluster", "", false, {}}).status()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((service_->CreateAsset(rita_, hospital_, {"", "", false, {}}).status()).code(),
            StatusCode::kInvalidArgument);

  ASSERT_OK_AND_ASSIGN(std::vector<Asset> seen, service_->ListAssets(nurse_, hospital_));
  ASSERT_EQ(seen.size(), 1u);
  ASSERT_OK_AND_ASSIGN(seen, service_->ListAssets(cory_, hospital_));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ((service_->ListAssets(ben_, hospital_).status()).code(), StatusCode::kNotFound);
}

TEST_P(ClearinghouseTest, AnInventoryIsMatchedAndTheSameInventoryAgainChangesNothing) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR", true, ssvc::MissionWellBeing::kHigh);
  const std::string sbom = Sbom({kOldText, kSafe, kOldText});
  ASSERT_OK_AND_ASSIGN(Inventory first, service_->UploadInventory(rita_, ehr.id, sbom));
  EXPECT_FALSE(first.unchanged);
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.format, "CycloneDX JSON");
  EXPECT_EQ(first.components, 3);
  EXPECT_EQ(first.matchable, 2);  // the duplicate counts once
  EXPECT_EQ(first.added, 2);
  EXPECT_EQ(first.opened, 1);

  std::vector<Finding> findings = Findings(rita_, hospital_);
  ASSERT_EQ(findings.size(), 1u);
  const Finding f = findings[0];  // a copy: `findings` is read again below
  EXPECT_EQ(f.advisory_id, "GO-2022-1059");
  EXPECT_EQ(f.cve, "CVE-2022-32149");
  EXPECT_EQ(f.asset_name, "EHR");
  EXPECT_EQ(f.ecosystem, "Go");
  EXPECT_EQ(f.package, "golang.org/x/text");
  EXPECT_EQ(f.purl, kOldText);
  EXPECT_EQ(f.upgrade_to, "0.3.8");
  EXPECT_EQ(f.cvss, "7.5");
  EXPECT_EQ(f.severity, "high");
  EXPECT_EQ(f.state, FindingState::kOpen);
  EXPECT_EQ(f.known_at, clock_.Now());
  // Not in KEV, exposed, not automatable (assumed), partial impact (assumed): 60 days.
  EXPECT_EQ(f.timeline, ssvc::RemediationTimeline::kSixtyDays);
  ASSERT_TRUE(f.deadline.has_value());
  EXPECT_EQ(*f.deadline, clock_.Now() + Days(60));
  EXPECT_FALSE(f.factors.empty());

  clock_.Advance(Hours(1));
  ASSERT_OK_AND_ASSIGN(Inventory again, service_->UploadInventory(rita_, ehr.id, sbom));
  EXPECT_TRUE(again.unchanged);
  EXPECT_EQ(again.id, first.id);
  ASSERT_OK_AND_ASSIGN(std::vector<Inventory> history, service_->ListInventories(nurse_, ehr.id));
  EXPECT_EQ(history.size(), 1u);
  findings = Findings(rita_, hospital_);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].updated_at, f.updated_at);
  EXPECT_EQ(audit_.Count("clearinghouse.inventory.upload"), 1);

  // Members read; they do not upload; other operators see nothing.
  EXPECT_EQ((service_->UploadInventory(nurse_, ehr.id, sbom).status()).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ((service_->UploadInventory(ben_, ehr.id, sbom).status()).code(), StatusCode::kNotFound);
  EXPECT_EQ((service_->ListFindings(ben_, {.org_id = hospital_}).status()).code(),
            StatusCode::kNotFound);
}

TEST_P(ClearinghouseTest, AMalformedInventoryIsRefusedSayingWhereAndNothingChanges) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR");
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText})).status());
  const Status bad =
      service_->UploadInventory(rita_, ehr.id, "{\"bomFormat\": \"CycloneDX\",\n\"comp").status();
  EXPECT_EQ((bad).code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("line"), std::string::npos) << bad.ToString();
  ASSERT_OK_AND_ASSIGN(Asset after, service_->GetAsset(rita_, ehr.id));
  EXPECT_EQ(after.inventory_seq, 1);
  EXPECT_EQ(after.components, 1);
  EXPECT_EQ(Findings(rita_, hospital_).size(), 1u);
}

TEST_P(ClearinghouseTest, ALaterInventoryWithoutTheVersionVerifiesTheFixAndOneWithItReopens) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR");
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText, kSafe})).status());
  const std::string id = Findings(rita_, hospital_).at(0).id;
  ASSERT_OK(
      service_->Analyze(rita_, id, {.state = FindingState::kFixed, .note = "upgraded"}).status());

  clock_.Advance(Days(2));
  ASSERT_OK_AND_ASSIGN(Inventory fixed,
                       service_->UploadInventory(rita_, ehr.id, Sbom({kNewText, kSafe})));
  EXPECT_EQ(fixed.seq, 2);
  EXPECT_EQ(fixed.added, 1);
  EXPECT_EQ(fixed.removed, 1);
  EXPECT_EQ(fixed.opened, 0);
  EXPECT_EQ(fixed.verified_fixed, 1);
  EXPECT_TRUE(Findings(rita_, hospital_).empty());
  ASSERT_OK_AND_ASSIGN(Finding verified, service_->GetFinding(nurse_, id));
  EXPECT_EQ(verified.state, FindingState::kVerifiedFixed);
  EXPECT_EQ(verified.closed_at, clock_.Now());

  // A verified fix is not the operator's to undo by hand.
  EXPECT_EQ((service_->Analyze(rita_, id, {.state = FindingState::kVerifiedFixed}).status()).code(),
            StatusCode::kFailedPrecondition);

  clock_.Advance(Days(1));
  ASSERT_OK_AND_ASSIGN(Inventory back,
                       service_->UploadInventory(rita_, ehr.id, Sbom({kOldText, kSafe})));
  EXPECT_EQ(back.opened, 1);
  std::vector<Finding> open = Findings(rita_, hospital_);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].id, id);
  EXPECT_EQ(open[0].state, FindingState::kOpen);
  EXPECT_EQ(open[0].known_at, clock_.Now());
  ASSERT_OK_AND_ASSIGN(std::vector<Inventory> history, service_->ListInventories(rita_, ehr.id));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].seq, 3);
}

TEST_P(ClearinghouseTest, ANewAdvisoryIsMatchedAgainstEveryStoredInventoryOnce) {
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR");
  const Asset web = MakeAsset(ben_, bank_, "Online banking", true);
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText, kOldNet})).status());
  ASSERT_OK(service_->UploadInventory(ben_, web.id, Sbom({kNewText, kOldNet})).status());
  EXPECT_TRUE(Findings(rita_, hospital_).empty());

  StoreAdvisory(TextAdvisory());
  StoreAdvisory(NetAdvisory());
  ASSERT_OK_AND_ASSIGN(int64_t matched, service_->MonitorAdvisories());
  EXPECT_EQ(matched, 2);
  std::vector<Finding> hospital = Findings(rita_, hospital_);
  ASSERT_EQ(hospital.size(), 2u);
  std::vector<Finding> bank = Findings(ben_, bank_);
  ASSERT_EQ(bank.size(), 1u);
  EXPECT_EQ(bank[0].advisory_id, "GO-2023-1571");
  EXPECT_EQ(bank[0].upgrade_to, "0.7.0");

  // Nothing new: nothing matched. A revision is matched again, updating what the finding says.
  ASSERT_OK_AND_ASSIGN(matched, service_->MonitorAdvisories());
  EXPECT_EQ(matched, 0);
  StoreAdvisory(TextAdvisory("2024-06-01T00:00:00Z", "0.3.9"));
  ASSERT_OK_AND_ASSIGN(matched, service_->MonitorAdvisories());
  EXPECT_EQ(matched, 1);
  hospital = Findings(rita_, hospital_);
  ASSERT_EQ(hospital.size(), 2u);
  bank = Findings(ben_, bank_);
  ASSERT_EQ(bank.size(), 2u);  // 0.3.8 is now affected too
  for (const Finding& f : Findings(rita_, hospital_)) {
    if (f.advisory_id == "GO-2022-1059") {
      EXPECT_EQ(f.upgrade_to, "0.3.9");
    }
  }

  // The forward match agrees with the reverse: a new asset with the same inventory.
  const Asset lab = MakeAsset(rita_, hospital_, "Lab system");
  ASSERT_OK_AND_ASSIGN(Inventory inv,
                       service_->UploadInventory(rita_, lab.id, Sbom({kOldText, kOldNet})));
  EXPECT_EQ(inv.opened, 2);
}

TEST_P(ClearinghouseTest, FeedsMovePrioritiesAndBadRecordsAreSkippedAndReported) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR", true, ssvc::MissionWellBeing::kHigh);
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText})).status());
  const Finding before = Findings(rita_, hospital_).at(0);

  const std::string kev = R"({"catalogVersion": "2026.11.01", "vulnerabilities": [
      {"cveID": "CVE-2022-32149", "vendorProject": "Go", "product": "x/text",
       "vulnerabilityName": "x/text DoS", "dateAdded": "2026-10-01", "dueDate": "2026-10-22",
       "knownRansomwareCampaignUse": "Known"},
      {"cveID": "not-a-cve", "dateAdded": "2026-10-01", "dueDate": "2026-10-22"},
      {"cveID": "CVE-2021-44228", "dateAdded": "yesterday", "dueDate": "2021-12-24"}]})";
  EXPECT_EQ((service_->ImportFeed(rita_, "kev", kev).status()).code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(FeedImport imported, service_->ImportFeed(cory_, "kev", kev));
  EXPECT_EQ(imported.state, "done");
  EXPECT_EQ(imported.records, 1);
  EXPECT_EQ(imported.changed, 1);
  EXPECT_EQ(imported.skipped, 2);
  ASSERT_EQ(imported.problems.size(), 2u);
  EXPECT_EQ(imported.problems[0].where, "vulnerabilities[1]");
  EXPECT_EQ(imported.problems[1].where, "vulnerabilities[2] (CVE-2021-44228)");

  const Finding in_kev = Findings(rita_, hospital_).at(0);
  // In KEV and exposed, exploitation active (assumed from KEV): at most 14 days, and first.
  EXPECT_LT(in_kev.rank, before.rank);
  EXPECT_LT(*in_kev.deadline, *before.deadline);
  ASSERT_OK_AND_ASSIGN(FeedImport again, service_->ImportFeed(cory_, "kev", kev));
  EXPECT_EQ(again.changed, 0);

  const std::string epss =
      "#model_version:v2025.03.14,score_date:2026-11-01T12:55:00Z\ncve,epss,percentile\n"
      "CVE-2022-32149,0.91234,0.99812\nCVE-2022-1,0.1,0.2\nCVE-2023-0001,1.5,0.2\n";
  ASSERT_OK_AND_ASSIGN(FeedImport scores, service_->ImportFeed(cory_, "epss", epss));
  EXPECT_EQ(scores.records, 1);
  EXPECT_EQ(scores.skipped, 2);
  EXPECT_EQ(scores.problems.at(0).where, "line 4");
  EXPECT_EQ(scores.source, "EPSS v2025.03.14 2026-11-01T12:55:00Z");
  bool epss_factor = false;
  const Finding scored = Findings(rita_, hospital_).at(0);
  for (const PriorityFactor& f : scored.factors) {
    if (f.name == "EPSS") epss_factor = f.value.find("0.91") != std::string::npos;
  }
  EXPECT_TRUE(epss_factor);
  EXPECT_EQ((service_->ImportFeed(cory_, "epss", "cve;epss\n").status()).code(),
            StatusCode::kInvalidArgument);

  const std::string ssvc = R"([{"cveMetadata": {"cveId": "CVE-2022-32149"},
      "containers": {"adp": [{"metrics": [{"other": {"type": "ssvc", "content": {
        "options": [{"Exploitation": "active"}, {"Automatable": "yes"},
                    {"Technical Impact": "total"}]}}}]}]}},
      {"cveMetadata": {"cveId": "CVE-2024-0002"},
      "containers": {"adp": [{"metrics": [{"other": {"type": "ssvc", "content": {
        "options": [{"Exploitation": "sometimes"}]}}}]}]}}])";
  ASSERT_OK_AND_ASSIGN(FeedImport assessed, service_->ImportFeed(cory_, "ssvc", ssvc));
  EXPECT_EQ(assessed.records, 1);
  EXPECT_EQ(assessed.skipped, 1);
  const Finding assessed_finding = Findings(rita_, hospital_).at(0);
  // In KEV, exposed, automatable, total: three days and a forensic investigation.
  EXPECT_EQ(assessed_finding.timeline, ssvc::RemediationTimeline::kThreeDaysAndForensics);
  EXPECT_EQ(*assessed_finding.deadline, assessed_finding.known_at + Days(3));

  ASSERT_OK_AND_ASSIGN(std::vector<FeedImport> imports, service_->ListFeedImports(cory_));
  EXPECT_EQ(imports.size(), 4u);
  EXPECT_EQ(audit_.Count("clearinghouse.feed.import"), 4);
}

TEST_P(ClearinghouseTest, AnAnalysisMovesItsScopeAndOnlyTheClearinghouseCrossesOperators) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR");
  const Asset pacs = MakeAsset(rita_, hospital_, "PACS");
  const Asset web = MakeAsset(ben_, bank_, "Online banking");
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText})).status());
  ASSERT_OK(service_->UploadInventory(rita_, pacs.id, Sbom({"pkg:golang/golang.org/x/text@v0.3.5"}))
                .status());
  ASSERT_OK(service_->UploadInventory(ben_, web.id, Sbom({kOldText})).status());
  std::vector<Finding> hospital = Findings(rita_, hospital_);
  ASSERT_EQ(hospital.size(), 2u);

  EXPECT_EQ(
      (service_->Analyze(rita_, hospital[0].id, {.state = FindingState::kNotAffected}).status())
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ((service_->Analyze(nurse_, hospital[0].id, {.state = FindingState::kInTriage}).status())
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      (service_->Analyze(ben_, hospital[0].id, {.state = FindingState::kInTriage}).status()).code(),
      StatusCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(
      AnalysisResult result,
      service_->Analyze(rita_, hospital[0].id,
                        {.state = FindingState::kNotAffected,
                         .justification = Justification::kVulnerableCodeNotInExecutePath,
                         .note = "language negotiation is not used",
                         .scope = AnalysisScope::kOperator}));
  EXPECT_EQ(result.changed.size(), 2u);  // both assets, both versions
  EXPECT_TRUE(Findings(rita_, hospital_).empty());
  EXPECT_EQ(Findings(ben_, bank_).size(), 1u);
  EXPECT_EQ(audit_.Count("clearinghouse.finding.analyze"), 2);

  EXPECT_EQ(
      (service_
           ->Analyze(ben_, Findings(ben_, bank_).at(0).id,
                     {.state = FindingState::kInTriage, .scope = AnalysisScope::kAllOperators})
           .status())
          .code(),
      StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(result, service_->Analyze(cory_, Findings(ben_, bank_).at(0).id,
                                                 {.state = FindingState::kInTriage,
                                                  .scope = AnalysisScope::kAllOperators}));
  // The hospital's not-affected findings may not move to in triage: only the bank's moved.
  EXPECT_EQ(result.changed.size(), 1u);
  EXPECT_EQ(result.unchanged, 2);
  EXPECT_EQ(Findings(ben_, bank_).at(0).state, FindingState::kInTriage);
}

TEST_P(ClearinghouseTest, ARiskAcceptanceExpiresAndADeadlinePassedEscalatesOnce) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR", true);
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText})).status());
  const Finding f = Findings(rita_, hospital_).at(0);
  EXPECT_EQ((service_
                 ->Analyze(rita_, f.id,
                           {.state = FindingState::kRiskAccepted,
                            .accepted_until = clock_.Now() + Days(400)})
                 .status())
                .code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK(service_
                ->Analyze(rita_, f.id,
                          {.state = FindingState::kRiskAccepted,
                           .accepted_until = clock_.Now() + Days(10),
                           .note = "segmented network until the vendor ships"})
                .status());
  ASSERT_OK_AND_ASSIGN(Finding accepted, service_->GetFinding(rita_, f.id));
  EXPECT_EQ(accepted.state, FindingState::kRiskAccepted);

  clock_.Advance(Days(10));
  // Every read applies the expiry at once; the sweep writes it down, in the ledger.
  ASSERT_OK_AND_ASSIGN(Finding read, service_->GetFinding(rita_, f.id));
  EXPECT_EQ(read.state, FindingState::kOpen);
  ASSERT_OK_AND_ASSIGN(SweepResult swept, service_->Sweep());
  EXPECT_EQ(swept.reopened, 1);
  EXPECT_EQ(swept.escalated, 0);
  EXPECT_EQ(audit_.Count("clearinghouse.finding.reopen"), 1);

  clock_.Advance(Days(50) - Seconds(1));
  ASSERT_OK_AND_ASSIGN(swept, service_->Sweep());
  EXPECT_EQ(swept.escalated, 0);
  clock_.Advance(Seconds(1));
  ASSERT_OK_AND_ASSIGN(Finding due, service_->GetFinding(rita_, f.id));
  EXPECT_TRUE(due.overdue);
  ASSERT_OK_AND_ASSIGN(swept, service_->Sweep());
  EXPECT_EQ(swept.escalated, 1);
  ASSERT_OK_AND_ASSIGN(swept, service_->Sweep());
  EXPECT_EQ(swept.escalated, 0);
  EXPECT_EQ(audit_.Count("clearinghouse.finding.overdue"), 1);
  ASSERT_OK_AND_ASSIGN(Asset asset, service_->GetAsset(rita_, ehr.id));
  EXPECT_EQ(asset.overdue_findings, 1);

  ASSERT_OK_AND_ASSIGN(FindingTrend trend, service_->Trend(rita_, hospital_, 7));
  EXPECT_EQ(trend.days.back().overdue, 1);
  EXPECT_EQ(trend.days[4].overdue, 0);

  // The escalation reaches the operator and the clearinghouse, and either acknowledges it.
  EXPECT_EQ(audit_.Count("clearinghouse.escalation"), 1);
  ASSERT_OK_AND_ASSIGN(std::vector<Escalation> told, service_->ListEscalations(rita_, hospital_));
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].findings, 1);
  ASSERT_EQ(told[0].items.size(), 1u);
  EXPECT_EQ(told[0].items[0].finding_id, f.id);
  EXPECT_EQ(told[0].items[0].asset_name, "EHR");
  EXPECT_EQ(told[0].earliest_deadline, *due.deadline);
  EXPECT_FALSE(told[0].acknowledged_at);
  ASSERT_OK_AND_ASSIGN(std::vector<Escalation> all, service_->ListEscalations(cory_, ""));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].org_name, "Rural Hospital");
  EXPECT_EQ(service_->ListEscalations(rita_, "").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->ListEscalations(ben_, hospital_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->AcknowledgeEscalation(ben_, told[0].id).status().code(),
            StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(Escalation seen, service_->AcknowledgeEscalation(rita_, told[0].id));
  EXPECT_EQ(seen.acknowledged_at, clock_.Now());
  EXPECT_EQ(seen.acknowledged_by, rita_.user_id);
  clock_.Advance(Days(1));
  ASSERT_OK_AND_ASSIGN(Escalation again, service_->AcknowledgeEscalation(cory_, told[0].id));
  EXPECT_EQ(again.acknowledged_by, rita_.user_id);
  EXPECT_EQ(audit_.Count("clearinghouse.escalation.acknowledge"), 1);
}

TEST_P(ClearinghouseTest, AFeedImportIsAJobThatAppliesItsDocumentOnce) {
  StoreAdvisory(TextAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR", true);
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText})).status());
  const Finding before = Findings(rita_, hospital_).at(0);
  const std::string kev = R"({"catalogVersion": "2026.12.01", "vulnerabilities": [
      {"cveID": "CVE-2022-32149", "dateAdded": "2026-12-01", "dueDate": "2026-12-22"}]})";
  EXPECT_EQ(service_->QueueFeedImport(rita_, "kev", kev).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->QueueFeedImport(cory_, "kev", "[1, 2").status().code(),
            StatusCode::kInvalidArgument);

  ASSERT_OK_AND_ASSIGN(FeedImport queued, service_->QueueFeedImport(cory_, "kev", kev));
  EXPECT_EQ(queued.state, "queued");
  EXPECT_EQ(Findings(rita_, hospital_).at(0).rank, before.rank);  // nothing applied yet
  ASSERT_OK_AND_ASSIGN(std::vector<FeedImport> listed, service_->ListFeedImports(cory_));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, "queued");

  // The job's work: applied once, however often it runs.
  ASSERT_OK_AND_ASSIGN(FeedImport done, service_->RunFeedImport(queued.id));
  EXPECT_EQ(done.state, "done");
  EXPECT_EQ(done.changed, 1);
  EXPECT_LT(Findings(rita_, hospital_).at(0).rank, before.rank);  // in KEV now
  ASSERT_OK_AND_ASSIGN(FeedImport again, service_->RunFeedImport(queued.id));
  EXPECT_EQ(again.state, "done");
  EXPECT_EQ(again.finished_at, done.finished_at);
  EXPECT_EQ(audit_.Count("clearinghouse.feed.import"), 1);
  // The same catalog again changes nothing.
  ASSERT_OK_AND_ASSIGN(FeedImport same, service_->ImportFeed(cory_, "kev", kev));
  EXPECT_EQ(same.records, 1);
  EXPECT_EQ(same.changed, 0);

  // OSV advisories from a directory, as the scheduled sync reads them: the second sync finds
  // nothing new and queues no monitor.
  const std::string osv = dir_.path() + "/osv";
  std::filesystem::create_directories(osv);
  std::ofstream(osv + "/GO-2023-1571.json") << NetAdvisory();
  std::ofstream(osv + "/broken.json") << "{\"id\": ";
  ASSERT_OK_AND_ASSIGN(FeedImport synced, service_->ImportOsv(cory_, {osv}));
  EXPECT_EQ(synced.feed, "osv");
  EXPECT_EQ(synced.state, "done");
  EXPECT_EQ(synced.changed, 1);
  EXPECT_EQ(synced.skipped, 1);
  ASSERT_OK_AND_ASSIGN(FeedImport resynced, service_->ImportOsv(cory_, {osv}));
  EXPECT_EQ(resynced.records, 1);
  EXPECT_EQ(resynced.changed, 0);
  ASSERT_OK_AND_ASSIGN(FeedImport missing, service_->ImportOsv(cory_, {osv + "/nowhere"}));
  EXPECT_EQ(missing.state, "failed");
  EXPECT_FALSE(missing.error.empty());
}

TEST_P(ClearinghouseTest, TheTrendCountsActiveFindingsByDayAndTheTimeToRemediate) {
  StoreAdvisory(TextAdvisory());
  StoreAdvisory(NetAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR", true);
  const Time day0 = clock_.Now();
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText})).status());
  clock_.Advance(Days(2));
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText, kOldNet})).status());
  clock_.Advance(Days(3));
  // The text finding is fixed by an upgrade five days after it was known.
  ASSERT_OK_AND_ASSIGN(Inventory upgraded,
                       service_->UploadInventory(rita_, ehr.id, Sbom({kNewText, kOldNet})));
  EXPECT_EQ(upgraded.verified_fixed, 1);
  clock_.Advance(Days(1));

  ASSERT_OK_AND_ASSIGN(FindingTrend trend, service_->Trend(rita_, hospital_, 7));
  ASSERT_EQ(trend.days.size(), 7u);
  auto active = [](const TrendDay& d) {
    int64_t n = 0;
    for (int64_t c : d.by_timeline) n += c;
    return n;
  };
  // Day by day from six days ago (the first upload's day): the text finding (two days), both
  // (three days), the net finding alone (the upgrade's day and today).
  const std::vector<int64_t> expected = {1, 1, 2, 2, 2, 1, 1};
  EXPECT_EQ(trend.days.front().date, FormatRfc3339(day0).substr(0, 10));
  EXPECT_EQ(trend.days.back().date, FormatRfc3339(clock_.Now()).substr(0, 10));
  for (size_t d = 0; d < 7; ++d) {
    EXPECT_EQ(active(trend.days[d]), expected[d]) << d;
    EXPECT_EQ(trend.days[d].overdue, 0) << d;  // 60 days each, from its day
  }
  int64_t remediated = 0;
  for (const RemediationTimes& r : trend.remediation) {
    remediated += r.remediated;
    if (r.remediated > 0) {
      EXPECT_DOUBLE_EQ(*r.median_days, 5.0);
      EXPECT_DOUBLE_EQ(*r.p90_days, 5.0);
    } else {
      EXPECT_FALSE(r.median_days);
    }
  }
  EXPECT_EQ(remediated, 1);

  ASSERT_OK_AND_ASSIGN(FindingTrend everyone, service_->Trend(cory_, "", 30));
  EXPECT_EQ(everyone.days.size(), 30u);
  EXPECT_EQ(active(everyone.days.back()), 1);
  EXPECT_EQ(service_->Trend(rita_, "", 30).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->Trend(rita_, hospital_, 3).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ClearinghouseTest, FindingsPageByPriorityAndThePortfolioPutsTheMostExposedFirst) {
  StoreAdvisory(TextAdvisory());
  StoreAdvisory(NetAdvisory());
  ASSERT_OK(service_
                ->ImportFeed(cory_, "kev", R"({"vulnerabilities": [{"cveID": "CVE-2022-41723",
      "dateAdded": "2026-10-01", "dueDate": "2026-10-22"}]})")
                .status());
  for (int i = 0; i < 7; ++i) {
    const Asset a = MakeAsset(rita_, hospital_, "System " + std::to_string(i), i % 2 == 0);
    ASSERT_OK(service_->UploadInventory(rita_, a.id, Sbom({kOldText, kOldNet})).status());
  }
  const Asset web = MakeAsset(ben_, bank_, "Online banking");
  ASSERT_OK(service_->UploadInventory(ben_, web.id, Sbom({kOldText})).status());

  std::vector<Finding> all;
  std::string cursor;
  int pages = 0;
  do {
    ASSERT_OK_AND_ASSIGN(
        FindingPage page,
        service_->ListFindings(nurse_, {.org_id = hospital_, .cursor = cursor, .limit = 4}));
    all.insert(all.end(), page.items.begin(), page.items.end());
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(all.size(), 14u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(all[i - 1].rank < all[i].rank ||
                (all[i - 1].rank == all[i].rank && all[i - 1].id < all[i].id));
  }
  EXPECT_EQ(all[0].advisory_id, "GO-2023-1571");  // in KEV, on an exposed system
  EXPECT_EQ(
      (service_->ListFindings(nurse_, {.org_id = hospital_, .cursor = "nonsense"}).status()).code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ((service_->ListFindings(nurse_, {.org_id = hospital_, .limit = 0}).status()).code(),
            StatusCode::kInvalidArgument);

  // Every operator's findings are the clearinghouse's alone.
  EXPECT_EQ((service_->ListFindings(rita_, {}).status()).code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(FindingPage portfolio_page,
                       service_->ListFindings(cory_, {.limit = kMaxFindingPage}));
  EXPECT_EQ(portfolio_page.items.size(), 15u);

  EXPECT_EQ((service_->Portfolio(rita_).status()).code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(std::vector<OperatorSummary> portfolio, service_->Portfolio(cory_));
  ASSERT_EQ(portfolio.size(), 2u);
  EXPECT_EQ(portfolio[0].org_name, "Rural Hospital");
  EXPECT_EQ(portfolio[0].assets, 7);
  EXPECT_EQ(portfolio[0].exposed_assets, 4);
  EXPECT_EQ(portfolio[0].active_findings, 14);
  EXPECT_EQ(portfolio[1].org_name, "Community Bank");
  EXPECT_EQ(portfolio[1].active_findings, 1);
  int64_t total = 0;
  for (int64_t n : portfolio[0].by_timeline) total += n;
  EXPECT_EQ(total, 14);
}

TEST_P(ClearinghouseTest, AFindingIsScoredByEveryCveItsAdvisoryNames) {
  // The Go database's advisory of HTTP/2 rapid reset names two CVEs; KEV lists the second.
  StoreAdvisory(R"({"id": "GO-2023-2102", "modified": "2024-01-01T00:00:00Z",
      "aliases": ["CVE-2023-39325", "GHSA-4374-p667-p6c8", "CVE-2023-44487"],
      "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/net"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.17.0"}]}]}]})");
  const Asset web = MakeAsset(rita_, hospital_, "Patient portal", true);
  ASSERT_OK(service_->UploadInventory(rita_, web.id, Sbom({kOldNet})).status());
  const Finding before = Findings(rita_, hospital_).at(0);
  EXPECT_EQ(before.cve, "CVE-2023-39325");
  EXPECT_EQ(before.cves, (std::vector<std::string>{"CVE-2023-39325", "CVE-2023-44487"}));
  ASSERT_OK_AND_ASSIGN(FeedImport kev, service_->ImportFeed(cory_, "kev", R"({"vulnerabilities": [
      {"cveID": "CVE-2023-44487", "dateAdded": "2023-10-10", "dueDate": "2023-10-31"}]})"));
  EXPECT_EQ(kev.changed, 1);
  const Finding after = Findings(rita_, hospital_).at(0);
  EXPECT_LT(after.rank, before.rank);
  bool in_kev = false;
  for (const PriorityFactor& f : after.factors) {
    if (f.name == "KEV") in_kev = f.value.starts_with("yes");
  }
  EXPECT_TRUE(in_kev);
}

// The CSAF document passes the official validator's schema and mandatory tests (the BSI's
// csaf-validator-lib, installed with the console's packages).
TEST_P(ClearinghouseTest, TheVexExportsStateEveryFindingAndTheCsafOnePassesTheValidator) {
  StoreAdvisory(TextAdvisory());
  StoreAdvisory(NetAdvisory());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR");
  const Asset pacs = MakeAsset(rita_, hospital_, "PACS");
  const Asset lab = MakeAsset(rita_, hospital_, "Lab system");
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldText, kOldNet})).status());
  ASSERT_OK(service_->UploadInventory(rita_, pacs.id, Sbom({kOldText, kOldNet})).status());
  ASSERT_OK(service_->UploadInventory(rita_, lab.id, Sbom({kOldText})).status());
  EXPECT_EQ(service_->ExportVex(ben_, bank_, VexFormat::kCsaf).status().code(),
            StatusCode::kFailedPrecondition);  // nothing to state
  std::vector<Finding> findings = Findings(rita_, hospital_);
  ASSERT_EQ(findings.size(), 5u);
  auto find = [&](const std::string& asset, const std::string& package) {
    for (const Finding& f : findings) {
      if (f.asset_name == asset && f.package == package) return f.id;
    }
    return std::string();
  };
  ASSERT_OK(service_
                ->Analyze(rita_, find("EHR", "golang.org/x/text"),
                          {.state = FindingState::kNotAffected,
                           .justification = Justification::kVulnerableCodeNotInExecutePath})
                .status());
  ASSERT_OK(service_
                ->Analyze(rita_, find("PACS", "golang.org/x/text"),
                          {.state = FindingState::kRiskAccepted,
                           .accepted_until = clock_.Now() + Days(30),
                           .note = "isolated network"})
                .status());
  ASSERT_OK(
      service_->Analyze(rita_, find("EHR", "golang.org/x/net"), {.state = FindingState::kInTriage})
          .status());
  ASSERT_OK(
      service_->Analyze(rita_, find("PACS", "golang.org/x/net"), {.state = FindingState::kFixed})
          .status());

  ASSERT_OK_AND_ASSIGN(std::string csaf, service_->ExportVex(rita_, hospital_, VexFormat::kCsaf));
  ASSERT_OK_AND_ASSIGN(boost::json::value doc, ParseJson(csaf));
  const boost::json::array& vulnerabilities = doc.at("vulnerabilities").as_array();
  ASSERT_EQ(vulnerabilities.size(), 2u);
  const boost::json::object& text = vulnerabilities[0].as_object();
  EXPECT_EQ(text.at("cve").as_string(), "CVE-2022-32149");
  const boost::json::object& status = text.at("product_status").as_object();
  EXPECT_EQ(status.at("known_not_affected").as_array().size(), 1u);
  EXPECT_EQ(status.at("known_affected").as_array().size(), 2u);  // risk accepted, and open
  EXPECT_EQ(text.at("flags").as_array()[0].at("label").as_string(),
            "vulnerable_code_not_in_execute_path");
  const boost::json::object& net = vulnerabilities[1].as_object().at("product_status").as_object();
  EXPECT_EQ(net.at("under_investigation").as_array().size(), 1u);
  EXPECT_EQ(net.at("fixed").as_array().size(), 1u);
  EXPECT_EQ(doc.at("product_tree").at("full_product_names").as_array().size(), 5u);

  const std::string file = dir_.path() + "/vex.csaf.json";
  { std::ofstream(file) << csaf; }
  const std::string validator = std::string(BULWARK_SOURCE_DIR) + "/web/scripts/validate-csaf.mjs";
  std::string out;
  const int status_code =
      bulwark::testing::RunShell("node " + validator + " " + file + " 2>&1", &out);
  EXPECT_EQ(status_code, 0) << out;
  EXPECT_NE(out.find(": valid ("), std::string::npos) << out;

  ASSERT_OK_AND_ASSIGN(std::string cdx,
                       service_->ExportVex(nurse_, hospital_, VexFormat::kCycloneDx));
  ASSERT_OK_AND_ASSIGN(boost::json::value bom, ParseJson(cdx));
  EXPECT_EQ(bom.at("bomFormat").as_string(), "CycloneDX");
  EXPECT_EQ(bom.at("components").as_array().size(), 5u);
  std::map<std::string, int> states;
  for (const boost::json::value& v : bom.at("vulnerabilities").as_array()) {
    ++states[std::string(v.at("analysis").at("state").as_string())];
    if (v.at("analysis").at("state") == "not_affected") {
      EXPECT_EQ(v.at("analysis").at("justification").as_string(), "code_not_reachable");
    }
  }
  EXPECT_EQ(states,
            (std::map<std::string, int>{
                {"exploitable", 2}, {"in_triage", 1}, {"not_affected", 1}, {"resolved", 1}}));
  EXPECT_EQ(service_->ExportVex(ben_, hospital_, VexFormat::kCsaf).status().code(),
            StatusCode::kNotFound);
}

TEST_P(ClearinghouseTest, RaisingAnAssetsExposureRaisesItsFindings) {
  StoreAdvisory(NetAdvisory());
  ASSERT_OK(service_
                ->ImportFeed(cory_, "kev", R"({"vulnerabilities": [{"cveID": "CVE-2022-41723",
      "dateAdded": "2026-10-01", "dueDate": "2026-10-22"}]})")
                .status());
  const Asset ehr = MakeAsset(rita_, hospital_, "EHR");
  ASSERT_OK(service_->UploadInventory(rita_, ehr.id, Sbom({kOldNet})).status());
  const Finding internal = Findings(rita_, hospital_).at(0);
  ASSERT_OK(
      service_
          ->UpdateAsset(rita_, ehr.id, {"EHR", "production", true, ssvc::MissionWellBeing::kHigh})
          .status());
  const Finding exposed = Findings(rita_, hospital_).at(0);
  EXPECT_LT(exposed.rank, internal.rank);
  EXPECT_LE(*exposed.deadline, *internal.deadline);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClearinghouseTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const ::testing::TestParamInfo<store::Backend>& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace bulwark::clearinghouse
