#include <gtest/gtest.h>

#include <vector>

#include "clearinghouse/rules.h"

namespace bulwark::clearinghouse {
namespace {

const Time kNow = FromUnixMicros(int64_t{1'800'000'000} * 1'000'000);

std::string RuleOf(const Status& s) {
  for (const StatusDetail& d : s.details()) {
    if (d.key == "rule") return d.value;
  }
  return "";
}

const std::vector<FindingState> kAll = {FindingState::kOpen,        FindingState::kInTriage,
                                        FindingState::kNotAffected, FindingState::kRiskAccepted,
                                        FindingState::kFixed,       FindingState::kVerifiedFixed};

TEST(ClearinghouseRules, NamesRoundTrip) {
  for (FindingState s : kAll) EXPECT_EQ(ParseFindingState(FindingStateName(s)), s);
  EXPECT_FALSE(ParseFindingState("closed").has_value());
  for (Justification j :
       {Justification::kComponentNotPresent, Justification::kVulnerableCodeNotPresent,
        Justification::kVulnerableCodeNotInExecutePath,
        Justification::kVulnerableCodeCannotBeControlledByAdversary,
        Justification::kInlineMitigationsAlreadyExist}) {
    EXPECT_EQ(ParseJustification(JustificationName(j)), j);
    EXPECT_FALSE(CycloneDxJustification(j).empty());
  }
  EXPECT_EQ(CycloneDxJustification(Justification::kVulnerableCodeNotInExecutePath),
            "code_not_reachable");
}

// Every pair of states, for both movers, against the table the header draws.
TEST(ClearinghouseRules, EveryTransition) {
  using S = FindingState;
  const auto person_may = [](S from, S to) {
    if (to == S::kOpen) return from != S::kOpen;
    if (to == S::kInTriage) return from == S::kOpen;
    if (to == S::kNotAffected || to == S::kRiskAccepted) {
      return from == S::kOpen || from == S::kInTriage;
    }
    if (to == S::kFixed)
      return from == S::kOpen || from == S::kInTriage || from == S::kRiskAccepted;
    return false;
  };
  const auto monitor_may = [](S from, S to) {
    if (to == S::kOpen) return from != S::kOpen;
    return to == S::kVerifiedFixed && from != S::kVerifiedFixed;
  };
  for (S from : kAll) {
    for (S to : kAll) {
      SCOPED_TRACE(std::string(FindingStateName(from)) + " -> " +
                   std::string(FindingStateName(to)));
      Status person = CheckFindingTransition(from, to, Mover::kPerson);
      EXPECT_EQ(person.ok(), person_may(from, to)) << person.message();
      if (!person.ok()) {
        EXPECT_EQ(person.code(), StatusCode::kFailedPrecondition);
        EXPECT_EQ(RuleOf(person), "finding_transition");
      }
      EXPECT_EQ(CheckFindingTransition(from, to, Mover::kMonitor).ok(), monitor_may(from, to));
    }
  }
}

TEST(ClearinghouseRules, ARiskAcceptanceExpiresAndTheFindingIsOpenAgain) {
  EXPECT_TRUE(CheckRiskAcceptance(kNow + Days(90), kNow).ok());
  EXPECT_TRUE(CheckRiskAcceptance(kNow + kMaxRiskAcceptance, kNow).ok());
  EXPECT_EQ(RuleOf(CheckRiskAcceptance(kNow + kMaxRiskAcceptance + Seconds(1), kNow)),
            "risk_acceptance_expiry");
  EXPECT_EQ(RuleOf(CheckRiskAcceptance(kNow, kNow)), "risk_acceptance_expiry");

  const Time until = kNow + Days(30);
  EXPECT_EQ(StateAt(FindingState::kRiskAccepted, until, kNow), FindingState::kRiskAccepted);
  EXPECT_EQ(StateAt(FindingState::kRiskAccepted, until, until - Seconds(1)),
            FindingState::kRiskAccepted);
  EXPECT_EQ(StateAt(FindingState::kRiskAccepted, until, until), FindingState::kOpen);
  EXPECT_EQ(StateAt(FindingState::kFixed, until, until + Days(1)), FindingState::kFixed);
}

TEST(ClearinghouseRules, DeadlinesFromTheTimelineAndWhenTheyPass) {
  using ssvc::RemediationTimeline;
  EXPECT_EQ(RemediationDeadline(RemediationTimeline::kThreeDaysAndForensics, kNow), kNow + Days(3));
  EXPECT_EQ(RemediationDeadline(RemediationTimeline::kFourteenDays, kNow), kNow + Days(14));
  EXPECT_EQ(RemediationDeadline(RemediationTimeline::kSixtyDays, kNow), kNow + Days(60));
  EXPECT_FALSE(RemediationDeadline(RemediationTimeline::kOnSystemUpgrade, kNow).has_value());

  const Time deadline = kNow + Days(14);
  EXPECT_FALSE(IsOverdue(FindingState::kOpen, deadline, deadline - Seconds(1)));
  EXPECT_TRUE(IsOverdue(FindingState::kOpen, deadline, deadline));
  EXPECT_TRUE(IsOverdue(FindingState::kRiskAccepted, deadline, deadline + Days(1)));
  EXPECT_FALSE(IsOverdue(FindingState::kFixed, deadline, deadline + Days(1)));
  EXPECT_FALSE(IsOverdue(FindingState::kNotAffected, deadline, deadline + Days(1)));
  EXPECT_FALSE(IsOverdue(FindingState::kOpen, std::nullopt, deadline + Days(1)));
}

}  // namespace
}  // namespace bulwark::clearinghouse
