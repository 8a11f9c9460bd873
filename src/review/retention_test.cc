// Retained content: what the gateway keeps for a window whose lab chose so, and reading it
// under the two-person rule, on both backends.
#include <gtest/gtest.h>

#include <mutex>

#include "access/directory.h"
#include "access/policy.h"
#include "review/service.h"
#include "review/signals.h"
#include "secrets/key_file.h"
#include "testing/postgres_cluster.h"
#include "testing/status_assertions.h"
#include "testing/test_database.h"

namespace bulwark::review {
namespace {

using access::OrgKind;
using access::OrgRole;
using access::Principal;
using store::Backend;

constexpr int64_t kDay0 = 20601;
const Time kStart = FromUnixMicros(kDay0 * 86400 * 1'000'000) + Hours(10);

TEST(RetentionRulesTest, TwoPeopleAndTimesComputedAtUse) {
  EXPECT_OK(CheckRetentionDays(1));
  EXPECT_OK(CheckRetentionDays(kMaxRetentionDays));
  for (int64_t bad : {int64_t{0}, int64_t{-3}, kMaxRetentionDays + 1}) {
    EXPECT_EQ(CheckRetentionDays(bad).detail("rule").value_or(""), "retention_days") << bad;
  }
  const Time asked = kStart;
  EXPECT_EQ(ContentReadStateAt(ContentReadState::kRequested, asked, std::nullopt,
                               asked + kContentReadPending - Seconds(1)),
            ContentReadState::kRequested);
  EXPECT_EQ(ContentReadStateAt(ContentReadState::kRequested, asked, std::nullopt,
                               asked + kContentReadPending),
            ContentReadState::kExpired);
  const Time until = asked + Hours(1) + kContentReadValidity;
  EXPECT_EQ(ContentReadStateAt(ContentReadState::kApproved, asked, until, until - Seconds(1)),
            ContentReadState::kApproved);
  EXPECT_EQ(ContentReadStateAt(ContentReadState::kApproved, asked, until, until),
            ContentReadState::kExpired);
  // Ended requests stay as they ended.
  for (ContentReadState ended :
       {ContentReadState::kDenied, ContentReadState::kRevoked, ContentReadState::kExpired}) {
    EXPECT_EQ(ContentReadStateAt(ended, asked, until, until + Days(400)), ended);
  }
  EXPECT_OK(CheckContentReadDecision(ContentReadState::kRequested, "usr_a", "usr_b"));
  Status same = CheckContentReadDecision(ContentReadState::kRequested, "usr_a", "usr_a");
  EXPECT_EQ(same.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(same.detail("rule").value_or(""), "two_person_rule");
  EXPECT_EQ(CheckContentReadDecision(ContentReadState::kApproved, "usr_a", "usr_b").code(),
            StatusCode::kFailedPrecondition);
}

// Keeps the audit records, to check which actions were recorded.
class RecordingAudit final : public access::AuditTrail {
 public:
  Status Record(store::Transaction&, const access::AuditRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(record);
    return OkStatus();
  }
  int Count(const std::string& action, const std::string& object = "") {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const access::AuditRecord& r : records_) {
      if (r.action == action && (object.empty() || r.object == object)) ++n;
    }
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<access::AuditRecord> records_;
};

class RetentionTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !bulwark::testing::PostgresAvailable()) {
      GTEST_SKIP() << bulwark::testing::PostgresUnavailableReason();
    }
    ASSERT_OK_AND_ASSIGN(db_, bulwark::testing::OpenTestDatabase(GetParam(), dir_));
    ASSERT_OK(secrets::CreateKeyFile(dir_.path() + "/secrets.key").status());
    ASSERT_OK_AND_ASSIGN(secrets::Keyring keyring,
                         secrets::OpenKeyring(dir_.path() + "/secrets.key"));
    keyring_ = std::make_unique<secrets::Keyring>(std::move(keyring));
    secrets_ = std::make_unique<secrets::SecretStore>(*keyring_, clock_);
    directory_ = std::make_unique<access::Directory>(*db_, clock_, hasher_);
    review_ = std::make_unique<ReviewService>(*db_, clock_, *secrets_, &audit_);
    const Principal system = access::SystemPrincipal();
    const std::string office =
        directory_->CreateOrganization(system, "Program Office", OrgKind::kProgramOffice)
            .value()
            .id;
    lab_ = directory_->CreateOrganization(system, "Frontier Lab", OrgKind::kLab).value().id;
    const std::string other_lab =
        directory_->CreateOrganization(system, "Other Lab", OrgKind::kLab).value().id;
    hospital_ =
        directory_->CreateOrganization(system, "Rural Hospital", OrgKind::kOperator).value().id;
    officer_ = MakeUser(office, "officer@office.example", OrgRole::kMember);
    lab_admin_ = MakeUser(lab_, "admin@lab.example", OrgRole::kAdmin);
    lab_member_ = MakeUser(lab_, "member@lab.example", OrgRole::kMember);
    other_admin_ = MakeUser(other_lab, "admin@other.example", OrgRole::kAdmin);
    nurse_ = MakeUser(hospital_, "it@hospital.example", OrgRole::kMember);
    bank_ = directory_->CreateOrganization(system, "Community Bank", OrgKind::kOperator).value().id;
    teller_ = MakeUser(bank_, "it@bank.example", OrgRole::kMember);
    lab_admin2_ = MakeUser(lab_, "second@lab.example", OrgRole::kAdmin);
    ASSERT_OK(
        directory_
            ->WriteTuple(
                system,
                {std::string(access::kPlatform), "program_office", office + "#member", {}, {}})
            .status());
    Model model = review_->RegisterModel(lab_admin_, lab_, "Atlas", "").value();
    version_ = review_
                   ->AddVersion(lab_admin_, model.id,
                                {"2.0", Provider::kOpenAi, "https://api.lab.example/v1", "atlas-2",
                                 "sk-lab", std::nullopt})
                   .value();
    window_ = review_->OpenWindow(lab_admin_, version_.id, {kStart, kStart + Days(20), {}}).value();
    grant_ = review_->ProposePartner(lab_admin_, window_.id, hospital_, {}).value();
    ASSERT_OK(review_->ConcurPartner(officer_, grant_.id).status());
    bank_grant_ = review_->ProposePartner(lab_admin_, window_.id, bank_, {}).value();
    ASSERT_OK(review_->ConcurPartner(officer_, bank_grant_.id).status());
  }

