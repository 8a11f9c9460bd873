#include "review/signals.h"

#include <gtest/gtest.h>

#include "review/quota_leases.h"
#include "review/review_fixture.h"

namespace bulwark::review {
namespace {

using access::Principal;
using store::Backend;

// 10:00 UTC on day kDay0.
constexpr int64_t kDay0 = 20601;
const Time kStart = FromUnixMicros(kDay0 * 86400 * 1'000'000) + Hours(10);

// ---- the rules ----

TEST(SignalRulesTest, DaysAreUtcDays) {
  EXPECT_EQ(UtcDay(kStart), kDay0);
  EXPECT_EQ(UtcDay(kStart + Hours(13) + Minutes(59)), kDay0);
  EXPECT_EQ(UtcDay(kStart + Hours(14)), kDay0 + 1);  // midnight UTC
}

TEST(SignalRulesTest, TheBaselineIsTheDaysSinceTheKeyWasIssuedUpToSeven) {
  EXPECT_EQ(HistoryDays(kDay0, kDay0), 0);  // issued today: no baseline yet
  EXPECT_EQ(HistoryDays(kDay0 + 1, kDay0), 1);
  EXPECT_EQ(HistoryDays(kDay0 + 3, kDay0), 3);
  EXPECT_EQ(HistoryDays(kDay0 + 30, kDay0), kBaselineDays);
  EXPECT_EQ(HistoryDays(kDay0, kDay0 + 1), 0);  // issued "tomorrow": a clock moved back
}

TEST(SignalRulesTest, UseFarAboveTheBaselineAndAboveTheFloorIsAnAlert) {
  // 3 days of 20 requests a day: the average is 20, so 100 (5 × 20, and the floor) alerts.
  UseHistory use{{100, 0}, {60, 0}, 3};
  std::optional<Excess> over = AboveBaseline(use);
  ASSERT_TRUE(over.has_value());
  EXPECT_EQ(over->measure, "requests");
  EXPECT_EQ(over->today, 100);
  EXPECT_DOUBLE_EQ(over->average, 20);
  use.today.requests = 99;
  EXPECT_FALSE(AboveBaseline(use).has_value());
  // Under the floor, however quiet the days before: 99 requests after none.
  EXPECT_FALSE(AboveBaseline({{99, 99999}, {0, 0}, 7}).has_value());
  EXPECT_TRUE(AboveBaseline({{100, 0}, {0, 0}, 7}).has_value());
  // A key issued today has no baseline.
  EXPECT_FALSE(AboveBaseline({{1000, 10000000}, {0, 0}, 0}).has_value());
  // Tokens too: 7 days of 100,000 a day, then 500,000.
  over = AboveBaseline({{10, 500000}, {70, 700000}, 7});
  ASSERT_TRUE(over.has_value());
  EXPECT_EQ(over->measure, "tokens");
  EXPECT_FALSE(AboveBaseline({{10, 499999}, {70, 700000}, 7}).has_value());
}

TEST(SignalRulesTest, EightyPercentOfADailyQuotaIsAnAlert) {
  const Quota quota{.requests_per_day = 1000, .tokens_per_day = 50000, .requests_per_minute = 60};
  EXPECT_FALSE(QuotaShareReached({799, 39999}, quota).has_value());
  std::optional<Excess> share = QuotaShareReached({800, 0}, quota);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->measure, "requests");
  EXPECT_EQ(share->limit, 1000);
  share = QuotaShareReached({1, 40000}, quota);
  ASSERT_TRUE(share.has_value());
  EXPECT_EQ(share->measure, "tokens");
  EXPECT_EQ(
      QuotaShareDetail("Key \u201cci\u201d (gwk_1)", *share),
      "Key \u201cci\u201d (gwk_1) has used 40,000 of its 50,000 tokens for today (UTC): 80%.");
}

TEST(SignalRulesTest, HoursOfUseAreUtcHoursAndMayPassMidnight) {
  const Time midnight = FromUnixMicros(kDay0 * 86400 * 1'000'000);
  const UseHours office{8, 18};
  EXPECT_FALSE(WithinUseHours(office, midnight + Hours(7) + Minutes(59)));
  EXPECT_TRUE(WithinUseHours(office, midnight + Hours(8)));
  EXPECT_TRUE(WithinUseHours(office, midnight + Hours(17) + Minutes(59)));
  EXPECT_FALSE(WithinUseHours(office, midnight + Hours(18)));
  const UseHours night{22, 6};
  EXPECT_TRUE(WithinUseHours(night, midnight + Hours(23)));
  EXPECT_TRUE(WithinUseHours(night, midnight + Hours(5)));
  EXPECT_FALSE(WithinUseHours(night, midnight + Hours(6)));
  EXPECT_FALSE(WithinUseHours(night, midnight + Hours(21)));
  EXPECT_TRUE(WithinUseHours({0, 24}, midnight + Hours(23)));
  EXPECT_TRUE(WithinUseHours({20, 24}, midnight + Hours(23)));
  EXPECT_FALSE(OutsideHours(std::nullopt, midnight + Hours(3)));  // none stated: any hour
  EXPECT_TRUE(OutsideHours(office, midnight + Hours(3)));
  EXPECT_EQ(
      OutsideHoursDetail("Key \u201cx\u201d (gwk_1)", midnight + Hours(3) + Minutes(7), office),
      "Key \u201cx\u201d (gwk_1) was used at 03:07 UTC, outside the hours the lab stated for "
      "the window: 08:00 to 18:00 UTC.");

  EXPECT_OK(CheckUseHours({8, 18}));
  EXPECT_OK(CheckUseHours({22, 6}));
  EXPECT_OK(CheckUseHours({0, 23}));
  for (UseHours bad : {UseHours{-1, 5}, UseHours{24, 5}, UseHours{3, 0}, UseHours{3, 25},
                       UseHours{7, 7}, UseHours{0, 24}}) {
    Status s = CheckUseHours(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad.start_hour << "-" << bad.end_hour;
    EXPECT_EQ(s.detail("rule").value_or(""), "window_hours");
  }
}

TEST(SignalRulesTest, DetailsSayWhatHappenedWithTheNumbers) {
  EXPECT_EQ(BaselineDetail("Key \u201cx\u201d (gwk_1)", {"requests", 1300, 250.0, 0}, 7),
            "Key \u201cx\u201d (gwk_1) made 1,300 requests today (UTC): 5.2 times the daily "
            "average of 250.0 over the previous 7 days.");
  EXPECT_EQ(BaselineDetail("Key \u201cx\u201d (gwk_1)", {"tokens", 150000, 0, 0}, 1),
            "Key \u201cx\u201d (gwk_1) made 150,000 tokens today (UTC), after none on the "
            "previous day.");
  EXPECT_EQ(NewAddressDetail("Key \u201cx\u201d (gwk_1)", "203.0.113.9", {"198.51.100.1"}, 1),
            "Key \u201cx\u201d (gwk_1) was used from 203.0.113.9, an address it had not used "
            "before; until now it was used from 198.51.100.1.");
  EXPECT_EQ(NewAddressDetail("K", "10.0.0.9", {"10.0.0.1", "10.0.0.2", "10.0.0.3"}, 5),
            "K was used from 10.0.0.9, an address it had not used before; until now it was used "
            "from 10.0.0.1, 10.0.0.2, 10.0.0.3 and 2 more.");
}

// ---- the signals on a database ----

class SignalsTest : public testing::ReviewFixture {
 protected:
  SignalsTest() : ReviewFixture(kStart) {}

  void SetUp() override {
    ReviewFixture::SetUp();
    if (IsSkipped()) return;
    signals_ = std::make_unique<Signals>(*db_, clock_, &audit_);
    OpenWindowWithHospital();
  }

  // Adds to a key's use on `day`, as the gateway's quota settles it.
  void AddUse(const std::string& key_id, int64_t day, int64_t requests, int64_t tokens) {
    ASSERT_OK(db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      return tx
          .Execute(
              "INSERT INTO gateway_usage (key_id, day, requests, tokens_used, tokens_reserved) "
              "VALUES (?,?,?,?,0) ON CONFLICT (key_id, day) DO UPDATE SET requests = "
              "gateway_usage.requests + excluded.requests, tokens_used = "
              "gateway_usage.tokens_used + excluded.tokens_used",
              {key_id, day, requests, tokens})
          .status();
    }));
  }

