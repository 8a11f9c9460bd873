// The model gateway end to end: a partner's key through a real server to `bulwark mock-model`
// (in process) playing the lab's model, plain and streamed, and the refusals.
#include <atomic>
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "api_fixture.h"
#include "evals/mock_model.h"
#include "evals/task.h"
#include "testing/status_assertions.h"

namespace bulwark::tests {
namespace {

namespace json = boost::json;
constexpr char kLabCredential[] = "sk-lab-secret-credential-4d1e";

class GatewayTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (IsSkipped()) return;
    StatusOr<evals::Suite> suite =
        evals::LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-smoke");
    ASSERT_TRUE(suite.ok()) << suite.status().ToString();
    StatusOr<std::unique_ptr<evals::MockModelServer>> mock =
        evals::MockModelServer::Start(*suite, {});
    ASSERT_TRUE(mock.ok()) << mock.status().ToString();
    mock_ = std::move(*mock);
    // The lab's second model, behind the mock, with an open window the hospital shares.
    const access::Principal& lab = actors_["lab_admin"].principal;
    model_ = review_->RegisterModel(lab, symbols_["lab"], "Orion", "").value();
    version_ = review_
                   ->AddVersion(lab, model_.id,
                                {"2.0",
                                 review::Provider::kOpenAi,
                                 mock_->base_url() + "/v1",
                                 "orion-upstream",
                                 kLabCredential,
                                 {}})
                   .value();
    window_ = review_->OpenWindow(lab, version_.id, {clock_.Now(), clock_.Now() + Days(7)}).value();
    review::PartnerGrant grant =
        review_->ProposePartner(lab, window_.id, symbols_["hospital"], {}).value();
    ASSERT_TRUE(review_->ConcurPartner(actors_["officer"].principal, grant.id).ok());
    key_ =
        review_->IssueGatewayKey(actors_["nurse"].principal, grant.id, "laptop", {}).value().secret;
  }