  Principal MakeUser(const std::string& org, const std::string& email, OrgRole role) {
    StatusOr<access::User> user =
        directory_->CreateUser(access::SystemPrincipal(), {org, email, email, std::nullopt, role});
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return {user->id, org, "tok_test", false};
  }

  IssuedGatewayKey Issue(const std::string& name) {
    return review_->IssueGatewayKey(nurse_, grant_.id, name, {}).value();
  }

  GatewayAccess AccessOf(const IssuedGatewayKey& key) {
    StatusOr<GatewayAccess> access = review_->AuthorizeGatewayKey(key.secret);
    EXPECT_TRUE(access.ok()) << access.status().ToString();
    return access.ok() ? *access : GatewayAccess{};
  }

  std::vector<Alert> Alerts() { return review_->ListAlerts(officer_).value(); }

  // The lab keeps content for the window, for `days`.
  void Retain(bool suspend = false, int64_t days = 30) {
    ASSERT_OK(
        review_->SetWindowSettings(lab_admin_, window_.id, {{}, suspend, true, days}).status());
  }

  // A call under `key` whose content the gateway keeps; returns its id.
  std::string Keep(const IssuedGatewayKey& key, const std::string& request,
                   const std::string& response) {
    const GatewayAccess access = AccessOf(key);
    std::string id;
    EXPECT_OK(db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(
          id, review_->RetainCall(
                  tx, access,
                  {"req_1", 200, false, request, response, static_cast<int64_t>(request.size()),
                   static_cast<int64_t>(response.size()), "aa", "bb"}));
      return OkStatus();
    }));
    return id;
  }

  ContentRead Approved(const std::string& reason = "misuse report from a partner") {
    ContentRead read = review_->RequestContentRead(lab_admin_, {window_.id, reason, {}}).value();
    return review_->ApproveContentRead(officer_, read.id).value();
  }

  bulwark::testing::TempDir dir_;
  FakeClock clock_{kStart};
  access::PasswordHasher hasher_{access::PasswordHasher::Cost::kMinimal, 4, Seconds(10)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<secrets::Keyring> keyring_;
  std::unique_ptr<secrets::SecretStore> secrets_;
  std::unique_ptr<access::Directory> directory_;
  RecordingAudit audit_;
  std::unique_ptr<ReviewService> review_;
  std::string lab_, hospital_, bank_;
  Principal officer_, lab_admin_, lab_admin2_, lab_member_, other_admin_, nurse_, teller_;
  ModelVersion version_;
  Window window_;
  PartnerGrant grant_, bank_grant_;
};