  std::vector<Alert> Alerts() { return review_->ListAlerts(officer_).value(); }

  std::vector<Alert> AlertsOf(AlertKind kind) {
    std::vector<Alert> out;
    for (Alert& a : Alerts()) {
      if (a.kind == kind) out.push_back(std::move(a));
    }
    return out;
  }

  void SetHours(std::optional<UseHours> hours, bool suspend) {
    ASSERT_OK(review_->SetWindowSettings(lab_admin_, window_.id, {hours, suspend}).status());
  }

  std::unique_ptr<Signals> signals_;
};

TEST_P(SignalsTest, TheLabStatesHoursAndChoosesSuspensionForItsWindowOnly) {
  ASSERT_OK_AND_ASSIGN(Window w,
                       review_->SetWindowSettings(lab_admin_, window_.id, {UseHours{8, 18}, true}));
  EXPECT_EQ(w.hours, (UseHours{8, 18}));
  EXPECT_TRUE(w.suspend_on_alert);
  EXPECT_EQ(audit_.Count("review.window.settings", window_.id), 1);
  ASSERT_OK_AND_ASSIGN(w, review_->GetWindow(officer_, window_.id));
  EXPECT_EQ(w.hours, (UseHours{8, 18}));
  // Any hour again.
  ASSERT_OK_AND_ASSIGN(w, review_->SetWindowSettings(lab_admin_, window_.id, {}));
  EXPECT_FALSE(w.hours.has_value());
  EXPECT_FALSE(w.suspend_on_alert);
  // Only the lab's administrators; the hours are checked.
  EXPECT_EQ(review_->SetWindowSettings(lab_member_, window_.id, {}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->SetWindowSettings(officer_, window_.id, {}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->SetWindowSettings(other_admin_, window_.id, {}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      review_->SetWindowSettings(lab_admin_, window_.id, {UseHours{9, 9}, false}).status().code(),
      StatusCode::kInvalidArgument);
  // A window opened with settings keeps them; a closed one keeps its own.
  ASSERT_OK(review_->WithdrawWindow(lab_admin_, window_.id).status());
  EXPECT_EQ(
      review_->SetWindowSettings(lab_admin_, window_.id, {}).status().detail("rule").value_or(""),
      "settings_of_open_window");
  clock_.Advance(Minutes(1));
  ASSERT_OK_AND_ASSIGN(
      Window next,
      review_->OpenWindow(lab_admin_, version_.id,
                          {clock_.Now(), clock_.Now() + Days(2), {UseHours{22, 6}, true}}));
  EXPECT_EQ(next.hours, (UseHours{22, 6}));
  ASSERT_OK_AND_ASSIGN(next, review_->GetWindow(lab_admin_, next.id));
  EXPECT_EQ(next.hours, (UseHours{22, 6}));
  EXPECT_TRUE(next.suspend_on_alert);
  EXPECT_EQ(review_
                ->OpenWindow(lab_admin_, version_.id,
                             {clock_.Now(), clock_.Now() + Days(2), {UseHours{24, 6}, false}})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_P(SignalsTest, ACallOutsideTheStatedHoursIsAnAlertOncePerKeyAndDay) {
  IssuedGatewayKey key = Issue("laptop");
  SetHours(UseHours{8, 18}, false);
  signals_->Observe(AccessOf(key), "198.51.100.1");  // 10:00 UTC: within
  EXPECT_TRUE(Alerts().empty());
  clock_.Advance(Hours(9));  // 19:00 UTC
  signals_->Observe(AccessOf(key), "198.51.100.1");
  signals_->Observe(AccessOf(key), "198.51.100.1");
  std::vector<Alert> alerts = AlertsOf(AlertKind::kOutsideHours);
  ASSERT_EQ(alerts.size(), 1u);
  const Alert& alert = alerts[0];
  EXPECT_TRUE(alert.id.starts_with("ral_")) << alert.id;
  EXPECT_EQ(alert.scope, AlertScope::kKey);
  EXPECT_EQ(alert.key_id, key.key.id);
  EXPECT_EQ(alert.key_name, "laptop");
  EXPECT_EQ(alert.org_id, hospital_);
  EXPECT_EQ(alert.org_name, "Rural Hospital");
  EXPECT_EQ(alert.lab_org_id, lab_);
  EXPECT_EQ(alert.window_id, window_.id);
  EXPECT_EQ(alert.grant_id, grant_.id);
  EXPECT_EQ(alert.gateway_model, "Atlas/2.0");
  EXPECT_EQ(alert.day, kDay0);
  EXPECT_NE(alert.detail.find("19:00 UTC, outside the hours the lab stated"), std::string::npos)
      << alert.detail;
  EXPECT_FALSE(alert.key_suspended);
  // Ledgered, in the same transaction as the row.
  EXPECT_EQ(audit_.Count("review.alert.raise", alert.id), 1);
  EXPECT_EQ(audit_.Count("review.alert.raise"), 1);
  EXPECT_OK(review_->AuthorizeGatewayKey(key.secret).status());
  // The day after, at 03:00 UTC: outside again, a new alert; within the hours: none.
  clock_.Advance(Hours(8));
  signals_->Observe(AccessOf(key), "198.51.100.1");
  ASSERT_EQ(AlertsOf(AlertKind::kOutsideHours).size(), 2u);
  EXPECT_EQ(AlertsOf(AlertKind::kOutsideHours)[0].day, kDay0 + 1);  // newest first
  clock_.Advance(Hours(6));
  signals_->Observe(AccessOf(key), "198.51.100.1");
  EXPECT_EQ(AlertsOf(AlertKind::kOutsideHours).size(), 2u);
}

TEST_P(SignalsTest, WhereTheLabChoseSoAnAlertSuspendsTheKey) {
  IssuedGatewayKey key = Issue("laptop");
  IssuedGatewayKey other = Issue("phone");
  SetHours(UseHours{12, 14}, true);  // 10:00 UTC is outside
  signals_->Observe(AccessOf(key), "198.51.100.1");
  std::vector<Alert> alerts = AlertsOf(AlertKind::kOutsideHours);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_TRUE(alerts[0].key_suspended);
  EXPECT_NE(alerts[0].detail.find("The key was suspended, as the lab chose for this window."),
            std::string::npos)
      << alerts[0].detail;
  EXPECT_EQ(audit_.Count("review.key.suspend", key.key.id), 1);
  Status refused = review_->AuthorizeGatewayKey(key.secret).status();
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.message().find("revoked"), std::string::npos) << refused.ToString();
  // Only that key: the organization's other key works until it raises an alert of its own.
  EXPECT_OK(review_->AuthorizeGatewayKey(other.secret).status());
}

TEST_P(SignalsTest, ANewClientAddressIsAnAlertButAKeysFirstIsItsBaseline) {
  IssuedGatewayKey key = Issue("laptop");
  GatewayAccess access = AccessOf(key);
  signals_->Observe(access, "198.51.100.1");
  signals_->Observe(access, "198.51.100.1");
  EXPECT_TRUE(Alerts().empty());
  clock_.Advance(Seconds(1));
  signals_->Observe(access, "203.0.113.9");
  std::vector<Alert> alerts = AlertsOf(AlertKind::kNewClientAddress);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].detail,
            "Key \u201claptop\u201d (" + key.key.id +
                ") was used from 203.0.113.9, an address it had not used before; until now it "
                "was used from 198.51.100.1.");
  // Another address the same day: remembered, but the key's alert of the day was raised.
  clock_.Advance(Seconds(1));
  signals_->Observe(access, "203.0.113.10");
  EXPECT_EQ(AlertsOf(AlertKind::kNewClientAddress).size(), 1u);
  // A replica that starts afresh knows the key's addresses from the database.
  clock_.Advance(Days(1));
  Signals restarted(*db_, clock_, &audit_);
  restarted.Observe(access, "198.51.100.1");
  restarted.Observe(access, "203.0.113.10");
  EXPECT_EQ(AlertsOf(AlertKind::kNewClientAddress).size(), 1u);
  restarted.Observe(access, "192.0.2.44");
  ASSERT_EQ(AlertsOf(AlertKind::kNewClientAddress).size(), 2u);
  EXPECT_NE(AlertsOf(AlertKind::kNewClientAddress)[0].detail.find(
                "198.51.100.1, 203.0.113.9 and 203.0.113.10"),
            std::string::npos)
      << AlertsOf(AlertKind::kNewClientAddress)[0].detail;
}

TEST_P(SignalsTest, UseFarAboveTheKeysOwnBaselineIsAnAlertCheckedOnceAMinute) {
  IssuedGatewayKey key = Issue("laptop");
  // Issued on day 0: on its first day a key has no baseline, whatever it does.
  AddUse(key.key.id, kDay0, 500, 10000);
  signals_->Observe(AccessOf(key), "198.51.100.1");
  EXPECT_TRUE(AlertsOf(AlertKind::kUsageAboveBaseline).empty());
  // Days 1 to 3: 20 requests a day, with day 0's 500 the average is 140: 3 days later...
  for (int64_t day = 1; day <= 3; ++day) AddUse(key.key.id, kDay0 + day, 20, 1000);
  clock_.Advance(Days(4));
  // Day 4: 4 days of history (days 0 to 3), 560 requests: an average of 140; 699 is under 5×.
  AddUse(key.key.id, kDay0 + 4, 699, 1000);
  signals_->Observe(AccessOf(key), "198.51.100.1");
  EXPECT_TRUE(AlertsOf(AlertKind::kUsageAboveBaseline).empty());
  // One more request reaches 5 × 140, but the key was looked at less than a minute ago.
  AddUse(key.key.id, kDay0 + 4, 1, 0);
  clock_.Advance(Seconds(59));
  signals_->Observe(AccessOf(key), "198.51.100.1");
  EXPECT_TRUE(AlertsOf(AlertKind::kUsageAboveBaseline).empty());
  clock_.Advance(Seconds(1));
  signals_->Observe(AccessOf(key), "198.51.100.1");
  std::vector<Alert> alerts = AlertsOf(AlertKind::kUsageAboveBaseline);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].scope, AlertScope::kKey);
  EXPECT_EQ(alerts[0].day, kDay0 + 4);
  EXPECT_EQ(alerts[0].detail, "Key \u201claptop\u201d (" + key.key.id +
                                  ") made 700 requests today (UTC): 5.0 times the daily average "
                                  "of 140.0 over the previous 4 days.");
  // Once a day: more use the same day raises nothing new.
  AddUse(key.key.id, kDay0 + 4, 1000, 0);
  clock_.Advance(Minutes(5));
  signals_->Observe(AccessOf(key), "198.51.100.1");
  EXPECT_EQ(AlertsOf(AlertKind::kUsageAboveBaseline).size(), 1u);
  // Past midnight the day starts again: yesterday's 1,700 weigh in the average.
  clock_.Advance(Days(1));
  AddUse(key.key.id, kDay0 + 5, 100, 0);
  signals_->Observe(AccessOf(key), "198.51.100.1");
  EXPECT_EQ(AlertsOf(AlertKind::kUsageAboveBaseline).size(), 1u);
}

