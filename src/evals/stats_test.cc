// The statistics against known values (computed with R 4.2: pbeta, qbeta, qt, binom.test),
// against R itself over a grid when Rscript is installed, and the one-sided bounds' coverage,
// exactly for one epoch per task and by a seeded simulation for several.
#include "evals/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

#include "testing/shell.h"
#include "testing/status_assertions.h"
#include "testing/temp_dir.h"

namespace bulwark::evals::stats {
namespace {

void ExpectRelative(double got, double want, double tolerance = 1e-12) {
  EXPECT_LE(std::fabs(got - want), tolerance * std::max(1.0, std::fabs(want)))
      << "got " << got << ", want " << want;
}

std::vector<TaskRate> Tasks(const std::vector<std::pair<int64_t, int64_t>>& passes_of) {
  std::vector<TaskRate> tasks;
  for (const auto& [passes, samples] : passes_of) {
    tasks.push_back({"t" + std::to_string(tasks.size()), samples, passes});
  }
  return tasks;
}

TEST(StatsTest, TheBetaFunctionAndItsQuantilesMatchR) {
  ExpectRelative(RegularizedBeta(0.3, 2, 5), 0.57982500000000015);
  ExpectRelative(RegularizedBeta(0.9, 0.5, 0.5), 0.79516723530086664);
  ExpectRelative(RegularizedBeta(0.001, 50, 3), 1.3234012750000185e-147, 1e-10);
  ExpectRelative(RegularizedBeta(0.5, 200, 210), 0.68948521342741631, 1e-10);
  EXPECT_EQ(RegularizedBeta(0, 2, 3), 0);
  EXPECT_EQ(RegularizedBeta(1, 2, 3), 1);
  ExpectRelative(BetaQuantile(0.05, 8, 14), 0.20574989875065308);
  ExpectRelative(BetaQuantile(0.025, 0.5, 2), 0.00027782923478409115, 1e-9);
  ExpectRelative(StudentTQuantile(0.975, 9), 2.2621571627982049, 1e-10);
  ExpectRelative(StudentTQuantile(0.95, 1), 6.3137515146750376, 1e-10);
  ExpectRelative(StudentTQuantile(0.995, 30), 2.7499956535672254, 1e-10);
  ExpectRelative(StudentTQuantile(0.9, 2.5), 1.7302509288071761, 1e-10);
  ExpectRelative(StudentTQuantile(0.025, 9), -2.2621571627982049, 1e-10);
}

TEST(StatsTest, ClopperPearsonBoundsMatchBinomTest) {
  // binom.test(7, 20) gives the two-sided 95% interval [0.1539092, 0.5921885]: each end is a
  // one-sided bound at 97.5%.
  ExpectRelative(ClopperPearsonLower(7, 20, 0.975), 0.15390920478454115, 1e-10);
  ExpectRelative(ClopperPearsonUpper(7, 20, 0.975), 0.59218853453282816, 1e-10);
  ExpectRelative(ClopperPearsonLower(7, 20, 0.95), 0.17731091757444914, 1e-10);
  ExpectRelative(ClopperPearsonUpper(7, 20, 0.95), 0.55803451131548865, 1e-10);
  EXPECT_EQ(ClopperPearsonLower(0, 20, 0.95), 0);
  EXPECT_EQ(ClopperPearsonUpper(20, 20, 0.95), 1);
  // With no pass, the upper bound is 1 - (1 - level)^(1/n): 0.05^(1/20) away from 1.
  ExpectRelative(ClopperPearsonUpper(0, 20, 0.95), 1 - std::pow(0.05, 1.0 / 20), 1e-10);
}

// Every one-sided bound at level L must fail to cover the true rate with probability at most
// 1 - L, whatever the rate: computed exactly over the binomial distribution.
TEST(StatsTest, ClopperPearsonCoversAtItsLevelExactly) {
  for (int n : {1, 5, 24, 60}) {
    std::vector<double> lower(n + 1), upper(n + 1);
    for (int x = 0; x <= n; ++x) {
      lower[x] = ClopperPearsonLower(x, n, 0.95);
      upper[x] = ClopperPearsonUpper(x, n, 0.95);
    }
    for (int i = 1; i < 200; ++i) {
      const double p = i / 200.0;
      double above = 0, below = 0;
      for (int x = 0; x <= n; ++x) {
        const double probability =
            std::exp(std::lgamma(n + 1) - std::lgamma(x + 1) - std::lgamma(n - x + 1) +
                     x * std::log(p) + (n - x) * std::log1p(-p));
        if (lower[x] > p) above += probability;
        if (upper[x] < p) below += probability;
      }
      EXPECT_LE(above, 0.05 + 1e-9) << "n " << n << ", p " << p;
      EXPECT_LE(below, 0.05 + 1e-9) << "n " << n << ", p " << p;
    }
  }
}

TEST(StatsTest, PassAtKIsTheUnbiasedEstimator) {
  EXPECT_DOUBLE_EQ(PassAtK(10, 3, 1), 0.3);
  EXPECT_NEAR(PassAtK(10, 3, 5), 1 - 21.0 / 252, 1e-15);  // 1 - C(7,5) / C(10,5)
  EXPECT_EQ(PassAtK(10, 8, 3), 1);                        // fewer than k failures
  EXPECT_EQ(PassAtK(10, 0, 3), 0);
  // Large n stays finite: 1 - C(900, 10) / C(1000, 10).
  double none = 1;
  for (int i = 0; i < 10; ++i) none *= (900.0 - i) / (1000.0 - i);
  EXPECT_NEAR(PassAtK(1000, 100, 10), 1 - none, 1e-12);
}

TEST(StatsTest, PerTaskLeavesOutInfrastructureErrors) {
  std::vector<SampleSummary> samples;
  auto add = [&](const std::string& task, bool passed, bool infrastructure = false) {
    SampleSummary s;
    s.task_id = task;
    s.passed = passed;
    s.infrastructure_error = infrastructure;
    samples.push_back(s);
  };
  add("b", true);
  add("a", false);
  add("b", false);
  add("b", false, true);
  add("c", false, true);
  const std::vector<TaskRate> tasks = PerTask(samples);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].task_id, "b");
  EXPECT_EQ(tasks[0].samples, 2);
  EXPECT_EQ(tasks[0].passes, 1);
  EXPECT_EQ(tasks[1].task_id, "a");
  EXPECT_EQ(tasks[1].samples, 1);
}

