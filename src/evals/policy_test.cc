// Threshold policies: parsing refuses what is missing, wrong or unknown, naming the field; the
// hash is of the bytes; decisions follow the bounds, the combination and the minimums, and an
// inconclusive one says how many tasks would likely settle it.
#include "evals/policy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/status_assertions.h"

namespace bulwark::evals {
namespace {

const std::string kHash = "sha256:" + std::string(64, 'a');

std::string PolicyYaml(const std::string& criteria, const std::string& extra = "") {
  return "id: cyber\nversion: 2\nsuites:\n  - name: s\n    hash: " + kHash + "\ncriteria:\n" +
         criteria + extra;
}

const std::string kOverall = "  - id: overall\n    metric: pass_rate\n    threshold: 0.5\n";

// A run of `tasks` tasks, one epoch each, `passes` of them passed.
RunLogContents RunOf(int tasks, int passes, int epochs = 1) {
  RunLogContents run;
  run.header.suite = "s";
  run.header.suite_hash = kHash;
  for (int t = 0; t < tasks; ++t) {
    for (int e = 1; e <= epochs; ++e) {
      SampleSummary s;
      s.task_id = "t" + std::to_string(t);
      s.epoch = e;
      s.passed = t < passes;
      run.latest.push_back(s);
    }
  }
  return run;
}

TEST(PolicyTest, ParsesAndHashesTheBytes) {
  ASSERT_OK_AND_ASSIGN(Policy p, ParsePolicy(PolicyYaml(kOverall)));
  EXPECT_EQ(p.id, "cyber");
  EXPECT_EQ(p.version, 2);
  ASSERT_EQ(p.criteria.size(), 1u);
  EXPECT_EQ(p.criteria[0].level, 0.95);
  EXPECT_FALSE(p.combine_all);
  EXPECT_TRUE(p.hash.starts_with("sha256:"));
  // A change, even of a comment, is another policy.
  ASSERT_OK_AND_ASSIGN(Policy commented, ParsePolicy(PolicyYaml(kOverall) + "# note\n"));
  EXPECT_NE(commented.hash, p.hash);
}

TEST(PolicyTest, RefusesWhatIsMissingWrongOrUnknownNamingTheField) {
  auto field = [](const std::string& yaml) {
    StatusOr<Policy> p = ParsePolicy(yaml);
    EXPECT_FALSE(p.ok()) << yaml;
    return p.ok() ? std::string() : p.status().detail("field").value_or(p.status().message());
  };
  EXPECT_EQ(field("version: 1\n"), "id");
  EXPECT_EQ(field(PolicyYaml(kOverall, "colour: blue\n")), "colour");
  EXPECT_EQ(field(PolicyYaml("  - id: a\n    metric: pass_rate\n    threshold: 1.5\n")),
            "criteria[0].threshold");
  EXPECT_EQ(field(PolicyYaml("  - id: a\n    metric: mean\n    threshold: 0.5\n")),
            "criteria[0].metric");
  EXPECT_EQ(field(PolicyYaml(kOverall + kOverall)), "criteria[1].id");
  EXPECT_EQ(field(PolicyYaml("  - id: a\n    metric: pass_rate\n    threshold: 0.5\n    "
                             "treshold: 0.6\n")),
            "criteria[0].treshold");
  EXPECT_EQ(field(PolicyYaml(kOverall, "combine: most\n")), "combine");
  EXPECT_EQ(field("id: x\nversion: 1\nsuites:\n  - name: s\n    hash: abc\ncriteria:\n" + kOverall),
            "suites[0].hash");
  EXPECT_FALSE(ParsePolicy("id: [unclosed").ok());
  EXPECT_FALSE(ParsePolicy("id: x\nversion: many\n").ok());
}

// A sequential policy takes samples in the run's order and stops at the first crossing; the
// samples after it are not used, and infrastructure errors are skipped.
TEST(PolicyTest, SequentialPolicyStopsAtTheFirstCrossing) {
  ASSERT_OK_AND_ASSIGN(Policy p, ParsePolicy(PolicyYaml(kOverall, "sequential: true\n")));
  EXPECT_TRUE(p.sequential);
  // Every sample passed: far above one half, decided long before the 200th.
  RunLogContents run = RunOf(200, 200);
  run.latest[1].infrastructure_error = true;
  run.latest[1].passed = false;
  ASSERT_OK_AND_ASSIGN(Decision d, Decide(p, run, nullptr));
  EXPECT_EQ(d.outcome, Outcome::kExceeds);
  EXPECT_TRUE(d.sequential);
  EXPECT_GT(d.samples_used, 3);
  EXPECT_LT(d.samples_used, 20);
  // The crossing is where the evidence first reaches 2/alpha = 40, not before.
  stats::SequentialTest test(0.5, 0.05);
  EXPECT_EQ(test.Call(d.samples_used, 0), stats::SequentialCall::kExceeds);
  EXPECT_EQ(test.Call(d.samples_used - 1, 0), stats::SequentialCall::kContinue);
  EXPECT_GE(d.criteria[0].log_evidence_above, std::log(40.0));
  EXPECT_EQ(d.criteria[0].rate.samples, d.samples_used);

  // Every sample failed: below.
  ASSERT_OK_AND_ASSIGN(d, Decide(p, RunOf(200, 0), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kBelow);

  // Passes and failures alternating at the threshold: no crossing, inconclusive.
  RunLogContents even = RunOf(40, 0);
  for (size_t i = 0; i < even.latest.size(); i += 2) even.latest[i].passed = true;
  ASSERT_OK_AND_ASSIGN(d, Decide(p, even, nullptr));
  EXPECT_EQ(d.outcome, Outcome::kInconclusive);
  EXPECT_EQ(d.samples_used, 40);
  EXPECT_NE(d.criteria[0].reason.find("neither evidence reached"), std::string::npos);
}

// The decider taken one sample at a time, a copy of it looking ahead now and then (as the
// evaluation service keeps one between samples), decides as DecideSequentially does over the
// whole run, to the letter; both stop at the first crossing (the test above).
TEST(PolicyTest, SequentialDeciderDecidesAsTheWholeRun) {
  const std::string two =
      kOverall + "  - id: strict\n    metric: pass_rate\n    threshold: 0.7\n    level: 0.9\n";
  for (const std::string combine : {"combine: any\n", "combine: all\n"}) {
    ASSERT_OK_AND_ASSIGN(Policy p, ParsePolicy(PolicyYaml(two, combine + "sequential: true\n")));
    for (int permille : {0, 300, 500, 640, 900}) {
      RunLogContents run = RunOf(30, 0, 20);
      for (size_t i = 0; i < run.latest.size(); ++i) {
        run.latest[i].passed = (i * 7919 + 13) % 1000 < static_cast<size_t>(permille);
        run.latest[i].infrastructure_error = i % 97 == 5;
      }
      ASSERT_OK_AND_ASSIGN(Decision whole, DecideSequentially(p, run.latest, nullptr));
      SequentialDecider decider(p, nullptr);
      size_t added = 0;
      for (const SampleSummary& sample : run.latest) {
        if (added % 50 == 0) {
          SequentialDecider ahead = decider;  // a look ahead leaves the original as it was
          ahead.Add(sample);
        }
        ++added;
        if (!decider.Add(sample)) break;
      }
      SCOPED_TRACE(combine + std::to_string(permille));
      if (decider.decided()) {
        // Samples after the decision are not used.
        const int64_t used = decider.samples_used();
        EXPECT_FALSE(decider.Add(run.latest.back()));
        EXPECT_EQ(decider.samples_used(), used);
      }
      const Decision one_by_one = decider.Finish(run.latest);
      EXPECT_EQ(one_by_one.outcome, whole.outcome);
      EXPECT_EQ(one_by_one.samples_used, whole.samples_used);
      EXPECT_EQ(one_by_one.reason, whole.reason);
      ASSERT_EQ(one_by_one.criteria.size(), whole.criteria.size());
      for (size_t i = 0; i < whole.criteria.size(); ++i) {
        EXPECT_EQ(one_by_one.criteria[i].outcome, whole.criteria[i].outcome);
        EXPECT_EQ(one_by_one.criteria[i].reason, whole.criteria[i].reason);
        EXPECT_EQ(one_by_one.criteria[i].rate.samples, whole.criteria[i].rate.samples);
        EXPECT_DOUBLE_EQ(one_by_one.criteria[i].rate.rate, whole.criteria[i].rate.rate);
        EXPECT_DOUBLE_EQ(one_by_one.criteria[i].log_evidence_above,
                         whole.criteria[i].log_evidence_above);
      }
      EXPECT_EQ(one_by_one.tasks_to_settle, whole.tasks_to_settle);
    }
  }
}

TEST(PolicyTest, DecidesByTheBoundsAgainstTheThreshold) {
  ASSERT_OK_AND_ASSIGN(Policy p, ParsePolicy(PolicyYaml(kOverall, "min_tasks: 10\n")));
  // 30 of 37 tasks: the lower bound is well above one half.
  ASSERT_OK_AND_ASSIGN(Decision d, Decide(p, RunOf(37, 30), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kExceeds);
  EXPECT_NE(d.criteria[0].reason.find("lower 95% bound"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(d, Decide(p, RunOf(37, 8), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kBelow);
  // 12 of 20: between the bounds, with a number of tasks that would likely settle it.
  ASSERT_OK_AND_ASSIGN(d, Decide(p, RunOf(20, 12), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kInconclusive);
  EXPECT_GT(d.tasks_to_settle, 20);
  // Too few tasks is inconclusive whatever the rate.
  ASSERT_OK_AND_ASSIGN(d, Decide(p, RunOf(5, 5), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kInconclusive);
  EXPECT_NE(d.criteria[0].reason.find("5 of the 10 tasks"), std::string::npos);
  // Another suite's run is refused.
  RunLogContents other = RunOf(37, 30);
  other.header.suite_hash = "sha256:" + std::string(64, 'b');
  EXPECT_EQ(Decide(p, other, nullptr).status().code(), StatusCode::kFailedPrecondition);
}

TEST(PolicyTest, CriteriaCombineAsThePolicySays) {
  const std::string two = kOverall + "  - id: strict\n    metric: pass_rate\n    threshold: 0.95\n";
  ASSERT_OK_AND_ASSIGN(Policy any, ParsePolicy(PolicyYaml(two)));
  ASSERT_OK_AND_ASSIGN(Policy all, ParsePolicy(PolicyYaml(two, "combine: all\n")));
  // 30 of 37 exceeds 0.5, and is below 0.95 (its upper bound, 0.91, is under it).
  ASSERT_OK_AND_ASSIGN(Decision d, Decide(any, RunOf(37, 30), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kExceeds);
  EXPECT_EQ(d.criteria[1].outcome, Outcome::kBelow);
  ASSERT_OK_AND_ASSIGN(d, Decide(all, RunOf(37, 30), nullptr));
  EXPECT_EQ(d.outcome, Outcome::kBelow);
  // A subset by category needs the suite.
  ASSERT_OK_AND_ASSIGN(
      Policy web,
      ParsePolicy(PolicyYaml("  - id: web\n    metric: pass_rate\n    threshold: 0.5\n    "
                             "categories: [web]\n")));
  EXPECT_EQ(Decide(web, RunOf(37, 30), nullptr).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace bulwark::evals