TEST_P(SignalsTest, AnOrganizationsKeysTogetherHaveABaselineToo) {
  IssuedGatewayKey laptop = Issue("laptop");
  IssuedGatewayKey phone = Issue("phone");
  // A week of 40 requests a day on the laptop; then the phone joins in with 150, while the
  // laptop does its 40: the organization's 190 are under 5 × 40 ...
  for (int64_t day = 0; day < 7; ++day) AddUse(laptop.key.id, kDay0 + day, 40, 1000);
  clock_.Advance(Days(7));
  AddUse(laptop.key.id, kDay0 + 7, 40, 1000);
  AddUse(phone.key.id, kDay0 + 7, 150, 1000);
  signals_->Observe(AccessOf(phone), "198.51.100.1");
  std::vector<Alert> alerts = AlertsOf(AlertKind::kUsageAboveBaseline);
  ASSERT_EQ(alerts.size(), 1u);  // ... the phone's own 150 after none are not
  EXPECT_EQ(alerts[0].scope, AlertScope::kKey);
  EXPECT_EQ(alerts[0].key_id, phone.key.id);
  // ... until they pass 200 together.
  AddUse(laptop.key.id, kDay0 + 7, 10, 0);
  clock_.Advance(Minutes(1));
  signals_->Observe(AccessOf(laptop), "198.51.100.1");
  alerts = AlertsOf(AlertKind::kUsageAboveBaseline);
  ASSERT_EQ(alerts.size(), 2u);
  const Alert& org = alerts[0];
  EXPECT_EQ(org.scope, AlertScope::kOrganization);
  EXPECT_EQ(org.org_id, hospital_);
  EXPECT_EQ(org.detail, "The organization's 2 keys under grant " + grant_.id +
                            " together made 200 requests today (UTC): 5.0 times the daily "
                            "average of 40.0 over the previous 7 days.");
  // Suspension, where the lab chose so, takes the organization's keys under the grant. After a
  // quiet week each key's 99 requests are under the floor; together they are not.
  SetHours(std::nullopt, true);
  clock_.Advance(Days(8));
  for (const IssuedGatewayKey* k : {&laptop, &phone}) AddUse(k->key.id, kDay0 + 15, 99, 0);
  signals_->Observe(AccessOf(laptop), "198.51.100.1");
  alerts = AlertsOf(AlertKind::kUsageAboveBaseline);
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0].scope, AlertScope::kOrganization);
  EXPECT_EQ(alerts[0].day, kDay0 + 15);
  EXPECT_TRUE(alerts[0].key_suspended);
  EXPECT_NE(alerts[0].detail.find("The organization's 2 keys under this grant were suspended"),
            std::string::npos)
      << alerts[0].detail;
  EXPECT_EQ(audit_.Count("review.key.suspend"), 2);
  EXPECT_FALSE(review_->AuthorizeGatewayKey(laptop.secret).ok());
  EXPECT_FALSE(review_->AuthorizeGatewayKey(phone.secret).ok());
}