  Reply Chat(const json::object& body, const std::string& key) {
    Reply reply =
        HttpCall(port_, "POST", "/gateway/v1/chat/completions", json::serialize(body),
                 {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
    gateway_->AwaitRecorded();  // the record is written once the answer is on its way
    return reply;
  }

  static json::object Hello(bool stream = false) {
    json::object body{{"model", "Orion/2.0"},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", "hi"}}}}};
    if (stream) body["stream"] = true;
    return body;
  }

  std::unique_ptr<evals::MockModelServer> mock_;
  review::Model model_;
  review::ModelVersion version_;
  review::Window window_;
  std::string key_;
};

TEST_F(GatewayTest, APartnerCallsTheLabsModelWithoutSeeingItsCredential) {
  Reply reply = Chat(Hello(), key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json.at("object"), "chat.completion");
  EXPECT_FALSE(
      json::value_to<std::string>(reply.json.at("choices").at(0).at("message").at("content"))
          .empty());
  EXPECT_EQ(reply.body.find(kLabCredential), std::string::npos);
  for (const auto& [name, value] : reply.headers) {
    EXPECT_EQ(value.find(kLabCredential), std::string::npos) << name;
  }
  // Upstream's own headers stay behind: the request id is Bulwark's, not the model API's.
  EXPECT_TRUE(reply.Header("x-request-id").starts_with("req_")) << reply.Header("x-request-id");
  EXPECT_EQ(reply.Header("x-request-id").find("mock"), std::string::npos);
  EXPECT_EQ(mock_->stats().openai.requests, 1);
  // The listing names the one model the key reaches, in either client's format.
  Reply models =
      HttpCall(port_, "GET", "/gateway/v1/models", "", {{"Authorization", "Bearer " + key_}});
  ASSERT_EQ(models.status, 200) << models.body;
  EXPECT_EQ(models.json.at("data").at(0).at("id"), "Orion/2.0");
  Reply anthropic_models = HttpCall(port_, "GET", "/gateway/v1/models", "",
                                    {{"x-api-key", key_}, {"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(anthropic_models.status, 200) << anthropic_models.body;
  EXPECT_EQ(anthropic_models.json.at("data").at(0).at("type"), "model");
}

TEST_F(GatewayTest, AStreamedAnswerArrivesAsServerSentEvents) {
  Reply reply = Chat(Hello(/*stream=*/true), key_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("content-type"), "text/event-stream");
  EXPECT_EQ(reply.Header("transfer-encoding"), "chunked");
  EXPECT_NE(reply.body.find("chat.completion.chunk"), std::string::npos);
  // The gateway asked upstream for the usage, to count tokens: the last chunk carries it.
  EXPECT_NE(reply.body.find("\"completion_tokens\":"), std::string::npos);
  EXPECT_TRUE(reply.body.ends_with("data: [DONE]\n\n")) << reply.body;
}

TEST_F(GatewayTest, RefusalsSayWhyAndNothingAboutTheLab) {
  EXPECT_EQ(
      HttpCall(port_, "POST", "/gateway/v1/chat/completions", json::serialize(Hello()), {}).status,
      401);
  EXPECT_EQ(Chat(Hello(), "bwg_" + std::string(52, 'a')).status, 401);
  EXPECT_EQ(Chat(Hello(), actors_["nurse"].token).status, 401);  // an API token is not a key
  json::object other = Hello();
  other["model"] = "gpt-4o";
  Reply unknown = Chat(other, key_);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  Reply not_object = HttpCall(port_, "POST", "/gateway/v1/chat/completions", "[1]",
                              {{"Authorization", "Bearer " + key_}});
  EXPECT_EQ(not_object.status, 400) << not_object.body;
  Reply wrong_api = HttpCall(port_, "POST", "/gateway/v1/messages", json::serialize(Hello()),
                             {{"x-api-key", key_}, {"anthropic-version", "2023-06-01"}});
  EXPECT_EQ(wrong_api.status, 400) << wrong_api.body;
  EXPECT_NE(wrong_api.body.find("/gateway/v1/chat/completions"), std::string::npos);
  // The fixture's first model answers nowhere: 502 in the error envelope.
  json::object atlas = Hello();
  atlas["model"] = "Atlas/1.0";
  Reply unreachable = Chat(atlas, symbols_["gateway_secret"]);
  EXPECT_EQ(unreachable.status, 502) << unreachable.body;
  EXPECT_EQ(unreachable.json.at("error").at("code"), "bad_gateway");
  EXPECT_EQ(unreachable.body.find("127.0.0.1:9"), std::string::npos);
  // The lab withdraws: the very next request is refused.
  ASSERT_TRUE(review_->WithdrawWindow(actors_["lab_admin"].principal, window_.id).ok());
  Reply withdrawn = Chat(Hello(), key_);
  EXPECT_EQ(withdrawn.status, 403) << withdrawn.body;
  EXPECT_NE(withdrawn.body.find("closed"), std::string::npos);
  EXPECT_EQ(withdrawn.body.find("Orion"), std::string::npos);
  EXPECT_EQ(mock_->stats().openai.requests, 0);
}

TEST_F(GatewayTest, QuotasAnswer429NamingTheLimit) {
  const access::Principal& lab = actors_["lab_admin"].principal;
  review::PartnerGrant grant =
      review_
          ->ProposePartner(
              lab, window_.id, symbols_["bank"],
              {.requests_per_day = 2, .tokens_per_day = 100000, .requests_per_minute = 60})
          .value();
  ASSERT_TRUE(review_->ConcurPartner(actors_["officer"].principal, grant.id).ok());
  const std::string key =
      review_->IssueGatewayKey(actors_["bank_admin"].principal, grant.id, "ci", {}).value().secret;
  EXPECT_EQ(Chat(Hello(), key).status, 200);
  EXPECT_EQ(Chat(Hello(true), key).status, 200);
  Reply over = Chat(Hello(), key);
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_NE(over.body.find("2 requests a day"), std::string::npos) << over.body;
  // A call that could write more tokens than the day has left is refused before it goes out.
  json::object huge = Hello();
  huge["max_tokens"] = 5000000;
  Reply too_big = Chat(huge, key_);
  EXPECT_EQ(too_big.status, 429) << too_big.body;
  EXPECT_NE(too_big.body.find("tokens_per_day"), std::string::npos) << too_big.body;
  EXPECT_EQ(mock_->stats().openai.requests, 2);
  // What the calls used is counted from upstream's usage.
  const std::string key_id =
      review_->ListGatewayKeys(actors_["bank_admin"].principal).value().front().id;
  StatusOr<review::QuotaUse> use = review_->UsageOn(key_id, clock_.Now());
  ASSERT_TRUE(use.ok());
  EXPECT_EQ(use->requests, 2);
  EXPECT_GT(use->tokens_used, 10);
  // What stays reserved is the gateway's lease, given back when the gateway lets go of it.
  ASSERT_TRUE(gateway_->ReturnQuotaLeases().ok());
  use = review_->UsageOn(key_id, clock_.Now());
  EXPECT_EQ(use->requests_reserved, 0);
  EXPECT_EQ(use->tokens_reserved, 0);
  // The partner sees what is left; the lab sees use by partner and day.
  Reply keys = Call("GET", "/api/v1/review/keys", "", "bank_admin");
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_EQ(keys.json.at("items").at(0).at("used_today").at("requests"), 2);
  EXPECT_TRUE(keys.json.at("items").at(0).at("last_used_at").is_string()) << keys.body;
  EXPECT_EQ(keys.json.at("items").at(0).at("gateway_model"), "Orion/2.0");
  Reply usage = Call("GET", "/api/v1/review/windows/" + window_.id + "/usage", "", "lab_admin");
  ASSERT_EQ(usage.status, 200) << usage.body;
  int64_t bank_requests = 0;
  for (const json::value& row : usage.json.at("items").as_array()) {
    if (json::value_to<std::string>(row.at("partner_org_id")) == symbols_["bank"]) {
      bank_requests += row.at("requests").as_int64();
    }
  }
  EXPECT_EQ(bank_requests, 2);
}

TEST_F(GatewayTest, EveryCallIsALedgerEntryWithoutItsContent) {
  ASSERT_EQ(Chat(Hello(), key_).status, 200);
  ASSERT_EQ(Chat(Hello(true), key_).status, 200);
  Reply entries = Call("GET", "/api/v1/ledger/entries?limit=200", "", "director");
  ASSERT_EQ(entries.status, 200) << entries.body;
  int calls = 0;
  for (const json::value& e : entries.json.at("items").as_array()) {
    const std::string text = json::serialize(e);
    if (text.find("gateway.request") == std::string::npos) continue;
    ++calls;
    EXPECT_EQ(text.find("\"hi\""), std::string::npos) << text;
    EXPECT_EQ(text.find(kLabCredential), std::string::npos) << text;
    EXPECT_NE(text.find(window_.id), std::string::npos) << text;
    // The status, the tokens and the answer's hash are facts of the entry.
    EXPECT_NE(text.find(R"("status":"200")"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("response_sha256":")"), std::string::npos) << text;
    EXPECT_EQ(text.find(R"("output_tokens":"0")"), std::string::npos) << text;
  }
  EXPECT_EQ(calls, 2);
}

// Calls answered at the same moment are recorded together (Gateway::FinishLater): each once,
// with its settlement, none lost.
TEST_F(GatewayTest, CallsAnsweredTogetherAreEachRecordedOnce) {
  constexpr int kThreads = 6, kCallsEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        Reply reply = HttpCall(port_, "POST", "/gateway/v1/chat/completions",
                               json::serialize(Hello((t + i) % 2 == 0)),
                               {{"Authorization", "Bearer " + key_}});
        if (reply.status == 200) ++answered;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(answered.load(), kThreads * kCallsEach);
  gateway_->AwaitRecorded();
  Reply entries = Call("GET", "/api/v1/ledger/entries?limit=500", "", "director");
  ASSERT_EQ(entries.status, 200) << entries.body;
  int recorded = 0;  // a call recorded twice is two entries, and a lost one none
  for (const json::value& e : entries.json.at("items").as_array()) {
    if (json::serialize(e).find("gateway.request") != std::string::npos) ++recorded;
  }
  EXPECT_EQ(recorded, kThreads * kCallsEach);
  ASSERT_OK_AND_ASSIGN(review::GatewayAccess access, review_->AuthorizeGatewayKey(key_));
  ASSERT_OK_AND_ASSIGN(review::QuotaUse use, review_->UsageOn(access.key.id, clock_.Now()));
  EXPECT_EQ(use.requests, kThreads * kCallsEach);
  EXPECT_GT(use.tokens_used, 0);
}

// The gateway keeps what it read of a key only while the gateway epoch stands: a revocation by
// another replica holds from the very next call, and the window's end from its instant.
TEST_F(GatewayTest, WhatTheGatewayKeepsOfAKeyHoldsOnlyUntilTheNextChange) {
  ASSERT_EQ(Chat(Hello(), key_).status, 200);
  ASSERT_EQ(Chat(Hello(), key_).status, 200);
  review::ReviewService other_replica(*db_, clock_, *secrets_, audit_.get());
  ASSERT_OK_AND_ASSIGN(review::GatewayAccess access, review_->AuthorizeGatewayKey(key_));
  ASSERT_OK(other_replica.RevokeGatewayKey(actors_["nurse"].principal, access.key.id).status());
  Reply revoked = Chat(Hello(), key_);
  EXPECT_EQ(revoked.status, 403) << revoked.body;
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;
  // A new key, kept by the gateway; then the window ends, with nothing written.
  const review::PartnerGrant grant =
      review_->ListPartners(actors_["lab_admin"].principal, window_.id).value().at(0);
  const std::string key =
      review_->IssueGatewayKey(actors_["nurse"].principal, grant.id, "phone", {}).value().secret;
  ASSERT_EQ(Chat(Hello(), key).status, 200);
  clock_.Advance(Days(7));
  Reply closed = Chat(Hello(), key);
  EXPECT_EQ(closed.status, 403) << closed.body;
  EXPECT_NE(closed.body.find("closed"), std::string::npos) << closed.body;
}

TEST_F(GatewayTest, RefusedAndFailedCallsOfAKnownKeyAreLedgeredToo) {
  // The start of the next minute, so that the flood below stays inside one minute.
  clock_.Set(FromUnixMicros((ToUnixMicros(clock_.Now()) / 60'000'000 + 1) * 60'000'000));
  auto entries = [&] {
    std::vector<std::string> out;
    Reply listed = Call("GET", "/api/v1/ledger/entries?limit=500", "", "director");
    EXPECT_EQ(listed.status, 200) << listed.body;
    for (const json::value& e : listed.json.at("items").as_array()) {
      const std::string text = json::serialize(e);
      if (text.find("gateway.request") != std::string::npos) out.push_back(text);
    }
    return out;
  };
  // A secret that is no key leaves nothing: there is nobody to record.
  ASSERT_EQ(Chat(Hello(), "bwg_" + std::string(52, 'a')).status, 401);
  EXPECT_TRUE(entries().empty());
  // A model the key does not reach: refused, and the entry says so and why.
  json::object other = Hello();
  other["model"] = "gpt-4o";
  ASSERT_EQ(Chat(other, key_).status, 404);
  std::vector<std::string> seen = entries();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find(R"("decision":"deny")"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find(R"("error":"not_found")"), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find(window_.id), std::string::npos) << seen[0];
  EXPECT_EQ(seen[0].find("\"hi\""), std::string::npos) << seen[0];
  // An upstream that cannot be reached: the call was allowed and failed.
  json::object atlas = Hello();
  atlas["model"] = "Atlas/1.0";
  ASSERT_EQ(Chat(atlas, symbols_["gateway_secret"]).status, 502);
  seen = entries();
  ASSERT_EQ(seen.size(), 2u);
  const std::string& failed = seen[0].find("unreachable") != std::string::npos ? seen[0] : seen[1];
  EXPECT_NE(failed.find(R"("decision":"allow")"), std::string::npos) << failed;
  EXPECT_NE(failed.find(R"("upstream":"unreachable")"), std::string::npos) << failed;
  // The lab withdraws; the partner keeps calling. The first kMaxRefusalsRecorded refusals of the
  // minute are recorded, the rest counted in the next minute's first entry.
  ASSERT_TRUE(review_->WithdrawWindow(actors_["lab_admin"].principal, window_.id).ok());
  const int flood = review::Gateway::kMaxRefusalsRecorded + 9;
  for (int i = 0; i < flood; ++i) ASSERT_EQ(Chat(Hello(), key_).status, 403);
  seen = entries();
  int closed = 0;
  for (const std::string& text : seen) {
    if (text.find("window is closed") != std::string::npos) {
      ++closed;
      EXPECT_NE(text.find(R"("decision":"deny")"), std::string::npos) << text;
    }
  }
  // One refusal of this key was recorded before this minute's flood.
  EXPECT_EQ(closed, review::Gateway::kMaxRefusalsRecorded - 1);
  clock_.Advance(Seconds(60));
  ASSERT_EQ(Chat(Hello(), key_).status, 403);
  bool counted = false;
  for (const std::string& text : entries()) {
    counted = counted || text.find(R"("unrecorded_before":"10")") != std::string::npos;
  }
  EXPECT_TRUE(counted);
  EXPECT_EQ(mock_->stats().openai.requests, 0);
}

TEST_F(GatewayTest, ACallOutsideTheWindowsHoursSuspendsTheKeyWhereTheLabChoseSo) {
  // The lab states two hours of use that leave out the present one, and suspends on alerts.
  const int hour = static_cast<int>(ToUnixMicros(clock_.Now()) / 3'600'000'000 % 24);
  const int start = (hour + 2) % 24, end = (hour + 3) % 24 + 1;
  Reply set = Call("POST", "/api/v1/review/windows/" + window_.id + "/settings",
                   json::serialize(json::object{
                       {"hours_start", start}, {"hours_end", end}, {"suspend_on_alert", true}}),
                   "lab_admin");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json.at("hours_start"), start);
  EXPECT_EQ(set.json.at("hours_end"), end);
  EXPECT_EQ(set.json.at("suspend_on_alert"), true);
  // The call is answered; its use raises the alert, which suspends the key for the next one.
  ASSERT_EQ(Chat(Hello(), key_).status, 200);
  Reply next = Chat(Hello(), key_);
  EXPECT_EQ(next.status, 403) << next.body;
  EXPECT_NE(next.body.find("revoked"), std::string::npos) << next.body;
  EXPECT_EQ(mock_->stats().openai.requests, 1);

  // The lab and the program office see the alert; the partner it is about does not.
  Reply alerts = Call("GET", "/api/v1/review/alerts", "", "lab_member");
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  ASSERT_EQ(alerts.json.at("items").as_array().size(), 1u) << alerts.body;
  const json::value& alert = alerts.json.at("items").at(0);
  EXPECT_EQ(alert.at("kind"), "outside_hours");
  EXPECT_EQ(alert.at("scope"), "key");
  EXPECT_EQ(alert.at("key_name"), "laptop");
  EXPECT_EQ(alert.at("org_name"), "Rural Hospital");
  EXPECT_EQ(json::value_to<std::string>(alert.at("window_id")), window_.id);
  EXPECT_EQ(alert.at("gateway_model"), "Orion/2.0");
  EXPECT_EQ(alert.at("key_suspended"), true);
  EXPECT_TRUE(alert.at("acknowledged_at").is_null());
  const std::string detail = json::value_to<std::string>(alert.at("detail"));
  EXPECT_NE(detail.find("outside the hours the lab stated"), std::string::npos) << detail;
  EXPECT_NE(detail.find("The key was suspended"), std::string::npos) << detail;
  EXPECT_EQ(Call("GET", "/api/v1/review/alerts", "", "officer").json.at("items").as_array().size(),
            1u);
  EXPECT_TRUE(
      Call("GET", "/api/v1/review/alerts", "", "nurse").json.at("items").as_array().empty());
  const std::string id = json::value_to<std::string>(alert.at("id"));

  // Ledgered: the alert, the suspension, and the acknowledgement.
  Reply acknowledged = Call("POST", "/api/v1/review/alerts/" + id + "/acknowledge", "", "officer");
  ASSERT_EQ(acknowledged.status, 200) << acknowledged.body;
  EXPECT_EQ(json::value_to<std::string>(acknowledged.json.at("acknowledged_by")),
            symbols_["officer"]);
  EXPECT_EQ(Call("POST", "/api/v1/review/alerts/" + id + "/acknowledge", "", "lab_admin").status,
            409);
  Reply entries = Call("GET", "/api/v1/ledger/entries?limit=1000", "", "director");
  ASSERT_EQ(entries.status, 200) << entries.body;
  std::set<std::string> actions;
  for (const json::value& e : entries.json.at("items").as_array()) {
    const std::string text = json::serialize(e);
    for (const char* action : {"review.alert.raise", "review.key.suspend",
                               "review.alert.acknowledge", "review.window.settings"}) {
      if (text.find(std::string("\"") + action + "\"") != std::string::npos) actions.insert(action);
    }
  }
  EXPECT_EQ(actions.size(), 4u) << json::serialize(entries.json);
}

TEST_F(GatewayTest, DefensiveAccessUsesTheSameGatewayUntilItIsRevoked) {
  const access::Principal& lab = actors_["lab_admin"].principal;
  ASSERT_TRUE(review_->SetVersionStatus(lab, version_.id, review::VersionStatus::kReleased).ok());
  const access::Principal& bank = actors_["bank_admin"].principal;
  review::DefensiveGrant grant =
      review_
          ->RequestDefensiveAccess(bank, {version_.id, "patch triage", clock_.Now() + Days(30), {}})
          .value();
  ASSERT_TRUE(review_->ApproveDefensiveAccess(lab, grant.id).ok());
  ASSERT_TRUE(review_->ApproveDefensiveAccess(actors_["officer"].principal, grant.id).ok());
  const std::string key = review_->IssueGatewayKey(bank, grant.id, "soc", {}).value().secret;
  // The window closed with the release; the defensive key works, the partner's does not.
  Reply reply = Chat(Hello(), key);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body.find(kLabCredential), std::string::npos);
  EXPECT_EQ(Chat(Hello(), key_).status, 403);
  Reply entries = Call("GET", "/api/v1/ledger/entries?limit=200", "", "director");
  ASSERT_EQ(entries.status, 200) << entries.body;
  bool ledgered = false;
  for (const json::value& e : entries.json.at("items").as_array()) {
    const std::string text = json::serialize(e);
    if (text.find("gateway.request") != std::string::npos &&
        text.find(grant.id) != std::string::npos) {
      ledgered = true;
    }
  }
  EXPECT_TRUE(ledgered);
  ASSERT_TRUE(review_->RevokeDefensiveAccess(lab, grant.id, "done").ok());
  Reply revoked = Chat(Hello(), key);
  EXPECT_EQ(revoked.status, 403) << revoked.body;
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;
}

TEST_F(GatewayTest, RetainedContentIsReadOnlyByASecondPersonsApprovalAndEachReadIsLedgered) {
  constexpr char kPrompt[] = "triage the record of patient 7731";
  Reply set = Call("POST", "/api/v1/review/windows/" + window_.id + "/settings",
                   R"({"retain_content": true, "retention_days": 30})", "lab_admin");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json.at("retain_content"), true);
  EXPECT_EQ(set.json.at("retention_days"), 30);
  // The partner is told, at the gateway.
  Reply models =
      HttpCall(port_, "GET", "/gateway/v1/models", "", {{"Authorization", "Bearer " + key_}});
  EXPECT_EQ(models.json.at("data").at(0).at("content_retained"), true) << models.body;
  json::object body = Hello();
  body["messages"] = json::array{json::object{{"role", "user"}, {"content", kPrompt}}};
  Reply plain = Chat(body, key_);
  ASSERT_EQ(plain.status, 200) << plain.body;
  body["stream"] = true;
  Reply streamed = Chat(body, key_);
  ASSERT_EQ(streamed.status, 200) << streamed.body;

  // Kept encrypted: neither the ledger nor any table shows the prompt.
  Reply entries = Call("GET", "/api/v1/ledger/entries?limit=200", "", "director");
  int retained = 0;
  for (const json::value& e : entries.json.at("items").as_array()) {
    const std::string text = json::serialize(e);
    EXPECT_EQ(text.find("patient 7731"), std::string::npos) << text;
    if (text.find("retained_call") != std::string::npos) ++retained;
  }
  EXPECT_EQ(retained, 2);
  ASSERT_TRUE(
      db_->Transact(store::TxMode::kReadOnly,
                    [&](store::Transaction& tx) -> Status {
                      for (const char* table : {"secrets", "retained_calls", "ledger_entries"}) {
                        BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                                            tx.Query(std::string("SELECT * FROM ") + table));
                        for (const store::Row& row : rows) {
                          for (size_t c = 0; c < row.size(); ++c) {
                            const store::Value& v = row.cell(c);
                            std::string_view bytes;
                            if (const auto* text = std::get_if<std::string>(&v)) bytes = *text;
                            if (const auto* blob = std::get_if<store::Blob>(&v))
                              bytes = blob->bytes;
                            EXPECT_EQ(bytes.find("patient 7731"), std::string::npos) << table;
                          }
                        }
                      }
                      return OkStatus();
                    })
          .ok());

  // The lab asks to read; it cannot approve its own request; the program office does.
  Reply asked =
      Call("POST", "/api/v1/review/content-reads",
           json::serialize(json::object{{"window_id", window_.id},
                                        {"reason", "misuse report 12 from the hospital"}}),
           "lab_admin");
  ASSERT_EQ(asked.status, 201) << asked.body;
  EXPECT_EQ(asked.json.at("state"), "requested");
  const std::string read = json::value_to<std::string>(asked.json.at("id"));
  EXPECT_EQ(Call("GET", "/api/v1/review/content-reads/" + read + "/calls", "", "lab_admin").status,
            403);
  Reply own = Call("POST", "/api/v1/review/content-reads/" + read + "/approve", "", "lab_admin");
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_NE(own.body.find("two_person_rule"), std::string::npos) << own.body;
  Reply approved = Call("POST", "/api/v1/review/content-reads/" + read + "/approve", "", "officer");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json.at("state"), "approved");
  // Only the asker reads, and the partner sees no request.
  EXPECT_EQ(Call("GET", "/api/v1/review/content-reads/" + read + "/calls", "", "officer").status,
            403);
  EXPECT_TRUE(
      Call("GET", "/api/v1/review/content-reads", "", "nurse").json.at("items").as_array().empty());
  Reply calls = Call("GET", "/api/v1/review/content-reads/" + read + "/calls", "", "lab_admin");
  ASSERT_EQ(calls.status, 200) << calls.body;
  ASSERT_EQ(calls.json.at("items").as_array().size(), 2u) << calls.body;
  for (const json::value& call : calls.json.at("items").as_array()) {
    const std::string id = json::value_to<std::string>(call.at("id"));
    EXPECT_EQ(call.at("key_name"), "laptop");
    EXPECT_EQ(call.at("org_name"), "Rural Hospital");
    Reply content =
        Call("GET", "/api/v1/review/content-reads/" + read + "/calls/" + id, "", "lab_admin");
    ASSERT_EQ(content.status, 200) << content.body;
    const std::string request = json::value_to<std::string>(content.json.at("request"));
    const std::string response = json::value_to<std::string>(content.json.at("response"));
    EXPECT_NE(request.find(kPrompt), std::string::npos) << request;
    // Exactly what the partner got, stream or not.
    EXPECT_EQ(response, call.at("streamed").as_bool() ? streamed.body : plain.body);
    EXPECT_EQ(response.find(kLabCredential), std::string::npos);
  }
  entries = Call("GET", "/api/v1/ledger/entries?limit=500", "", "director");
  int reads = 0, approved_reads = 0;
  for (const json::value& e : entries.json.at("items").as_array()) {
    const std::string text = json::serialize(e);
    if (text.find("\"review.content.read\"") == std::string::npos) continue;
    // Two reads, and the two refused: the officer's and the one before the approval.
    ++reads;
    if (text.find("\"approved_by\"") != std::string::npos) ++approved_reads;
  }
  EXPECT_EQ(reads, 4);
  EXPECT_EQ(approved_reads, 2);

  // The approval ends after a day; the content goes at the end of its retention, swept.
  clock_.Advance(review::kContentReadValidity);
  Reply late = Call("GET", "/api/v1/review/content-reads/" + read + "/calls", "", "lab_admin");
  EXPECT_EQ(late.status, 403) << late.body;
  EXPECT_NE(late.body.find("expired"), std::string::npos) << late.body;
  clock_.Advance(Days(30));
  ASSERT_TRUE(review_->SweepRetainedContent().ok());
  ASSERT_TRUE(db_->Transact(store::TxMode::kReadOnly,
                            [&](store::Transaction& tx) -> Status {
                              BW_ASSIGN_OR_RETURN(
                                  store::ResultSet secrets,
                                  tx.Query("SELECT COUNT(*) FROM secrets WHERE owner_table = "
                                           "'retained_calls'"));
                              EXPECT_EQ(secrets[0].Int(0), 0);
                              BW_ASSIGN_OR_RETURN(store::ResultSet calls,
                                                  tx.Query("SELECT COUNT(*) FROM retained_calls"));
                              EXPECT_EQ(calls[0].Int(0), 0);
                              return OkStatus();
                            })
                  .ok());
}

}  // namespace
}  // namespace bulwark::tests