TEST(StatsTest, TheSuiteRateIsTheMeanOfTaskMeansWithAClusteredError) {
  // One epoch each: exact Clopper–Pearson on 7 of 20 tasks.
  std::vector<std::pair<int64_t, int64_t>> once(20, {0, 1});
  for (int i = 0; i < 7; ++i) once[i] = {1, 1};
  PassRate r = RateOf(Tasks(once), 0.95);
  EXPECT_EQ(r.method, "clopper-pearson");
  EXPECT_EQ(r.tasks, 20);
  EXPECT_EQ(r.samples, 20);
  EXPECT_DOUBLE_EQ(r.rate, 0.35);
  ExpectRelative(r.lower, 0.17731091757444914, 1e-10);
  ExpectRelative(r.upper, 0.55803451131548865, 1e-10);
  EXPECT_NEAR(r.standard_error, std::sqrt(0.35 * 0.65 / 19), 1e-15);
  // A task run ten times weighs as much as one run once: (1 + 0) / 2, not 10 / 11.
  r = RateOf(Tasks({{10, 10}, {0, 1}}), 0.95);
  EXPECT_DOUBLE_EQ(r.rate, 0.5);
  EXPECT_EQ(r.min_epochs, 1);
  EXPECT_EQ(r.max_epochs, 10);
  // Three epochs each, means 1, 0, 1, 0: SE^2 = 1/12, n_eff = 0.25 / (1/12) = 3 tasks.
  r = RateOf(Tasks({{3, 3}, {0, 3}, {3, 3}, {0, 3}}), 0.95);
  EXPECT_EQ(r.method, "clopper-pearson-design-effect");
  EXPECT_NEAR(r.standard_error, std::sqrt(1.0 / 12), 1e-15);
  EXPECT_NEAR(r.effective_tasks, 3, 1e-12);
  ExpectRelative(r.lower, 0.062412523857915063, 1e-10);  // qbeta(0.05, 1.5, 2.5)
  ExpectRelative(r.upper, 0.93758747614208493, 1e-10);   // qbeta(0.95, 2.5, 1.5)
  // Epochs add no tasks: identical task means give the number of tasks, not of samples.
  r = RateOf(Tasks({{1, 2}, {1, 2}, {1, 2}, {1, 2}}), 0.95);
  EXPECT_EQ(r.standard_error, 0);
  EXPECT_EQ(r.effective_tasks, 4);
  EXPECT_EQ(RateOf({}, 0.95).tasks, 0);
}