TEST_P(SignalsTest, EightyPercentOfTheDaysQuotaIsAnAlert) {
  ASSERT_OK(review_->RemovePartner(lab_admin_, grant_.id).status());
  grant_ = review_
               ->ProposePartner(
                   lab_admin_, window_.id, hospital_,
                   {.requests_per_day = 10, .tokens_per_day = 1000000, .requests_per_minute = 60})
               .value();
  ASSERT_OK(review_->ConcurPartner(officer_, grant_.id).status());
  IssuedGatewayKey key = Issue("ci");
  GatewayAccess access = AccessOf(key);
  QuotaLeases leases(*review_, clock_);
  for (int i = 0; i < 7; ++i) {
    ASSERT_OK_AND_ASSIGN(QuotaReservation r, leases.Reserve(access.key, 10));
    ASSERT_OK(review_->SettleQuota(r, 10));
  }
  signals_->Observe(access, "198.51.100.1");
  EXPECT_TRUE(AlertsOf(AlertKind::kQuotaShare).empty());
  ASSERT_OK_AND_ASSIGN(QuotaReservation r, leases.Reserve(access.key, 10));
  ASSERT_OK(review_->SettleQuota(r, 10));
  clock_.Advance(Minutes(1));
  signals_->Observe(access, "198.51.100.1");
  std::vector<Alert> alerts = AlertsOf(AlertKind::kQuotaShare);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].detail, "Key \u201cci\u201d (" + key.key.id +
                                  ") has used 8 of its 10 requests for today (UTC): 80%.");
}