TEST_P(RetentionTest, TheLabChoosesRetentionForItsWindow) {
  ASSERT_OK_AND_ASSIGN(Window w,
                       review_->SetWindowSettings(lab_admin_, window_.id, {{}, false, true, 45}));
  EXPECT_TRUE(w.retain_content);
  EXPECT_EQ(w.retention_days, 45);
  ASSERT_OK_AND_ASSIGN(w, review_->GetWindow(nurse_, window_.id));  // the partner sees it
  EXPECT_TRUE(w.retain_content);
  EXPECT_EQ(review_->SetWindowSettings(lab_admin_, window_.id, {{}, false, true, 0})
                .status()
                .detail("rule")
                .value_or(""),
            "retention_days");
  EXPECT_EQ(review_->SetWindowSettings(officer_, window_.id, {{}, false, true, 30}).status().code(),
            StatusCode::kPermissionDenied);
  // A call under a window that keeps nothing is not kept.
  ASSERT_OK(review_->SetWindowSettings(lab_admin_, window_.id, {}).status());
  const GatewayAccess access = AccessOf(Issue("laptop"));
  Status kept = db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
    return review_->RetainCall(tx, access, {"req_1", 200, false, "q", "a", 1, 1, "", ""}).status();
  });
  EXPECT_EQ(kept.code(), StatusCode::kFailedPrecondition);
}

