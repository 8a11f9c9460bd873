#include "review/rules.h"

#include <gtest/gtest.h>

#include <random>

namespace bulwark::review {
namespace {

const Time kNow = FromUnixMicros(int64_t{1'780'000'000} * 1'000'000);

std::string RuleOf(const Status& s) {
  for (const StatusDetail& d : s.details()) {
    if (d.key == "rule") return d.value;
  }
  return "";
}

TEST(RulesTest, NamesRoundTrip) {
  for (VersionStatus s : {VersionStatus::kInDevelopment, VersionStatus::kUnderReview,
                          VersionStatus::kReleased, VersionStatus::kWithdrawn}) {
    EXPECT_EQ(ParseVersionStatus(VersionStatusName(s)), s);
  }
  for (InquiryState s :
       {InquiryState::kSubmitted, InquiryState::kAccepted, InquiryState::kUnderEvaluation,
        InquiryState::kAnswered, InquiryState::kWithdrawn}) {
    EXPECT_EQ(ParseInquiryState(InquiryStateName(s)), s);
  }
  for (PartnerState s : {PartnerState::kProposed, PartnerState::kActive, PartnerState::kRemoved}) {
    EXPECT_EQ(ParsePartnerState(PartnerStateName(s)), s);
  }
  EXPECT_FALSE(ParseVersionStatus("shipped"));
  EXPECT_FALSE(ParseCloseReason(""));
}

TEST(RulesTest, WindowStatesFollowTheClock) {
  const Time start = kNow + Hours(1), end = kNow + Hours(48);
  EXPECT_EQ(WindowStateAt(start, end, std::nullopt, kNow), WindowState::kScheduled);
  EXPECT_EQ(WindowStateAt(start, end, std::nullopt, start), WindowState::kOpen);
  EXPECT_EQ(WindowStateAt(start, end, std::nullopt, end - Duration(1)), WindowState::kOpen);
  EXPECT_EQ(WindowStateAt(start, end, std::nullopt, end), WindowState::kClosed);
  EXPECT_EQ(WindowStateAt(start, end, start + Hours(2), start + Hours(2)), WindowState::kClosed);
  EXPECT_EQ(WindowStateAt(start, end, start + Hours(2), start + Hours(1)), WindowState::kOpen);
  EXPECT_EQ(WindowSpan(start, end, std::nullopt), Hours(47));
  EXPECT_EQ(WindowSpan(start, end, start + Hours(2)), Hours(2));
  EXPECT_EQ(WindowSpan(start, end, kNow), Duration::zero());  // withdrawn before it opened
}

TEST(RulesTest, NewWindowsAndExtensionsStayWithinThirtyDays) {
  EXPECT_TRUE(CheckNewWindow(kNow, kNow + kMaxWindowLength, kNow).ok());
  Status over = CheckNewWindow(kNow, kNow + kMaxWindowLength + Duration(1), kNow);
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RuleOf(over), "window_at_most_30_days");
  EXPECT_NE(over.message().find("at most 30 days"), std::string::npos) << over.ToString();
  EXPECT_EQ(RuleOf(CheckNewWindow(kNow + Hours(2), kNow + Hours(1), kNow)),
            "window_end_after_start");
  EXPECT_EQ(RuleOf(CheckNewWindow(kNow - Hours(3), kNow - Hours(1), kNow)), "window_in_the_future");
  // Ten days used by earlier windows leave twenty.
  EXPECT_TRUE(CheckNewWindow(kNow, kNow + Hours(24 * 20), kNow, Hours(24 * 10)).ok());
  Status rest = CheckNewWindow(kNow, kNow + Hours(24 * 21), kNow, Hours(24 * 10));
  EXPECT_EQ(RuleOf(rest), "window_at_most_30_days");
  EXPECT_NE(rest.message().find("10.0 days"), std::string::npos) << rest.ToString();

  const Time start = kNow, end = kNow + Hours(24 * 10);
  EXPECT_TRUE(CheckExtension(start, end, start + kMaxWindowLength).ok());
  EXPECT_EQ(RuleOf(CheckExtension(start, end, start + kMaxWindowLength + Seconds(1))),
            "window_at_most_30_days");
  EXPECT_EQ(RuleOf(CheckExtension(start, end, end)), "extension_later");
  EXPECT_EQ(RuleOf(CheckExtension(start, end, start + Hours(24 * 25), Hours(24 * 6))),
            "window_at_most_30_days");
}

// Over random starts, ends, extensions and earlier use, whatever the rules accept keeps the
// version's total within 30 days, and whatever stays within 30 days (and is otherwise valid)
// is accepted.
TEST(RulesTest, PropertyTheRulesAcceptExactlyWhatFitsInThirtyDays) {
  std::mt19937_64 rng(20261203);
  auto hours = [&](int64_t lo, int64_t hi) {
    return Duration(
        std::uniform_int_distribution<int64_t>(lo * 3'600'000'000LL, hi * 3'600'000'000LL)(rng));
  };
  for (int i = 0; i < 20000; ++i) {
    const Duration used = i % 3 == 0 ? Duration::zero() : hours(0, 24 * 35);
    const Time start = kNow + hours(-24 * 40, 24 * 40);
    const Time end = start + hours(-24, 24 * 40);
    const Status opened = CheckNewWindow(start, end, kNow, used);
    const bool fits = end > start && end > kNow && (end - start) + used <= kMaxWindowLength;
    ASSERT_EQ(opened.ok(), fits) << i << ": " << opened.ToString();
    if (!opened.ok()) continue;
    const Time extended = end + hours(-24, 24 * 30);
    const Status extension = CheckExtension(start, end, extended, used);
    const bool extension_fits = extended > end && (extended - start) + used <= kMaxWindowLength;
    ASSERT_EQ(extension.ok(), extension_fits) << i << ": " << extension.ToString();
  }
}

TEST(RulesTest, ConcurrenceNeedsTheOtherParty) {
  EXPECT_TRUE(CheckConcurrence(PartnerState::kProposed, Party::kLab, Party::kProgramOffice).ok());
  EXPECT_TRUE(CheckConcurrence(PartnerState::kProposed, Party::kProgramOffice, Party::kLab).ok());
  Status same = CheckConcurrence(PartnerState::kProposed, Party::kLab, Party::kLab);
  EXPECT_EQ(same.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(RuleOf(same), "separation_of_duties");
  EXPECT_EQ(CheckConcurrence(PartnerState::kActive, Party::kLab, Party::kProgramOffice).code(),
            StatusCode::kFailedPrecondition);
}

TEST(RulesTest, InquiryTransitions) {
  EXPECT_TRUE(CheckInquiryTransition(InquiryState::kSubmitted, InquiryState::kAccepted).ok());
  EXPECT_TRUE(CheckInquiryTransition(InquiryState::kAccepted, InquiryState::kUnderEvaluation).ok());
  EXPECT_TRUE(CheckInquiryTransition(InquiryState::kUnderEvaluation, InquiryState::kAnswered).ok());
  EXPECT_TRUE(CheckInquiryTransition(InquiryState::kSubmitted, InquiryState::kWithdrawn).ok());
  EXPECT_FALSE(CheckInquiryTransition(InquiryState::kAnswered, InquiryState::kWithdrawn).ok());
  EXPECT_FALSE(CheckInquiryTransition(InquiryState::kWithdrawn, InquiryState::kAccepted).ok());
  EXPECT_FALSE(CheckInquiryTransition(InquiryState::kSubmitted, InquiryState::kAnswered).ok());
  EXPECT_TRUE(CheckVersionTransition(VersionStatus::kInDevelopment, VersionStatus::kReleased).ok());
  EXPECT_FALSE(CheckVersionTransition(VersionStatus::kReleased, VersionStatus::kUnderReview).ok());
}

TEST(RulesTest, QuotaLimits) {
  EXPECT_TRUE(CheckQuota({}).ok());
  Status zero = CheckQuota({.requests_per_day = 0});
  EXPECT_EQ(zero.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(zero.message().find("requests_per_day"), std::string::npos);
  EXPECT_FALSE(CheckQuota({.tokens_per_day = -5}).ok());
}

}  // namespace
}  // namespace bulwark::review