// Tasks of varied difficulty (true rates drawn from a beta distribution), each run for several
// epochs: the design-effect bounds miss the mean of the task rates no more often than their
// level allows (seeded; within the simulation's error).
TEST(StatsTest, TheDesignEffectBoundsCoverTheMeanOfTaskRates) {
  std::mt19937_64 random(20261203);
  for (const auto& [tasks, epochs, alpha, beta] :
       {std::tuple<int, int, double, double>{24, 5, 2, 3}, {12, 10, 0.5, 0.5}, {40, 3, 4, 1}}) {
    const double mean = alpha / (alpha + beta);
    std::gamma_distribution<double> ga(alpha), gb(beta);
    constexpr int kRuns = 4000;
    int above = 0, below = 0;
    for (int run = 0; run < kRuns; ++run) {
      std::vector<TaskRate> rates;
      for (int t = 0; t < tasks; ++t) {
        const double x = ga(random), y = gb(random);
        std::binomial_distribution<int64_t> passes(epochs, x / (x + y));
        rates.push_back({"t" + std::to_string(t), epochs, passes(random)});
      }
      const PassRate r = RateOf(rates, 0.95);
      if (r.lower > mean) ++above;
      if (r.upper < mean) ++below;
    }
    // 5% allowed, plus four standard errors of a 4,000-run estimate.
    const double slack = 0.05 + 4 * std::sqrt(0.05 * 0.95 / kRuns);
    EXPECT_LE(above / static_cast<double>(kRuns), slack) << tasks << " tasks, " << epochs;
    EXPECT_LE(below / static_cast<double>(kRuns), slack) << tasks << " tasks, " << epochs;
  }
}

TEST(StatsTest, BreakdownsAndPairedComparisons) {
  const std::vector<TaskRate> a = Tasks({{1, 1}, {0, 1}, {1, 1}, {0, 1}});
  const std::vector<GroupRate> groups = Breakdown(
      a, [](const std::string& id) { return id == "t0" || id == "t1" ? "web" : "crypto"; }, 0.9);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].group, "web");
  EXPECT_EQ(groups[0].rate.tasks, 2);
  EXPECT_DOUBLE_EQ(groups[0].rate.rate, 0.5);
  EXPECT_EQ(groups[0].rate.level, 0.9);
  // b passes t1 as well, and has a task a does not.
  std::vector<TaskRate> b = Tasks({{1, 1}, {1, 1}, {1, 1}, {0, 1}, {1, 1}});
  const Comparison c = Compare(a, b, 0.95);
  EXPECT_EQ(c.shared_tasks, 4);
  EXPECT_EQ(c.only_b, 1);
  EXPECT_EQ(c.only_a, 0);
  EXPECT_DOUBLE_EQ(c.difference, 0.25);
  // Differences 0, 1, 0, 0: SE = 0.25, t(0.975, 3) = 3.182446305284263.
  EXPECT_NEAR(c.standard_error, 0.25, 1e-15);
  EXPECT_NEAR(c.low, 0.25 - 3.182446305284263 * 0.25, 1e-9);
  EXPECT_NEAR(c.high, 0.25 + 3.182446305284263 * 0.25, 1e-9);
}