TEST_P(SignalsTest, TwoReplicasRaiseTheSameAlertOnce) {
  IssuedGatewayKey key = Issue("laptop");
  SetHours(UseHours{12, 14}, true);
  Signals other_replica(*db_, clock_, &audit_);
  GatewayAccess access = AccessOf(key);
  signals_->Observe(access, "198.51.100.1");
  other_replica.Observe(access, "198.51.100.1");
  other_replica.Observe(access, "203.0.113.9");
  signals_->Observe(access, "203.0.113.9");
  EXPECT_EQ(AlertsOf(AlertKind::kOutsideHours).size(), 1u);
  EXPECT_EQ(AlertsOf(AlertKind::kNewClientAddress).size(), 1u);
  EXPECT_EQ(audit_.Count("review.alert.raise"), 2);
  EXPECT_EQ(audit_.Count("review.key.suspend", key.key.id), 1);
}

TEST_P(SignalsTest, TheLabAndTheProgramOfficeSeeAndAcknowledgeAlerts) {
  IssuedGatewayKey key = Issue("laptop");
  SetHours(UseHours{12, 14}, false);
  signals_->Observe(AccessOf(key), "198.51.100.1");
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> seen, review_->ListAlerts(lab_member_));
  ASSERT_EQ(seen.size(), 1u);
  const std::string id = seen[0].id;
  EXPECT_EQ(review_->ListAlerts(officer_).value().size(), 1u);
  // Not the partner the alert is about, nor another lab.
  EXPECT_TRUE(review_->ListAlerts(nurse_).value().empty());
  EXPECT_TRUE(review_->ListAlerts(other_admin_).value().empty());
  EXPECT_EQ(review_->AcknowledgeAlert(nurse_, id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(review_->AcknowledgeAlert(other_admin_, id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(review_->AcknowledgeAlert(lab_member_, id).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review_->AcknowledgeAlert(lab_admin_, "ral_nothing").status().code(),
            StatusCode::kNotFound);
  clock_.Advance(Minutes(3));
  ASSERT_OK_AND_ASSIGN(Alert acknowledged, review_->AcknowledgeAlert(lab_admin_, id));
  EXPECT_EQ(acknowledged.acknowledged_by, lab_admin_.user_id);
  EXPECT_EQ(acknowledged.acknowledged_at, clock_.Now());
  EXPECT_EQ(audit_.Count("review.alert.acknowledge", id), 1);
  Status again = review_->AcknowledgeAlert(officer_, id).status();
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.detail("rule").value_or(""), "alert_acknowledged");
  EXPECT_EQ(review_->ListAlerts(officer_).value()[0].acknowledged_by, lab_admin_.user_id);
}

INSTANTIATE_TEST_SUITE_P(Backends, SignalsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::BackendName);

}  // namespace
}  // namespace bulwark::review
