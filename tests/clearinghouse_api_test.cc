// The clearinghouse over real HTTP: an operator records an asset and uploads its SBOM as the
// request body, reads its findings by priority and decides on one; others see nothing of it;
// a malformed SBOM is a 400 saying where; the feeds and the portfolio are the clearinghouse's.
#include <gtest/gtest.h>

#include <string>

#include "access/policy.h"
#include "api_fixture.h"
#include "clearinghouse/service.h"
#include "vuln/advisory_store.h"

namespace bulwark::tests {
namespace {

namespace json = boost::json;

constexpr std::string_view kAdvisory = R"({"id": "GO-2022-1059",
  "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2022-32149"],
  "summary": "Denial of service via crafted Accept-Language header",
  "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.8"}]}]}]})";

constexpr std::string_view kSbom = R"({"bomFormat": "CycloneDX", "specVersion": "1.5",
  "components": [{"type": "library", "name": "golang.org/x/text", "version": "v0.3.7",
                  "purl": "pkg:golang/golang.org/x/text@v0.3.7"}]})";

class ClearinghouseApiTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    vuln::AdvisoryStore store(*db_, clock_);
    StatusOr<vuln::Advisory> advisory = vuln::ParseOsvAdvisory(kAdvisory);
    ASSERT_TRUE(advisory.ok()) << advisory.status().ToString();
    ASSERT_TRUE(store.Upsert(*advisory, kAdvisory).ok());
  }

  std::string Text(const json::value& v, std::string_view key) {
    return std::string(v.as_object().at(key).as_string());
  }
};

TEST_F(ClearinghouseApiTest, AnOperatorUploadsAnInventoryAndWorksItsFindings) {
  Reply asset = Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/assets"),
                     R"({"name": "Online banking", "environment": "production",
                         "publicly_exposed": true, "mission_well_being": "high"})",
                     "bank_admin");
  ASSERT_EQ(asset.status, 201) << asset.body;
  const std::string asset_id = Text(asset.json, "id");
  EXPECT_EQ(Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/assets"),
                 R"({"name": "x", "mission_well_being": "huge"})", "bank_admin")
                .status,
            400);

  const std::string upload = "/api/v1/clearinghouse/assets/" + asset_id + "/inventories";
  Reply inventory = Call("POST", upload, std::string(kSbom), "bank_admin");
  ASSERT_EQ(inventory.status, 201) << inventory.body;
  EXPECT_EQ(inventory.json.as_object().at("opened").as_int64(), 1);
  Reply again = Call("POST", upload, std::string(kSbom), "bank_admin");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.json.as_object().at("unchanged").as_bool());

  Reply bad =
      Call("POST", upload, "{\"bomFormat\": \"CycloneDX\",\n \"components\": [", "bank_admin");
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("line 2"), std::string::npos) << bad.body;

  Reply findings = Call("GET", Expand("/api/v1/clearinghouse/findings?operator={bank}&limit=10"),
                        "", "bank_admin");
  ASSERT_EQ(findings.status, 200) << findings.body;
  const json::array& items = findings.json.as_object().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(Text(items[0], "cve"), "CVE-2022-32149");
  EXPECT_EQ(Text(items[0], "upgrade_to"), "0.3.8");
  EXPECT_EQ(Text(items[0], "state"), "open");
  EXPECT_FALSE(items[0].as_object().at("factors").as_array().empty());
  EXPECT_TRUE(findings.json.as_object().at("next_cursor").is_null());
  const std::string finding = Text(items[0], "id");

  Reply analysis = Call("POST", "/api/v1/clearinghouse/findings/" + finding + "/analysis",
                        R"({"state": "not_affected",
                            "justification": "vulnerable_code_not_in_execute_path",
                            "note": "Accept-Language is never parsed"})",
                        "bank_admin");
  ASSERT_EQ(analysis.status, 200) << analysis.body;
  EXPECT_EQ(analysis.json.as_object().at("items").as_array().size(), 1u);
  EXPECT_EQ(Call("POST", "/api/v1/clearinghouse/findings/" + finding + "/analysis",
                 R"({"state": "not_affected"})", "bank_admin")
                .status,
            400);
  Reply all = Call("GET", Expand("/api/v1/clearinghouse/findings?operator={bank}&state=all"), "",
                   "bank_admin");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(Text(all.json.as_object().at("items").as_array().at(0), "justification"),
            "vulnerable_code_not_in_execute_path");

  // The auditor reads; the hospital's member sees nothing of the bank's; nobody without a token.
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/findings/" + finding, "", "auditor").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/findings/" + finding, "", "nurse").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/assets/" + asset_id, "", "nurse").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/assets/" + asset_id).status, 401);
  EXPECT_EQ(
      Call("GET", "/api/v1/clearinghouse/findings?operator=x&bogus=1", "", "bank_admin").status,
      400);
}

