// Retained content: what the gateway keeps for a window whose lab chose so, and reading it
// under the two-person rule, on both backends.
#include <gtest/gtest.h>

#include <mutex>

#include "review/review_fixture.h"
#include "review/service.h"
#include "review/signals.h"

namespace bulwark::review {
namespace {

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

class RetentionTest : public testing::ReviewFixture {
 protected:
  RetentionTest() : ReviewFixture(kStart) {}

  void SetUp() override {
    ReviewFixture::SetUp();
    if (IsSkipped()) return;
    OpenWindowWithHospital();
    bank_grant_ = review_->ProposePartner(lab_admin_, window_.id, bank_, {}).value();
    ASSERT_OK(review_->ConcurPartner(officer_, bank_grant_.id).status());
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

  PartnerGrant bank_grant_;
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
  EXPECT_EQ(read.requested_by_name, "admin@lab.example");  // the fixture names people by email
  EXPECT_EQ(read.decided_by_name, "second@lab.example");
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

TEST_P(RetentionTest, AnAskerWhoIsNoLongerAPartyReadsNothingUnderTheirApproval) {
  Retain();
  const std::string call = Keep(Issue("laptop"), "{\"q\": 1}", "{\"a\": 1}");
  ASSERT_OK_AND_ASSIGN(ContentRead read, review_->RequestContentRead(
                                             officer_, {window_.id, "audit of the window", {}}));
  ASSERT_OK(review_->ApproveContentRead(lab_admin_, read.id).status());
  ASSERT_OK(review_->ReadRetainedCall(officer_, read.id, call).status());
  // The office's membership of the program ends: the approval no longer reads, and to someone
  // who may not see the lab's models, the request is not there.
  ASSERT_OK_AND_ASSIGN(
      auto tuples,
      directory_->ListTuples(access::SystemPrincipal(), {std::string(access::kPlatform), {}}, {}));
  for (const access::RelationshipTuple& t : tuples.items) {
    if (t.relation == "program_office") {
      ASSERT_OK(directory_->RevokeTuple(access::SystemPrincipal(), t.id).status());
    }
  }
  EXPECT_EQ(review_->ReadRetainedCall(officer_, read.id, call).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(review_->ListRetainedCalls(officer_, read.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(audit_.Count("review.content.read", call), 1);
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
      Keep(review_->IssueGatewayKey(banker_, bank_grant_.id, "desk", {}).value(), "bank", "a");
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
  // A window that stopped retaining still holds what it kept, and may be asked to read it.
  ASSERT_OK_AND_ASSIGN(Window stopped,
                       review_->SetWindowSettings(lab_admin_, window_.id, {{}, false, false, 30}));
  EXPECT_FALSE(stopped.retain_content);
  EXPECT_TRUE(stopped.holds_content);
  ASSERT_OK(
      review_->RequestContentRead(officer_, {window_.id, "what it kept before it stopped", {}})
          .status());
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
                         testing::BackendName);

}  // namespace
}  // namespace bulwark::review
