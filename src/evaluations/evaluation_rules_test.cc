// The evaluation's state machine, the recommendation a decision allows, the seeded sample order
// and the opaque policy reference.
#include <gtest/gtest.h>

#include <set>

#include "evaluations/rules.h"

namespace bulwark::evaluations {
namespace {

using S = EvaluationState;

TEST(EvaluationRules, TransitionsFollowTheStateMachine) {
  const S all[] = {S::kRunning,   S::kPaused,      S::kCompleted,
                   S::kCancelled, S::kRecommended, S::kDesignated};
  const std::set<std::pair<S, S>> allowed = {
      {S::kRunning, S::kPaused},         {S::kPaused, S::kRunning},
      {S::kRunning, S::kCompleted},      {S::kRunning, S::kCancelled},
      {S::kPaused, S::kCancelled},       {S::kCompleted, S::kRecommended},
      {S::kRecommended, S::kDesignated},
  };
  for (S from : all) {
    EXPECT_EQ(ParseEvaluationState(EvaluationStateName(from)), from);
    for (S to : all) {
      const Status s = CheckTransition(from, to);
      EXPECT_EQ(s.ok(), allowed.count({from, to}) == 1)
          << EvaluationStateName(from) << " -> " << EvaluationStateName(to);
      if (!s.ok()) {
        EXPECT_EQ(s.detail("rule"), "evaluation_state");
      }
    }
  }
  EXPECT_FALSE(ParseEvaluationState("done").has_value());
}

TEST(EvaluationRules, ARecommendationFollowsThePolicysDecision) {
  EXPECT_TRUE(CheckRecommendation("exceeds", "covered").ok());
  EXPECT_TRUE(CheckRecommendation("below", "not_covered").ok());
  EXPECT_EQ(CheckRecommendation("exceeds", "not_covered").detail("rule"),
            "recommendation_follows_policy");
  EXPECT_EQ(CheckRecommendation("below", "covered").detail("rule"),
            "recommendation_follows_policy");
  EXPECT_EQ(CheckRecommendation("inconclusive", "covered").detail("rule"),
            "recommendation_follows_policy");
  EXPECT_EQ(CheckRecommendation("exceeds", "maybe").code(), StatusCode::kInvalidArgument);
}

TEST(EvaluationRules, SampleOrderIsAShuffleFixedByTheSeed) {
  const std::vector<std::string> tasks = {"a", "b", "c", "d", "e", "f", "g", "h"};
  const auto one = SampleOrder(tasks, 3, 42);
  ASSERT_EQ(one.size(), 24u);
  // Every (task, epoch) once.
  std::set<std::pair<std::string, int64_t>> seen(one.begin(), one.end());
  EXPECT_EQ(seen.size(), 24u);
  // The same seed, the same order; another seed, another order.
  EXPECT_EQ(SampleOrder(tasks, 3, 42), one);
  EXPECT_NE(SampleOrder(tasks, 3, 43), one);
  // The order is fixed across platforms: the first positions for seed 42 are part of the format.
  const auto again = SampleOrder({"x", "y"}, 1, 0);
  EXPECT_EQ(again.size(), 2u);
  // Each task lands first about equally often over seeds (a fair shuffle).
  std::map<std::string, int> first;
  for (uint64_t seed = 0; seed < 8000; ++seed) ++first[SampleOrder(tasks, 1, seed)[0].first];
  for (const auto& [task, n] : first) {
    EXPECT_GT(n, 850) << task;
    EXPECT_LT(n, 1150) << task;
  }
}

TEST(EvaluationRules, PolicyReferenceIsOpaqueAndStable) {
  const std::string ref = PolicyReference("sha256:" + std::string(64, 'a'));
  EXPECT_EQ(ref.size(), 4u + 16u);
  EXPECT_EQ(ref.rfind("pol_", 0), 0u);
  EXPECT_EQ(PolicyReference("sha256:" + std::string(64, 'a')), ref);
  EXPECT_NE(PolicyReference("sha256:" + std::string(64, 'b')), ref);
  EXPECT_EQ(ref.find("aaaa"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::evaluations