// An SBOM larger than the server's limit for other requests (10 MiB) is taken by the inventory
// route, and only there.
TEST_F(ClearinghouseApiTest, ALargeSbomIsTakenWhereOtherBodiesAreRefused) {
  Reply asset = Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/assets"),
                     R"({"name": "Data lake"})", "bank_admin");
  ASSERT_EQ(asset.status, 201);
  std::string sbom = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [)";
  for (int i = 0; i < 120000; ++i) {
    sbom += std::string(i == 0 ? "" : ",") + R"({"type": "library", "name": "lake-lib-)" +
            std::to_string(i) + R"(", "version": "1.0.0", "purl": "pkg:npm/lake-lib-)" +
            std::to_string(i) + R"(@1.0.0"})";
  }
  sbom += "]}";
  ASSERT_GT(sbom.size(), 10u << 20);
  Reply big =
      Call("POST", "/api/v1/clearinghouse/assets/" + Text(asset.json, "id") + "/inventories", sbom,
           "bank_admin");
  ASSERT_EQ(big.status, 201) << big.body.substr(0, 300);
  EXPECT_EQ(big.json.as_object().at("matchable").as_int64(), 120000);
  Reply refused =
      Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/assets"), sbom, "bank_admin");
  EXPECT_EQ(refused.status, 413);
}

TEST_F(ClearinghouseApiTest, AnOperatorWorksItsNoticesAndWebhooks) {
  // The bank is enrolled before the advisory arrives: the monitor sends it a notice.
  vuln::AdvisoryStore store(*db_, clock_);
  ASSERT_EQ(Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/webhooks"),
                 R"({"url": "ftp://bank.example/hook"})", "bank_admin")
                .status,
            400);
  Reply hook = Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/webhooks"),
                    R"({"url": "http://127.0.0.1:9/hook"})", "bank_admin");
  ASSERT_EQ(hook.status, 201) << hook.body;
  EXPECT_EQ(Text(hook.json, "secret").rfind("whsec_", 0), 0u);
  Reply asset = Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/assets"),
                     R"({"name": "Teller system"})", "bank_admin");
  ASSERT_EQ(asset.status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/clearinghouse/assets/" + Text(asset.json, "id") + "/inventories",
                 std::string(kSbom), "bank_admin")
                .status,
            201);
  // The advisory was stored before the inventory: the forward match found it. A revision of it
  // reaches the bank as a notice.
  const std::string revised =
      std::string(kAdvisory).replace(std::string(kAdvisory).find("2024-01-01"), 10, "2024-05-01");
  StatusOr<vuln::Advisory> advisory = vuln::ParseOsvAdvisory(revised);
  ASSERT_TRUE(advisory.ok());
  ASSERT_TRUE(store.Upsert(*advisory, revised).ok());
  ASSERT_TRUE(clearinghouse_->MonitorAdvisories().ok());
  Reply inbox =
      Call("GET", Expand("/api/v1/clearinghouse/operators/{bank}/notices"), "", "bank_admin");
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  const json::array& notices = inbox.json.as_object().at("items").as_array();
  ASSERT_EQ(notices.size(), 0u);  // the finding existed: a revision opens nothing new

  EXPECT_EQ(
      Call("GET", Expand("/api/v1/clearinghouse/operators/{bank}/notices"), "", "nurse").status,
      404);
  Reply deliveries =
      Call("GET", Expand("/api/v1/clearinghouse/operators/{bank}/deliveries"), "", "bank_admin");
  ASSERT_EQ(deliveries.status, 200);
  Reply hooks =
      Call("GET", Expand("/api/v1/clearinghouse/operators/{bank}/webhooks"), "", "bank_admin");
  ASSERT_EQ(hooks.status, 200);
  ASSERT_EQ(hooks.json.as_object().at("items").as_array().size(), 1u);
  EXPECT_FALSE(hooks.json.as_object().at("items").as_array()[0].as_object().contains("secret"));
  Reply disabled =
      Call("POST", "/api/v1/clearinghouse/webhooks/" + Text(hook.json, "id") + "/disable", "",
           "bank_admin");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_FALSE(disabled.json.as_object().at("disabled_at").is_null());
}