// P(X >= x) and P(X <= x) for Binomial(n, p), summed term by term (independently of the
// beta function the planner uses).
double Tail(int64_t n, double p, int64_t from, int64_t to) {
  double sum = 0;
  for (int64_t x = std::max<int64_t>(from, 0); x <= std::min(to, n); ++x) {
    sum += std::exp(std::lgamma(n + 1.0) - std::lgamma(x + 1.0) - std::lgamma(n - x + 1.0) +
                    x * std::log(p) + (n - x) * std::log1p(-p));
  }
  return sum;
}

TEST(StatsTest, ThePlannerGivesTheFewestTasksThatReachThePower) {
  for (const auto& [threshold, effect, alpha, power] :
       {std::tuple<double, double, double, double>{0.5, 0.2, 0.05, 0.8},
        {0.3, 0.1, 0.05, 0.9},
        {0.8, 0.15, 0.01, 0.8}}) {
    ASSERT_OK_AND_ASSIGN(Plan plan, PlanTasks(threshold, effect, alpha, power));
    const int64_t n = plan.tasks;
    EXPECT_NEAR(plan.alpha_above, Tail(n, threshold, plan.exceeds_at, n), 1e-9);
    EXPECT_NEAR(plan.alpha_below, Tail(n, threshold, 0, plan.below_at), 1e-9);
    EXPECT_LE(plan.alpha_above, alpha);
    EXPECT_LE(plan.alpha_below, alpha);
    EXPECT_GE(Tail(n, threshold + effect, plan.exceeds_at, n), power - 1e-9);
    EXPECT_GE(Tail(n, threshold - effect, 0, plan.below_at), power - 1e-9);
    // One task fewer cannot do it with any pass lines that keep alpha.
    bool fewer = false;
    for (int64_t up = 0; up <= n; ++up) {
      for (int64_t down = -1; down < up; ++down) {
        if (Tail(n - 1, threshold, up, n - 1) <= alpha &&
            Tail(n - 1, threshold, 0, down) <= alpha &&
            Tail(n - 1, threshold + effect, up, n - 1) >= power &&
            Tail(n - 1, threshold - effect, 0, down) >= power) {
          fewer = true;
        }
      }
    }
    EXPECT_FALSE(fewer) << n - 1 << " tasks would do";
  }
  // The normal approximation for 0.5 vs 0.7 at 5% and 80% says about 37 tasks.
  ASSERT_OK_AND_ASSIGN(Plan plan, PlanTasks(0.5, 0.2, 0.05, 0.8));
  EXPECT_GE(plan.tasks, 30);
  EXPECT_LE(plan.tasks, 45);
  EXPECT_EQ(PlanTasks(0.5, 0.6, 0.05, 0.8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanTasks(1.2, 0.1, 0.05, 0.8).status().code(), StatusCode::kInvalidArgument);
}

TEST(StatsTest, TheTimeHorizonIsWhereTheLogisticFitCrossesHalf) {
  // Success exactly 1 / (1 + 2^(log2 m - 4) ...): logit = 2 - 0.5 log2(m), crossing 50% at 16.
  std::vector<TimedTask> tasks;
  for (double minutes : {1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0}) {
    tasks.push_back({minutes, 1 / (1 + std::exp(-(2 - 0.5 * std::log2(minutes))))});
  }
  Horizon h = TimeHorizon(tasks, 0.9, 500, 7);
  ASSERT_TRUE(h.defined) << h.why_not;
  EXPECT_NEAR(h.slope, -0.5, 0.01);
  EXPECT_NEAR(h.intercept, 2, 0.05);
  EXPECT_NEAR(h.minutes, 16, 0.5);
  EXPECT_LE(h.low, h.minutes);
  EXPECT_GE(h.high, h.minutes);
  EXPECT_GT(h.resamples, 400);
  // Short tasks all passed and long ones all failed: still a horizon between them.
  h = TimeHorizon({{1, 1}, {2, 1}, {4, 1}, {30, 0}, {60, 0}, {120, 0}}, 0.9, 200, 7);
  ASSERT_TRUE(h.defined) << h.why_not;
  EXPECT_GT(h.minutes, 4);
  EXPECT_LT(h.minutes, 30);
  // The same seed gives the same interval.
  const Horizon again =
      TimeHorizon({{1, 1}, {2, 1}, {4, 1}, {30, 0}, {60, 0}, {120, 0}}, 0.9, 200, 7);
  EXPECT_EQ(again.low, h.low);
  EXPECT_EQ(again.high, h.high);
  // Undefined, saying why.
  EXPECT_FALSE(TimeHorizon({{5, 1}, {5, 0}}, 0.9, 10, 1).defined);
  h = TimeHorizon({{1, 1}, {10, 1}, {100, 1}}, 0.9, 10, 1);
  EXPECT_FALSE(h.defined);
  EXPECT_NE(h.why_not.find("beyond the longest"), std::string::npos);
  EXPECT_FALSE(TimeHorizon({{1, 0}, {10, 0}}, 0.9, 10, 1).defined);
  h = TimeHorizon({{1, 0}, {10, 0.5}, {100, 1}}, 0.9, 10, 1);
  EXPECT_FALSE(h.defined);
  EXPECT_NE(h.why_not.find("does not fall"), std::string::npos);
}

// The sequential test's evidence is exactly 1 before any sample, grows with passes against
// "at or below", and with failures against "at or above".
TEST(StatsTest, TheSequentialEvidenceIsAMixtureLikelihoodRatio) {
  const SequentialTest test(0.5, 0.05);
  EXPECT_NEAR(test.LogEvidenceAbove(0, 0), 0, 1e-12);
  EXPECT_NEAR(test.LogEvidenceBelow(0, 0), 0, 1e-12);
  // One pass: 2 ∫_{1/2}^1 q dq / (1/2) = 1.5.
  EXPECT_NEAR(std::exp(test.LogEvidenceAbove(1, 0)), 1.5, 1e-12);
  EXPECT_NEAR(std::exp(test.LogEvidenceBelow(1, 0)), 0.5, 1e-12);
  EXPECT_EQ(test.Call(0, 0), SequentialCall::kContinue);
  EXPECT_EQ(test.Call(30, 0), SequentialCall::kExceeds);
  EXPECT_EQ(test.Call(0, 30), SequentialCall::kBelow);
  EXPECT_EQ(test.Call(50, 50), SequentialCall::kContinue);
  // Far below the threshold the evidence for above it is about 1 / (failures - passes) (at 1/2,
  // the integrand near q = 1/2 is 2^-(s+f) e^(-2u(f-s))), though the tail probability inside it
  // is near e^-800: computed in logarithms, it stays finite.
  EXPECT_NEAR(test.LogEvidenceAbove(26000, 36000), -std::log(10000.0), 1e-2);
  EXPECT_NEAR(test.LogEvidenceBelow(36000, 26000), -std::log(10000.0), 1e-2);
}

// The simulation: at least 10,000 evaluations of models whose true pass rate is at, just below
// and just above the threshold (and far from it), each looking after every sample up to a
// budget; wrong decisions at most alpha (at the threshold any decision is wrong; below it,
// exceeds; above it, below). Seeded; the calls of each (passes, failures) are computed once.
TEST(StatsTest, SequentialDecisionsAreWrongAtMostAlphaOfTheTime) {
  constexpr double kAlpha = 0.05;
  constexpr int kBudget = 400;
  constexpr int kEvaluations = 10000;
  std::mt19937_64 random(20261203);
  for (double threshold : {0.5, 0.2}) {
    const SequentialTest test(threshold, kAlpha);
    std::vector<std::vector<SequentialCall>> calls(kBudget + 1);
    for (int passes = 0; passes <= kBudget; ++passes) {
      for (int failures = 0; passes + failures <= kBudget; ++failures) {
        calls[passes].push_back(test.Call(passes, failures));
      }
    }
    for (double rate :
         {threshold, threshold - 0.05, threshold + 0.05, threshold - 0.15, threshold + 0.15}) {
      std::bernoulli_distribution sample(rate);
      int wrong = 0, decided = 0;
      int64_t used = 0;
      for (int e = 0; e < kEvaluations; ++e) {
        int passes = 0, failures = 0;
        SequentialCall call = SequentialCall::kContinue;
        while (call == SequentialCall::kContinue && passes + failures < kBudget) {
          (sample(random) ? passes : failures) += 1;
          call = calls[passes][failures];
        }
        used += passes + failures;
        if (call != SequentialCall::kContinue) ++decided;
        if ((rate == threshold && call != SequentialCall::kContinue) ||
            (rate < threshold && call == SequentialCall::kExceeds) ||
            (rate > threshold && call == SequentialCall::kBelow)) {
          ++wrong;
        }
      }
      const double wrong_rate = wrong / static_cast<double>(kEvaluations);
      EXPECT_LE(wrong_rate, rate == threshold ? kAlpha : kAlpha / 2)
          << "threshold " << threshold << ", true rate " << rate;
      RecordProperty("threshold_" + std::to_string(threshold) + "_rate_" + std::to_string(rate),
                     std::to_string(wrong_rate) + " wrong, " + std::to_string(decided) +
                         " decided, " + std::to_string(used / kEvaluations) +
                         " samples on average");
      // Far from the threshold, nearly every evaluation decides, well before the budget.
      if (std::fabs(rate - threshold) > 0.1) {
        EXPECT_GT(decided, kEvaluations * 0.95) << threshold << " " << rate;
        EXPECT_LT(used / kEvaluations, kBudget / 2) << threshold << " " << rate;
      }
    }
  }
}

// Against R over a grid of counts and levels, when R is installed (scripts/install-deps.sh
// installs it for the version orderings).
TEST(StatsTest, AgreesWithROverAGrid) {
  std::string out;
  if (testing::RunShell("command -v Rscript", &out) != 0) {
    GTEST_SKIP() << "Rscript is not installed; the grid against R is not checked";
  }
  testing::TempDir dir;
  const std::string script = dir.path() + "/grid.R";
  FILE* f = std::fopen(script.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(
      "options(digits = 17)\n"
      "for (n in c(1, 2, 3, 7, 24, 100, 1000)) for (x in unique(round(seq(0, n, length.out = "
      "9))))\n"
      "  for (l in c(0.8, 0.9, 0.95, 0.99)) {\n"
      "    lo <- if (x == 0) 0 else qbeta(1 - l, x, n - x + 1)\n"
      "    hi <- if (x == n) 1 else qbeta(l, x + 1, n - x)\n"
      "    cat(n, x, l, lo, hi, qt(l, n), '\\n')\n"
      "  }\n",
      f);
  std::fclose(f);
  ASSERT_EQ(testing::RunShell("Rscript " + script, &out), 0) << out;
  std::istringstream lines(out);
  int checked = 0;
  double n, x, level, lower, upper, t;
  while (lines >> n >> x >> level >> lower >> upper >> t) {
    ExpectRelative(ClopperPearsonLower(x, n, level), lower, 1e-9);
    ExpectRelative(ClopperPearsonUpper(x, n, level), upper, 1e-9);
    ExpectRelative(StudentTQuantile(level, n), t, 1e-9);
    ++checked;
  }
  EXPECT_GT(checked, 150);
}

}  // namespace
}  // namespace bulwark::evals::stats