TEST_P(RetentionTest, ReadingTakesASecondPersonAndOnlyTheAskerReads) {
  Retain();
  const std::string call = Keep(Issue("laptop"), "{\"q\": \"patient 7731\"}", "{\"a\": 1}");
  ASSERT_OK_AND_ASSIGN(ContentRead read,
                       review_->RequestContentRead(
                           lab_admin_, {window_.id, "misuse report 12 from the hospital", {}}));
  EXPECT_EQ(read.state, ContentReadState::kRequested);
  EXPECT_EQ(read.gateway_model, "Atlas/2.0");
  EXPECT_EQ(audit_.Count("review.content.request", read.id), 1);
  // Not before the approval, and never approved by the one who asked.
  EXPECT_EQ(review_->ListRetainedCalls(lab_admin_, read.id).status().code(),
            StatusCode::kPermissionDenied);
  Status own = review_->ApproveContentRead(lab_admin_, read.id).status();
  EXPECT_EQ(own.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(own.detail("rule").value_or(""), "two_person_rule");
  // A lab's plain member is no party; to a partner or another lab the request is not there.
  EXPECT_EQ(review_->ApproveContentRead(lab_member_, read.id).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->ApproveContentRead(nurse_, read.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(review_->ApproveContentRead(other_admin_, read.id).status().code(),
            StatusCode::kNotFound);
  // A second person of the lab may approve.
  ASSERT_OK_AND_ASSIGN(read, review_->ApproveContentRead(lab_admin2_, read.id));
  EXPECT_EQ(read.state, ContentReadState::kApproved);
  EXPECT_EQ(read.expires_at, clock_.Now() + kContentReadValidity);
  EXPECT_EQ(review_->ApproveContentRead(officer_, read.id).status().code(),
            StatusCode::kFailedPrecondition);
  // The database holds the rule too.
  Status forged = db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
    return tx.Execute("UPDATE content_reads SET decided_by = requested_by WHERE id = ?", {read.id})
        .status();
  });
  EXPECT_FALSE(forged.ok());

  ASSERT_OK_AND_ASSIGN(std::vector<RetainedCall> calls,
                       review_->ListRetainedCalls(lab_admin_, read.id));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].id, call);
  EXPECT_EQ(calls[0].org_name, "Rural Hospital");
  EXPECT_EQ(calls[0].purge_at, clock_.Now() + Days(30));
  ASSERT_OK_AND_ASSIGN(RetainedContent content,
                       review_->ReadRetainedCall(lab_admin_, read.id, call));
  EXPECT_EQ(content.request, "{\"q\": \"patient 7731\"}");
  EXPECT_EQ(content.response, "{\"a\": 1}");
  EXPECT_EQ(audit_.Count("review.content.read", call), 1);
  EXPECT_EQ(review_->ReadRetainedCall(lab_admin2_, read.id, call).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->ReadRetainedCall(officer_, read.id, call).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(std::vector<ContentRead> listed, review_->ListContentReads(officer_));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].calls_read, 1);
  EXPECT_TRUE(review_->ListContentReads(nurse_).value().empty());
  EXPECT_TRUE(review_->ListContentReads(other_admin_).value().empty());

  // Either party ends it early.
  ASSERT_OK_AND_ASSIGN(read, review_->RevokeContentRead(officer_, read.id, "enough"));
  EXPECT_EQ(read.state, ContentReadState::kRevoked);
  EXPECT_EQ(review_->ReadRetainedCall(lab_admin_, read.id, call).status().code(),
            StatusCode::kPermissionDenied);

  // A denial ends a request as well.
  ASSERT_OK_AND_ASSIGN(ContentRead second, review_->RequestContentRead(
                                               officer_, {window_.id, "audit of the window", {}}));
  ASSERT_OK_AND_ASSIGN(second, review_->DenyContentRead(lab_admin_, second.id, "no cause"));
  EXPECT_EQ(second.state, ContentReadState::kDenied);
  EXPECT_EQ(second.decision_note, "no cause");
  EXPECT_EQ(review_->ListRetainedCalls(officer_, second.id).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_P(RetentionTest, ARequestNamesItsReasonAWindowThatKeptContentAndMayNarrowToOnePartner) {
  EXPECT_EQ(review_->RequestContentRead(lab_admin_, {window_.id, "a reason long enough", {}})
                .status()
                .detail("rule")
                .value_or(""),
            "window_retains_content");
  Retain();
  const std::string hospital_call = Keep(Issue("laptop"), "hospital", "answer");
  const std::string bank_call =
      Keep(review_->IssueGatewayKey(teller_, bank_grant_.id, "desk", {}).value(), "bank", "a");
  EXPECT_EQ(review_->RequestContentRead(lab_admin_, {window_.id, "why", {}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      review_->RequestContentRead(nurse_, {window_.id, "a reason long enough", {}}).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(review_->RequestContentRead(lab_admin_, {window_.id, "a reason long enough", lab_})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  ContentRead read =
      review_->RequestContentRead(lab_admin_, {window_.id, "the hospital's calls only", hospital_})
          .value();
  EXPECT_EQ(read.partner_org_name, "Rural Hospital");
  ASSERT_OK(review_->ApproveContentRead(officer_, read.id).status());
  ASSERT_OK_AND_ASSIGN(std::vector<RetainedCall> calls,
                       review_->ListRetainedCalls(lab_admin_, read.id));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].id, hospital_call);
  EXPECT_EQ(review_->ReadRetainedCall(lab_admin_, read.id, bank_call).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Approved().id.empty(), false);
}

TEST_P(RetentionTest, BulkReadsRaiseAnAlertThatEndsTheApprovalWhereTheLabChoseSo) {
  Retain(/*suspend=*/true);
  const std::string call = Keep(Issue("laptop"), "q", "a");
  const ContentRead read = Approved();
  for (int i = 1; i < kBulkReadsPerDay; ++i) {
    ASSERT_OK(review_->ReadRetainedCall(lab_admin_, read.id, call).status());
  }
  EXPECT_TRUE(Alerts().empty());
  // The one that reaches the line is read, and raises the alert.
  ASSERT_OK(review_->ReadRetainedCall(lab_admin_, read.id, call).status());
  std::vector<Alert> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, AlertKind::kBulkRetainedReads);
  EXPECT_EQ(alerts[0].scope, AlertScope::kReader);
  EXPECT_TRUE(alerts[0].key_id.empty());
  EXPECT_EQ(alerts[0].org_id, lab_);
  EXPECT_EQ(alerts[0].window_id, window_.id);
  EXPECT_EQ(alerts[0].gateway_model, "Atlas/2.0");
  EXPECT_TRUE(alerts[0].key_suspended);
  EXPECT_NE(alerts[0].detail.find("50 calls today"), std::string::npos) << alerts[0].detail;
  EXPECT_EQ(review_->ListContentReads(officer_).value()[0].state, ContentReadState::kRevoked);
  EXPECT_EQ(review_->ReadRetainedCall(lab_admin_, read.id, call).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(audit_.Count("review.alert.raise"), 1);
  ASSERT_OK(review_->AcknowledgeAlert(lab_admin2_, alerts[0].id).status());
}

TEST_P(RetentionTest, ApprovalsExpireAndContentIsPurgedAtItsTimeSwept) {
  Retain(false, /*days=*/2);
  const std::string call = Keep(Issue("laptop"), "q", "a");
  const ContentRead pending =
      review_->RequestContentRead(officer_, {window_.id, "nobody will decide this", {}}).value();
  const ContentRead read = Approved();
  clock_.Advance(kContentReadValidity);
  EXPECT_EQ(review_->ReadRetainedCall(lab_admin_, read.id, call).status().code(),
            StatusCode::kPermissionDenied);
  const ContentRead again = Approved("again, a day later");
  clock_.Advance(Days(1));  // the call's two days are over: refused before the sweep
  Status purged = review_->ReadRetainedCall(lab_admin_, again.id, call).status();
  EXPECT_EQ(purged.code(), StatusCode::kPermissionDenied);  // the approval ended first
  clock_.Advance(kContentReadPending);
  ASSERT_OK_AND_ASSIGN(int64_t swept, review_->SweepRetainedContent());
  EXPECT_EQ(swept, 1);
  EXPECT_EQ(audit_.Count("review.content.purge", window_.id), 1);
  ASSERT_OK_AND_ASSIGN(std::vector<ContentRead> reads, review_->ListContentReads(officer_));
  ASSERT_EQ(reads.size(), 3u);
  for (const ContentRead& r : reads) {
    EXPECT_EQ(r.state, ContentReadState::kExpired) << r.id;
  }
  EXPECT_EQ(audit_.Count("review.content.expire"), 3);
  EXPECT_EQ(audit_.Count("review.content.expire", pending.id), 1);
  ASSERT_OK(db_->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet left,
                        tx.Query("SELECT COUNT(*) FROM secrets WHERE owner_table = "
                                 "'retained_calls'"));
    EXPECT_EQ(left[0].Int(0), 0);
    return OkStatus();
  }));
  EXPECT_EQ(review_->SweepRetainedContent().value(), 0);
}

TEST_P(RetentionTest, ContentPastItsTimeIsRefusedBeforeTheSweep) {
  Retain(false, /*days=*/1);
  const std::string call = Keep(Issue("laptop"), "q", "a");
  clock_.Advance(Days(1) - Hours(2));
  const ContentRead read = Approved();
  clock_.Advance(Hours(2));
  Status gone = review_->ReadRetainedCall(lab_admin_, read.id, call).status();
  EXPECT_EQ(gone.code(), StatusCode::kNotFound);
  EXPECT_NE(gone.message().find("purged"), std::string::npos) << gone.ToString();
  EXPECT_TRUE(review_->ListRetainedCalls(lab_admin_, read.id).value().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RetentionTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace bulwark::review