TEST_F(ClearinghouseApiTest, ANewAdvisoryReachesTheInboxAndIsAcknowledgedAndRemediated) {
  Reply asset = Call("POST", Expand("/api/v1/clearinghouse/operators/{bank}/assets"),
                     R"({"name": "Teller system", "publicly_exposed": true})", "bank_admin");
  ASSERT_EQ(asset.status, 201);
  const std::string net_sbom = R"({"bomFormat": "CycloneDX", "specVersion": "1.5",
    "components": [{"type": "library", "name": "golang.org/x/net", "version": "v0.5.0",
                    "purl": "pkg:golang/golang.org/x/net@v0.5.0"}]})";
  ASSERT_EQ(Call("POST", "/api/v1/clearinghouse/assets/" + Text(asset.json, "id") + "/inventories",
                 net_sbom, "bank_admin")
                .status,
            201);
  constexpr std::string_view kNet = R"({"id": "GO-2023-1571", "modified": "2024-02-01T00:00:00Z",
    "aliases": ["CVE-2022-41723"], "summary": "HPACK decoder denial of service",
    "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/net"},
      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.7.0"}]}]}]})";
  vuln::AdvisoryStore store(*db_, clock_);
  StatusOr<vuln::Advisory> advisory = vuln::ParseOsvAdvisory(kNet);
  ASSERT_TRUE(advisory.ok());
  ASSERT_TRUE(store.Upsert(*advisory, kNet).ok());
  ASSERT_TRUE(clearinghouse_->MonitorAdvisories().ok());
  Reply inbox =
      Call("GET", Expand("/api/v1/clearinghouse/operators/{bank}/notices"), "", "bank_admin");
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  const json::array& notices = inbox.json.as_object().at("items").as_array();
  ASSERT_EQ(notices.size(), 1u);
  const std::string id = Text(notices[0], "id");
  EXPECT_EQ(Text(notices[0], "state"), "sent");
  StatusOr<std::string> text =
      clearinghouse::VerifyNotice(Text(notices[0], "signed_note"), ledger_key_);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("GO-2023-1571"), std::string::npos);
  // Its place in its fan-out's ledger entry, which the operator checks against the note.
  Reply included =
      Call("GET", "/api/v1/clearinghouse/notices/" + id + "/inclusion", "", "bank_admin");
  ASSERT_EQ(included.status, 200) << included.body;
  StatusOr<clearinghouse::NoticeInclusion> inclusion =
      clearinghouse::ParseNoticeInclusion(included.body);
  ASSERT_TRUE(inclusion.ok()) << inclusion.status().ToString();
  EXPECT_EQ(inclusion->advisory_id, "GO-2023-1571");
  EXPECT_TRUE(
      clearinghouse::VerifyNoticeInclusion(Text(notices[0], "signed_note"), *inclusion).ok());

  Reply ack =
      Call("POST", "/api/v1/clearinghouse/notices/" + id + "/acknowledge", "", "bank_admin");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(Text(ack.json, "state"), "acknowledged");
  EXPECT_EQ(Call("POST", "/api/v1/clearinghouse/notices/" + id + "/remediation",
                 R"({"remediation": "patched"})", "bank_admin")
                .status,
            400);
  Reply done =
      Call("POST", "/api/v1/clearinghouse/notices/" + id + "/remediation",
           R"({"remediation": "mitigated", "note": "HTTP/2 is off at the proxy"})", "bank_admin");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Text(done.json, "state"), "remediated");
  EXPECT_EQ(Text(done.json, "justification"), "inline_mitigations_already_exist");
  EXPECT_EQ(
      Call("POST", "/api/v1/clearinghouse/notices/" + id + "/acknowledge", "", "auditor").status,
      403);
}

