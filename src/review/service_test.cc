#include "review/service.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "review/quota_leases.h"
#include "review/review_fixture.h"

namespace bulwark::review {
namespace {

using access::Principal;
using store::Backend;

const Time kStart = FromUnixMicros(int64_t{1'780'000'000} * 1'000'000);
constexpr char kCredential[] = "sk-lab-upstream-credential-7f3a9c";

std::string RuleOf(const Status& s) {
  for (const StatusDetail& d : s.details()) {
    if (d.key == "rule") return d.value;
  }
  return "";
}

class ReviewServiceTest : public testing::ReviewFixture {
 protected:
  ReviewServiceTest() : ReviewFixture(kStart) {}

  std::vector<Window> WindowsOf(const Principal& actor) {
    StatusOr<std::vector<Window>> windows = review_->ListWindows(actor);
    EXPECT_TRUE(windows.ok()) << windows.status().ToString();
    if (!windows.ok()) return {};
    return std::move(windows).value();
  }

  // A registered model with one version, as the lab's admin.
  ModelVersion MakeVersion() {
    Model model = review_->RegisterModel(lab_admin_, lab_, "Atlas", "a frontier model").value();
    return review_
        ->AddVersion(lab_admin_, model.id,
                     {"2.0", Provider::kOpenAi, "https://api.lab.example/v1", "atlas-2",
                      kCredential, kStart + Days(60)})
        .value();
  }

  // An open window with the hospital as an active partner (the lab proposed, the office
  // concurred).
  std::pair<Window, PartnerGrant> MakeActivePartner() {
    ModelVersion v = MakeVersion();
    Window w = review_->OpenWindow(lab_admin_, v.id, {kStart, kStart + Days(10)}).value();
    PartnerGrant g = review_->ProposePartner(lab_admin_, w.id, hospital_, {}).value();
    g = review_->ConcurPartner(officer_, g.id).value();
    return {w, g};
  }
};

TEST_P(ReviewServiceTest, LabsRegisterModelsOthersCannotSeeThem) {
  ASSERT_OK_AND_ASSIGN(Model model, review_->RegisterModel(lab_admin_, lab_, "Atlas", ""));
  EXPECT_TRUE(audit_.Has("review.model.register", model.id, true));
  EXPECT_EQ(review_->RegisterModel(lab_admin_, lab_, "Atlas", "").status().code(),
            StatusCode::kAlreadyExists);
  // A member reads but does not register; another lab and an operator see nothing.
  EXPECT_OK(review_->GetModel(lab_member_, model.id).status());
  EXPECT_EQ(review_->RegisterModel(lab_member_, lab_, "Hermes", "").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(audit_.Has("review.model.register", lab_, false));
  EXPECT_EQ(review_->GetModel(other_admin_, model.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(review_->GetModel(banker_, model.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(review_->RegisterModel(other_admin_, lab_, "Sneaky", "").status().code(),
            StatusCode::kNotFound);
  // An operator is not a lab.
  Status not_lab = review_->RegisterModel(banker_, bank_, "Teller", "").status();
  EXPECT_EQ(not_lab.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(not_lab), "lab_registers_models");
  // The program office reads every lab's models.
  ASSERT_OK(review_->RegisterModel(other_admin_, other_lab_, "Orion", "").status());
  ASSERT_OK_AND_ASSIGN(std::vector<Model> all, review_->ListModels(officer_));
  EXPECT_EQ(all.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<Model> mine, review_->ListModels(lab_member_));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, model.id);
  EXPECT_TRUE(review_->ListModels(banker_)->empty());
}

TEST_P(ReviewServiceTest, VersionsKeepTheirCredentialEncrypted) {
  ModelVersion v = MakeVersion();
  EXPECT_TRUE(v.has_credential);
  EXPECT_EQ(v.status, VersionStatus::kInDevelopment);
  EXPECT_EQ(v.org_id, lab_);
  // Stored in the secrets table, encrypted: no row holds the plaintext.
  ASSERT_OK(db_->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
    for (const char* sql : {"SELECT * FROM model_versions", "SELECT * FROM secrets"}) {
      BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query(sql));
      for (const store::Row& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
          EXPECT_EQ(row.Text(i).find(kCredential), std::string::npos) << sql;
          EXPECT_EQ(row.Bytes(i).find(kCredential), std::string::npos) << sql;
        }
      }
    }
    BW_ASSIGN_OR_RETURN(secrets::SecretBytes plain,
                        secrets_->Get(tx, {"model_versions", v.id, "credential"}));
    EXPECT_EQ(plain.view(), kCredential);
    return OkStatus();
  }));
  ASSERT_OK(review_->ReplaceCredential(lab_admin_, v.id, "sk-new"));
  EXPECT_EQ(review_->ReplaceCredential(lab_member_, v.id, "sk-x").code(),
            StatusCode::kPermissionDenied);
  Status bad_url = review_
                       ->AddVersion(lab_admin_, v.model_id,
                                    {"3.0", Provider::kAnthropic, "ftp://x", "m", "k", {}})
                       .status();
  EXPECT_EQ(bad_url.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(review_
                ->AddVersion(lab_admin_, v.model_id,
                             {"2.0", Provider::kOpenAi, "https://a.example", "m", "k", {}})
                .status()
                .code(),
            StatusCode::kAlreadyExists);
}

TEST_P(ReviewServiceTest, InquiriesAreAcceptedByTheProgramOfficeOnly) {
  ModelVersion v = MakeVersion();
  ASSERT_OK_AND_ASSIGN(Inquiry q, review_->SubmitInquiry(lab_admin_, v.id, "Is Atlas covered?"));
  EXPECT_EQ(q.state, InquiryState::kSubmitted);
  EXPECT_EQ(q.asked_at, kStart);
  EXPECT_EQ(review_->SubmitInquiry(lab_admin_, v.id, "again").status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(review_->AcceptInquiry(lab_admin_, q.id, {}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->AcceptInquiry(banker_, q.id, {}).status().code(), StatusCode::kNotFound);
  clock_.Advance(Hours(5));
  ASSERT_OK_AND_ASSIGN(q, review_->AcceptInquiry(officer_, q.id, {}));
  EXPECT_EQ(q.state, InquiryState::kAccepted);
  EXPECT_EQ(q.accepted_at, kStart + Hours(5));
  EXPECT_EQ(q.due_at, kStart + Hours(5) + kInquiryAnswerTime);
  EXPECT_EQ(q.accepted_by, officer_.user_id);
  EXPECT_EQ(review_->AcceptInquiry(officer_, q.id, {}).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(q, review_->WithdrawInquiry(lab_admin_, q.id));
  EXPECT_EQ(q.state, InquiryState::kWithdrawn);
  EXPECT_TRUE(audit_.Has("review.inquiry.withdraw", q.id, true));
  EXPECT_EQ(review_->ListInquiries(officer_)->size(), 1u);
  EXPECT_TRUE(review_->ListInquiries(other_admin_)->empty());
  // Withdrawn: a new one may be asked.
  EXPECT_OK(review_->SubmitInquiry(lab_admin_, v.id, "").status());
}

TEST_P(ReviewServiceTest, WindowsLastAtMostThirtyDaysInTotal) {
  ModelVersion v = MakeVersion();
  Status over = review_->OpenWindow(lab_admin_, v.id, {kStart, kStart + Days(31)}).status();
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RuleOf(over), "window_at_most_30_days");
  EXPECT_EQ(RuleOf(review_->OpenWindow(lab_admin_, v.id, {kStart + Days(2), kStart}).status()),
            "window_end_after_start");
  EXPECT_EQ(review_->OpenWindow(lab_member_, v.id, {kStart, kStart + Days(1)}).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(Window w,
                       review_->OpenWindow(lab_admin_, v.id, {kStart, kStart + Days(10)}));
  EXPECT_EQ(w.StateAt(clock_.Now()), WindowState::kOpen);
  EXPECT_EQ(RuleOf(review_->OpenWindow(lab_admin_, v.id, {kStart, kStart + Days(1)}).status()),
            "one_window_at_a_time");
  ASSERT_OK_AND_ASSIGN(w, review_->ExtendWindow(lab_admin_, w.id, kStart + Days(30)));
  EXPECT_EQ(w.ends_at, kStart + Days(30));
  EXPECT_EQ(
      RuleOf(review_->ExtendWindow(lab_admin_, w.id, kStart + Days(30) + Seconds(1)).status()),
      "window_at_most_30_days");
  // Withdrawn after 12 days: 18 are left for the version.
  clock_.Advance(Days(12));
  ASSERT_OK_AND_ASSIGN(w, review_->WithdrawWindow(lab_admin_, w.id));
  EXPECT_EQ(w.close_reason, CloseReason::kWithdrawn);
  EXPECT_EQ(w.StateAt(clock_.Now()), WindowState::kClosed);
  const Time now = clock_.Now();
  EXPECT_EQ(
      RuleOf(review_->OpenWindow(lab_admin_, v.id, {now, now + Days(18) + Seconds(1)}).status()),
      "window_at_most_30_days");
  ASSERT_OK(review_->OpenWindow(lab_admin_, v.id, {now, now + Days(18)}).status());
}

// Random opens, extensions, withdrawals and releases of several versions with a fake clock:
// no window and no version ever exceeds 30 days of access, and nothing the service refuses
// is half-written.
TEST_P(ReviewServiceTest, PropertyNoVersionEverGetsMoreThanThirtyDays) {
  Model model = review_->RegisterModel(lab_admin_, lab_, "Atlas", "").value();
  std::vector<std::string> versions;
  for (int i = 0; i < 8; ++i) {
    versions.push_back(review_
                           ->AddVersion(lab_admin_, model.id,
                                        {"v" + std::to_string(i),
                                         Provider::kOpenAi,
                                         "https://api.lab.example/v1",
                                         "atlas",
                                         "k",
                                         {}})
                           .value()
                           .id);
  }
  std::mt19937_64 rng(GetParam() == Backend::kSqlite ? 7 : 11);
  auto hours = [&](int64_t lo, int64_t hi) {
    return Hours(std::uniform_int_distribution<int64_t>(lo, hi)(rng));
  };
  const int steps = GetParam() == Backend::kSqlite ? 400 : 150;
  int accepted = 0;
  for (int step = 0; step < steps; ++step) {
    const std::string& version = versions[rng() % versions.size()];
    const Time now = clock_.Now();
    switch (rng() % 5) {
      case 0:
      case 1: {
        const Time start = now + hours(-48, 24 * 5);
        accepted +=
            review_->OpenWindow(lab_admin_, version, {start, start + hours(1, 24 * 35)}).ok();
        break;
      }
      case 2: {
        for (const Window& w : WindowsOf(lab_admin_)) {
          if (w.version_id == version && w.StateAt(now) != WindowState::kClosed) {
            accepted += review_->ExtendWindow(lab_admin_, w.id, w.ends_at + hours(1, 24 * 20)).ok();
          }
        }
        break;
      }
      case 3: {
        for (const Window& w : WindowsOf(lab_admin_)) {
          if (w.version_id == version && w.StateAt(now) != WindowState::kClosed && rng() % 2) {
            ASSERT_OK(review_->WithdrawWindow(lab_admin_, w.id).status());
          }
        }
        break;
      }
      case 4:
        clock_.Advance(hours(1, 24 * 6));
        if (rng() % 4 == 0) ASSERT_OK(review_->SweepWindows().status());
        break;
    }
    std::map<std::string, Duration> total;
    for (const Window& w : WindowsOf(lab_admin_)) {
      ASSERT_LE(w.ends_at - w.starts_at, kMaxWindowLength) << w.id;
      total[w.version_id] += WindowSpan(w.starts_at, w.ends_at, w.closed_at);
    }
    for (const auto& [v, used] : total) ASSERT_LE(used, kMaxWindowLength) << v << " step " << step;
  }
  EXPECT_GE(accepted, 20);  // the walk did open and extend windows
}

TEST_P(ReviewServiceTest, TheDatabaseRefusesAWindowOverThirtyDays) {
  ModelVersion v = MakeVersion();
  auto insert = [&](int64_t length_us) {
    return db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      return tx
          .Execute(
              "INSERT INTO review_windows (id, version_id, org_id, starts_at, ends_at, "
              "retain_content, created_at, created_by) VALUES (?,?,?,?,?,0,?,?)",
              {"win_raw" + std::to_string(length_us), v.id, lab_, ToUnixMicros(kStart),
               ToUnixMicros(kStart) + length_us, ToUnixMicros(kStart), "usr_x"})
          .status();
    });
  };
  EXPECT_OK(insert(Days(30).count()));
  EXPECT_EQ(insert(Days(30).count() + 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(insert(0).code(), StatusCode::kFailedPrecondition);
}

TEST_P(ReviewServiceTest, PartnersNeedTheOtherPartysConcurrence) {
  ModelVersion v = MakeVersion();
  ASSERT_OK_AND_ASSIGN(Window w, review_->OpenWindow(lab_admin_, v.id, {kStart, kStart + Days(7)}));
  // The lab proposes; another lab admin may not concur: the office must.
  // The parties choose among the organizations that may be partners, by name.
  ASSERT_OK_AND_ASSIGN(std::vector<access::Organization> candidates,
                       review_->ListPartnerCandidates(lab_admin_));
  std::set<std::string> names;
  for (const access::Organization& o : candidates) names.insert(o.name);
  EXPECT_EQ(names, (std::set<std::string>{"Community Bank", "Rural Hospital"}));
  EXPECT_EQ(review_->ListPartnerCandidates(officer_)->size(), 2u);
  EXPECT_EQ(review_->ListPartnerCandidates(lab_member_).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->ListPartnerCandidates(nurse_).status().code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(PartnerGrant g, review_->ProposePartner(lab_admin_, w.id, hospital_, {}));
  EXPECT_EQ(g.state, PartnerState::kProposed);
  EXPECT_EQ(g.partner_org_name, "Rural Hospital");
  EXPECT_EQ(g.gateway_model, "Atlas/2.0");
  EXPECT_EQ(g.proposed_by_party, Party::kLab);
  Status same_party = review_->ConcurPartner(lab_admin2_, g.id).status();
  EXPECT_EQ(same_party.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(RuleOf(same_party), "separation_of_duties");
  EXPECT_TRUE(audit_.Has("review.partner.concur", g.id, false));
  EXPECT_EQ(review_->ConcurPartner(nurse_, g.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(review_->ConcurPartner(lab_member_, g.id).status().code(),
            StatusCode::kPermissionDenied);
  // The nurse cannot issue keys before the concurrence.
  EXPECT_EQ(review_->IssueGatewayKey(nurse_, g.id, "laptop", {}).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(g, review_->ConcurPartner(officer_, g.id));
  EXPECT_EQ(g.state, PartnerState::kActive);
  EXPECT_EQ(g.concurred_by, officer_.user_id);
  // The office proposes the bank; the office may not concur, the lab does.
  ASSERT_OK_AND_ASSIGN(PartnerGrant b, review_->ProposePartner(officer_, w.id, bank_, {}));
  EXPECT_EQ(b.proposed_by_party, Party::kProgramOffice);
  EXPECT_EQ(RuleOf(review_->ConcurPartner(officer_, b.id).status()), "separation_of_duties");
  ASSERT_OK(review_->ConcurPartner(lab_admin2_, b.id).status());
  // One grant per organization and window; labs and the office are not partners.
  EXPECT_EQ(review_->ProposePartner(lab_admin_, w.id, hospital_, {}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(RuleOf(review_->ProposePartner(lab_admin_, w.id, other_lab_, {}).status()),
            "partner_kind");
  EXPECT_EQ(
      review_->ProposePartner(lab_admin_, w.id, hospital_, {.requests_per_day = 0}).status().code(),
      StatusCode::kInvalidArgument);
  // Another lab learns nothing of the window.
  EXPECT_EQ(review_->ProposePartner(other_admin_, w.id, bank_, {}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(review_->ListPartners(lab_member_, w.id)->size(), 2u);
  // The partner sees its grant and the window, not the others' grants.
  EXPECT_EQ(review_->ListOwnGrants(nurse_)->size(), 1u);
  EXPECT_OK(review_->GetWindow(nurse_, w.id).status());
  EXPECT_EQ(review_->ListPartners(nurse_, w.id).status().code(), StatusCode::kNotFound);
  // Either party removes a partner, and its keys stop at once.
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey key, review_->IssueGatewayKey(nurse_, g.id, "laptop", {}));
  EXPECT_OK(review_->AuthorizeGatewayKey(key.secret).status());
  ASSERT_OK_AND_ASSIGN(g, review_->RemovePartner(officer_, g.id));
  EXPECT_EQ(g.state, PartnerState::kRemoved);
  EXPECT_EQ(review_->AuthorizeGatewayKey(key.secret).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->ListOwnGrants(nurse_)->front().state, PartnerState::kRemoved);
  EXPECT_EQ(review_->GetWindow(nurse_, w.id).status().code(), StatusCode::kNotFound);
}

TEST_P(ReviewServiceTest, GatewayKeysWorkOnlyWhileTheWindowIsOpen) {
  ModelVersion v = MakeVersion();
  // A window that opens in an hour.
  ASSERT_OK_AND_ASSIGN(
      Window w, review_->OpenWindow(lab_admin_, v.id, {kStart + Hours(1), kStart + Days(3)}));
  ASSERT_OK_AND_ASSIGN(PartnerGrant g, review_->ProposePartner(officer_, w.id, hospital_,
                                                               {.requests_per_day = 500}));
  ASSERT_OK(review_->ConcurPartner(lab_admin_, g.id).status());
  EXPECT_EQ(review_->IssueGatewayKey(banker_, g.id, "x", {}).status().code(),
            StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey key, review_->IssueGatewayKey(nurse_, g.id, "laptop", {}));
  EXPECT_TRUE(key.secret.starts_with("bwg_"));
  EXPECT_EQ(key.key.expires_at, w.ends_at);  // with the window at the latest
  EXPECT_EQ(key.key.quota.requests_per_day, 500);
  EXPECT_EQ(key.key.gateway_model, "Atlas/2.0");
  Status early = review_->AuthorizeGatewayKey(key.secret).status();
  EXPECT_EQ(early.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(early.message().find("not opened"), std::string::npos) << early.ToString();
  clock_.Advance(Hours(1));
  ASSERT_OK_AND_ASSIGN(GatewayAccess access, review_->AuthorizeGatewayKey(key.secret));
  EXPECT_EQ(access.version.id, v.id);
  EXPECT_EQ(access.key.user_id, nurse_.user_id);
  EXPECT_EQ(access.key.gateway_model, "Atlas/2.0");
  // Extending the window carries the key along.
  ASSERT_OK(review_->ExtendWindow(lab_admin_, w.id, kStart + Days(5)).status());
  EXPECT_EQ(review_->ListGatewayKeys(nurse_)->front().expires_at, kStart + Days(5));
  // At the window's end the gateway refuses at once; the sweep records the closing and
  // revokes the keys.
  clock_.Advance(Days(5) - Hours(1));
  Status closed = review_->AuthorizeGatewayKey(key.secret).status();
  EXPECT_EQ(closed.code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(int64_t swept, review_->SweepWindows());
  EXPECT_EQ(swept, 1);
  EXPECT_EQ(review_->SweepWindows().value(), 0);
  ASSERT_OK_AND_ASSIGN(w, review_->GetWindow(lab_admin_, w.id));
  EXPECT_EQ(w.close_reason, CloseReason::kEnded);
  EXPECT_EQ(w.closed_at, kStart + Days(5));
  EXPECT_TRUE(review_->ListGatewayKeys(nurse_)->front().revoked_at.has_value());
  EXPECT_TRUE(audit_.Has("review.window.end", w.id, true));
  // Not keys at all.
  EXPECT_EQ(review_->AuthorizeGatewayKey("bwk_notagatewaykey").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(review_->AuthorizeGatewayKey(access::NewSecret("bwg_")).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_P(ReviewServiceTest, WithdrawalAndReleaseStopKeysAtOnce) {
  auto [w, g] = MakeActivePartner();
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey key, review_->IssueGatewayKey(nurse_, g.id, "laptop", {}));
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey short_key,
                       review_->IssueGatewayKey(nurse_, g.id, "phone", kStart + Hours(2)));
  EXPECT_EQ(short_key.key.expires_at, kStart + Hours(2));
  EXPECT_OK(review_->AuthorizeGatewayKey(key.secret).status());
  clock_.Advance(Hours(2));
  EXPECT_EQ(review_->AuthorizeGatewayKey(short_key.secret).status().message(),
            "this gateway key expired");
  // Revoking: the owner, the partner's admin, the lab and the office may; another operator
  // learns nothing.
  EXPECT_EQ(review_->RevokeGatewayKey(banker_, key.key.id).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey third, review_->IssueGatewayKey(nurse_, g.id, "ci", {}));
  ASSERT_OK(review_->RevokeGatewayKey(hospital_admin_, third.key.id).status());
  EXPECT_EQ(review_->AuthorizeGatewayKey(third.secret).status().message(),
            "this gateway key was revoked");
  // The lab withdraws: the next request is refused.
  ASSERT_OK_AND_ASSIGN(w, review_->WithdrawWindow(lab_admin_, w.id));
  EXPECT_EQ(review_->AuthorizeGatewayKey(key.secret).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(audit_.Has("review.window.withdraw", w.id, true));
  EXPECT_EQ(review_->WithdrawWindow(lab_admin_, w.id).status().code(),
            StatusCode::kFailedPrecondition);
  // Releasing a version closes its window too.
  ModelVersion v2 =
      review_
          ->AddVersion(lab_admin_, review_->GetVersion(lab_admin_, w.version_id)->model_id,
                       {"2.1", Provider::kAnthropic, "https://api.lab.example", "atlas", "k", {}})
          .value();
  const Time now = clock_.Now();
  ASSERT_OK_AND_ASSIGN(Window w2, review_->OpenWindow(lab_admin_, v2.id, {now, now + Days(5)}));
  ASSERT_OK_AND_ASSIGN(ModelVersion released,
                       review_->SetVersionStatus(lab_admin_, v2.id, VersionStatus::kReleased));
  EXPECT_EQ(released.released_at, now);
  ASSERT_OK_AND_ASSIGN(w2, review_->GetWindow(lab_admin_, w2.id));
  EXPECT_EQ(w2.close_reason, CloseReason::kReleased);
  EXPECT_EQ(
      review_->SetVersionStatus(lab_admin_, v2.id, VersionStatus::kUnderReview).status().code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(review_->OpenWindow(lab_admin_, v2.id, {now, now + Days(1)}).status()),
            "window_before_release");
}

TEST_P(ReviewServiceTest, AVersionDesignatedCoveredMayBeAskedForBeforeItsRelease) {
  ModelVersion v = MakeVersion();
  const NewDefensiveRequest ask{v.id, "triage of our findings", kStart + Days(90), {}};
  EXPECT_TRUE(review_->ListDefensiveModels(banker_)->empty());
  EXPECT_EQ(review_->RequestDefensiveAccess(banker_, ask).status().code(), StatusCode::kNotFound);
  // The designation answers the lab's inquiry: covered.
  ASSERT_OK_AND_ASSIGN(Inquiry q, review_->SubmitInquiry(lab_admin_, v.id, "covered?"));
  ASSERT_OK(review_->AcceptInquiry(officer_, q.id, {}).status());
  ASSERT_OK(db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(review_->MoveInquiryIn(tx, q.id, InquiryState::kUnderEvaluation));
    return review_->MoveInquiryIn(tx, q.id, InquiryState::kAnswered, "covered",
                                  "pol_0123456789abcdef", "evl_1");
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<DefensiveModel> open, review_->ListDefensiveModels(banker_));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_TRUE(open[0].covered);
  EXPECT_FALSE(open[0].released_at.has_value());
  ASSERT_OK_AND_ASSIGN(DefensiveGrant g, review_->RequestDefensiveAccess(banker_, ask));
  EXPECT_EQ(g.state, DefensiveState::kRequested);
  // Withdrawn, it is no longer offered.
  ASSERT_OK(review_->SetVersionStatus(lab_admin_, v.id, VersionStatus::kWithdrawn).status());
  EXPECT_TRUE(review_->ListDefensiveModels(banker_)->empty());
}

TEST_P(ReviewServiceTest, DefensiveAccessNeedsBothApprovalsAndEndsOnTime) {
  ModelVersion v = MakeVersion();
  const NewDefensiveRequest ask{v.id, "triage of our findings", kStart + Days(90), {}};
  // Not released yet: missing to the bank, refused in words to one who can see it.
  EXPECT_EQ(review_->RequestDefensiveAccess(banker_, ask).status().code(), StatusCode::kNotFound);
  ASSERT_OK(review_->SetVersionStatus(lab_admin_, v.id, VersionStatus::kReleased).status());
  ASSERT_OK_AND_ASSIGN(std::vector<DefensiveModel> open, review_->ListDefensiveModels(banker_));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].gateway_model, "Atlas/2.0");
  EXPECT_EQ(open[0].lab_org_name, "Frontier Lab");
  // Who may ask, and for how long.
  EXPECT_EQ(review_->RequestDefensiveAccess(nurse_, ask).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(RuleOf(review_->RequestDefensiveAccess(other_admin_, ask).status()),
            "defensive_access_requester");
  EXPECT_EQ(
      RuleOf(review_->RequestDefensiveAccess(banker_, {v.id, "triage", kStart + Days(366), {}})
                 .status()),
      "defensive_access_at_most_365_days");
  ASSERT_OK_AND_ASSIGN(DefensiveGrant g, review_->RequestDefensiveAccess(banker_, ask));
  EXPECT_EQ(g.state, DefensiveState::kRequested);
  EXPECT_EQ(g.org_name, "Community Bank");
  EXPECT_EQ(RuleOf(review_->RequestDefensiveAccess(banker_, ask).status()),
            "one_defensive_access_per_version");
  EXPECT_TRUE(audit_.Has("review.access.request", g.id, true));
  // No key before both approvals; the requester decides nothing.
  EXPECT_EQ(RuleOf(review_->IssueGatewayKey(banker_, g.id, "soc", {}).status()),
            "keys_under_active_grant");
  EXPECT_EQ(RuleOf(review_->ApproveDefensiveAccess(banker_, g.id).status()),
            "separation_of_duties");
  EXPECT_EQ(review_->ApproveDefensiveAccess(lab_member_, g.id).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(g, review_->ApproveDefensiveAccess(lab_admin_, g.id));
  EXPECT_EQ(g.state, DefensiveState::kRequested);
  EXPECT_EQ(g.lab_approved_by, lab_admin_.user_id);
  EXPECT_EQ(review_->ApproveDefensiveAccess(lab_admin2_, g.id).status().code(),
            StatusCode::kFailedPrecondition);  // the lab's side is given
  ASSERT_OK_AND_ASSIGN(g, review_->ApproveDefensiveAccess(officer_, g.id));
  EXPECT_EQ(g.state, DefensiveState::kActive);
  EXPECT_TRUE(audit_.Has("review.access.activate", g.id, true));
  EXPECT_EQ(review_->DenyDefensiveAccess(officer_, g.id, "").status().code(),
            StatusCode::kFailedPrecondition);
  // The same keys and checks as a partner's, ending with the access.
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey key, review_->IssueGatewayKey(banker_, g.id, "soc", {}));
  EXPECT_EQ(key.key.grant_id, g.id);
  EXPECT_TRUE(key.key.window_id.empty());
  EXPECT_EQ(key.key.expires_at, kStart + Days(90));
  EXPECT_EQ(key.key.gateway_model, "Atlas/2.0");
  ASSERT_OK_AND_ASSIGN(GatewayAccess access, review_->AuthorizeGatewayKey(key.secret));
  EXPECT_EQ(access.version.upstream_model, "atlas-2");
  EXPECT_EQ(access.access_ends_at, kStart + Days(90));
  QuotaLeases leases(*review_, clock_);
  ASSERT_OK(leases.Reserve(access.key, 10).status());
  // Who sees it.
  for (const Principal* p : {&banker_, &lab_member_, &officer_}) {
    ASSERT_OK_AND_ASSIGN(std::vector<DefensiveGrant> seen, review_->ListDefensiveAccess(*p));
    EXPECT_EQ(seen.size(), 1u);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<DefensiveGrant> none, review_->ListDefensiveAccess(nurse_));
  EXPECT_TRUE(none.empty());
  // At its end the gateway refuses at once, and the sweep records it and revokes the key.
  clock_.Advance(Days(90));
  Status ended = review_->AuthorizeGatewayKey(key.secret).status();
  EXPECT_EQ(ended.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(ended.message().find("expired"), std::string::npos) << ended.ToString();
  ASSERT_OK_AND_ASSIGN(int64_t swept, review_->SweepDefensiveAccess());
  EXPECT_EQ(swept, 1);
  EXPECT_TRUE(audit_.Has("review.access.expire", g.id, true));
  ASSERT_OK_AND_ASSIGN(std::vector<GatewayKey> keys, review_->ListGatewayKeys(banker_));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].revoked_at, kStart + Days(90));
  ASSERT_OK_AND_ASSIGN(swept, review_->SweepDefensiveAccess());
  EXPECT_EQ(swept, 0);
}

TEST_P(ReviewServiceTest, DefensiveAccessIsDeniedOrRevokedByEitherParty) {
  ModelVersion v = MakeVersion();
  ASSERT_OK(review_->SetVersionStatus(lab_admin_, v.id, VersionStatus::kReleased).status());
  const NewDefensiveRequest ask{v.id, "patch testing", kStart + Days(30), {}};
  ASSERT_OK_AND_ASSIGN(DefensiveGrant g, review_->RequestDefensiveAccess(banker_, ask));
  ASSERT_OK_AND_ASSIGN(g, review_->DenyDefensiveAccess(lab_admin_, g.id, "not for this use"));
  EXPECT_EQ(g.state, DefensiveState::kDenied);
  EXPECT_EQ(g.close_note, "not for this use");
  EXPECT_EQ(review_->ApproveDefensiveAccess(officer_, g.id).status().code(),
            StatusCode::kFailedPrecondition);
  // Asked again, approved, then revoked by the program office: its keys stop at once.
  ASSERT_OK_AND_ASSIGN(g, review_->RequestDefensiveAccess(banker_, ask));
  ASSERT_OK(review_->ApproveDefensiveAccess(officer_, g.id).status());
  ASSERT_OK(review_->ApproveDefensiveAccess(lab_admin_, g.id).status());
  ASSERT_OK_AND_ASSIGN(IssuedGatewayKey key, review_->IssueGatewayKey(banker_, g.id, "soc", {}));
  EXPECT_EQ(review_->RevokeDefensiveAccess(nurse_, g.id, "").status().code(),
            StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(g, review_->RevokeDefensiveAccess(officer_, g.id, "misuse suspected"));
  EXPECT_EQ(g.state, DefensiveState::kRevoked);
  EXPECT_EQ(review_->AuthorizeGatewayKey(key.secret).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(audit_.Has("review.access.revoke", g.id, true));
  EXPECT_EQ(review_->RevokeDefensiveAccess(banker_, g.id, "").status().code(),
            StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Backends, ReviewServiceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace bulwark::review