TEST_F(ClearinghouseApiTest, FeedsAndThePortfolioAreTheClearinghouses) {
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/portfolio", "", "bank_admin").status, 403);
  EXPECT_EQ(
      Call("POST", "/api/v1/clearinghouse/feeds/kev", R"({"vulnerabilities": []})", "bank_admin")
          .status,
      403);
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/findings", "", "bank_admin").status, 403);
  // A clearinghouse's staff.
  ASSERT_TRUE(
      directory_
          ->WriteTuple(
              access::SystemPrincipal(),
              {std::string(access::kPlatform), "clearinghouse", Expand("{auditor}"), {}, {}})
          .ok());
  Reply kev = Call("POST", "/api/v1/clearinghouse/feeds/kev",
                   R"({"vulnerabilities": [{"cveID": "CVE-2022-32149", "dateAdded": "2026-01-02",
                       "dueDate": "2026-01-23"}, {"cveID": "bad"}]})",
                   "auditor");
  // Queued, then applied by a worker (here, the job's work run at once).
  ASSERT_EQ(kev.status, 202) << kev.body;
  EXPECT_EQ(Text(kev.json, "state"), "queued");
  ASSERT_TRUE(clearinghouse_->RunFeedImport(Text(kev.json, "id")).ok());
  Reply bad = Call("POST", "/api/v1/clearinghouse/feeds/kev", "not json", "auditor");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("line 1"), std::string::npos) << bad.body;
  EXPECT_EQ(Call("POST", "/api/v1/clearinghouse/feeds/epss", "", "auditor").status, 400);
  EXPECT_EQ(Call("POST", "/api/v1/clearinghouse/feeds/nvd", "{}", "auditor").status, 400);
  Reply feeds = Call("GET", "/api/v1/clearinghouse/feeds", "", "auditor");
  ASSERT_EQ(feeds.status, 200);
  ASSERT_EQ(feeds.json.as_object().at("items").as_array().size(), 1u);
  const json::value& done = feeds.json.as_object().at("items").as_array().at(0);
  EXPECT_EQ(Text(done, "state"), "done");
  EXPECT_EQ(done.as_object().at("records").as_int64(), 1);
  EXPECT_EQ(done.as_object().at("skipped").as_int64(), 1);
  EXPECT_EQ(Text(done.as_object().at("problems").as_array().at(0), "where"), "vulnerabilities[1]");

  // Deadlines passed are escalated by the sweep; the trend counts the findings day by day.
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/escalations", "", "bank_admin").status, 403);
  Reply escalations = Call("GET", "/api/v1/clearinghouse/escalations", "", "auditor");
  ASSERT_EQ(escalations.status, 200) << escalations.body;
  EXPECT_TRUE(escalations.json.as_object().at("items").as_array().empty());
  Reply trend =
      Call("GET", Expand("/api/v1/clearinghouse/trend?operator={bank}&days=30"), "", "bank_admin");
  ASSERT_EQ(trend.status, 200) << trend.body;
  EXPECT_EQ(trend.json.as_object().at("days").as_array().size(), 30u);
  EXPECT_EQ(trend.json.as_object().at("remediation").as_array().size(), 5u);
  EXPECT_EQ(
      Call("GET", Expand("/api/v1/clearinghouse/trend?operator={bank}&days=x"), "", "bank_admin")
          .status,
      400);
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/trend", "", "bank_admin").status, 403);
  EXPECT_EQ(Call("GET", "/api/v1/clearinghouse/trend?days=365", "", "auditor").status, 200);
  Reply portfolio = Call("GET", "/api/v1/clearinghouse/portfolio", "", "auditor");
  ASSERT_EQ(portfolio.status, 200) << portfolio.body;
  EXPECT_EQ(portfolio.json.as_object().at("items").as_array().size(), 2u);
}

}  // namespace
}  // namespace bulwark::tests
