// Statistics of a run's samples that hold up at small n: per-task pass rates, the suite's pass
// rate with a standard error clustered by task, one-sided bounds, unbiased pass@k, breakdowns
// and a paired comparison of two runs. Every figure says its n (tasks and samples), its epochs,
// its method and its level.
//
// Tasks, not samples, are the unit: the suite's pass rate is the mean of the per-task means, so
// a task run for more epochs weighs no more than another, and its standard error is the spread
// of the task means (epochs of one task are not independent draws). Samples that ended in an
// infrastructure error are not the model's: they are left out everywhere.
//
// One-sided bounds at a confidence level (0.95: the true rate lies above the lower bound with
// probability at least 95%):
//   - each task run once: exact Clopper–Pearson on (passes, tasks), from the beta distribution's
//     quantiles;
//   - some task run more than once: Clopper–Pearson at the effective number of tasks, the Kish
//     design effect n_eff = p (1 - p) / SE^2 from the clustered standard error, never more than
//     the number of tasks (epochs sharpen a task's mean, they add no tasks), and the number of
//     tasks when the task means do not vary; the passes are p * n_eff.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "evals/run_log.h"

namespace bulwark::evals::stats {

// The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1].
double RegularizedBeta(double x, double a, double b);
// Its inverse in x: the p-quantile of Beta(a, b), for p in [0, 1].
double BetaQuantile(double p, double a, double b);

// Exact one-sided Clopper–Pearson bounds for `passes` of `n` Bernoulli trials at `level`
// (in (0, 1)); `passes` may be fractional (an effective count). 0 and 1 at the ends.
double ClopperPearsonLower(double passes, double n, double level);
double ClopperPearsonUpper(double passes, double n, double level);

// The unbiased estimator of pass@k from n samples of which c passed (Chen et al., 2021):
// 1 - C(n - c, k) / C(n, k). REQUIRES: 0 <= c <= n, 1 <= k <= n.
double PassAtK(int64_t n, int64_t c, int64_t k);

// One task's samples (infrastructure errors left out).
struct TaskRate {
  std::string task_id;
  int64_t samples = 0;
  int64_t passes = 0;
  double rate() const { return samples == 0 ? 0 : static_cast<double>(passes) / samples; }
};

// The tasks in the order first seen; tasks whose every sample was an infrastructure error are
// left out.
std::vector<TaskRate> PerTask(const std::vector<SampleSummary>& samples);

// The mean over the tasks with at least k samples of their unbiased pass@k, and how many such
// tasks there are.
std::pair<double, int64_t> MeanPassAtK(const std::vector<TaskRate>& tasks, int64_t k);

// The pass rate of a set of tasks, with how it was computed.
struct PassRate {
  int64_t tasks = 0;
  int64_t samples = 0;
  int64_t min_epochs = 0;  // the fewest samples a task has
  int64_t max_epochs = 0;
  double rate = 0;            // the mean of the per-task means
  double standard_error = 0;  // clustered by task; 0 with fewer than two tasks
  double level = 0.95;
  double lower = 0;  // one-sided bounds at `level`
  double upper = 1;
  double effective_tasks = 0;  // the n the bounds used
  std::string method;          // "clopper-pearson" or "clopper-pearson-design-effect"
};

// REQUIRES: level in (0, 1).
PassRate RateOf(const std::vector<TaskRate>& tasks, double level);

// The pass rate of each group of tasks (a category, a difficulty), groups in the order first
// seen; `group_of` gives a task's group ("" for none).
struct GroupRate {
  std::string group;
  PassRate rate;
};
std::vector<GroupRate> Breakdown(const std::vector<TaskRate>& tasks,
                                 const std::function<std::string(const std::string&)>& group_of,
                                 double level);

// Two runs on the same tasks: the mean over shared tasks of (b's rate - a's rate), its standard
// error clustered by task, and a two-sided interval at `level` from Student's t with tasks - 1
// degrees of freedom. Tasks only one run has are counted apart.
struct Comparison {
  int64_t shared_tasks = 0;
  int64_t only_a = 0;
  int64_t only_b = 0;
  double difference = 0;
  double standard_error = 0;
  double level = 0.95;
  double low = 0;
  double high = 0;
};
Comparison Compare(const std::vector<TaskRate>& a, const std::vector<TaskRate>& b, double level);

// The q-quantile of Student's t distribution with `df` degrees of freedom (df >= 1).
double StudentTQuantile(double q, double df);

// A time horizon in the manner of METR: a logistic fit of each task's success rate against
// log2 of the minutes a skilled person takes for it (`expected_human_minutes`), each task
// weighing one, with a weak ridge (kHorizonRidge) on the slope so that tasks that separate
// perfectly still fit; the horizon is where the fit crosses 50%, with a percentile interval
// from `resamples` bootstrap resamples of the tasks (seeded; resamples without both a pass and
// a failure have no crossing and are not counted). Undefined, saying why, with fewer than two
// task lengths, when every task passed or none did, or when success does not fall with length.
struct TimedTask {
  double minutes = 0;  // > 0
  double rate = 0;     // in [0, 1]
};
struct Horizon {
  bool defined = false;
  std::string why_not;
  int64_t tasks = 0;
  double intercept = 0;  // logit(success) = intercept + slope * log2(minutes)
  double slope = 0;
  double minutes = 0;  // the 50% horizon
  double level = 0.9;
  double low = 0;  // the bootstrap's (1 - level) / 2 and (1 + level) / 2 percentiles
  double high = 0;
  int resamples = 0;  // that gave a horizon
};
inline constexpr double kHorizonRidge = 1e-3;
Horizon TimeHorizon(const std::vector<TimedTask>& tasks, double level, int resamples,
                    uint64_t seed);

// How many tasks (one epoch each) an exact one-sided binomial test needs to tell a model whose
// true rate is `threshold` + `effect` above the threshold, and one at `threshold` - `effect`
// below it, each with probability at least `power`, while a model exactly at the threshold is
// called either way with probability at most `alpha`. The smallest such number (binomial
// power rises in a sawtooth, so a few more may occasionally fall short), with the pass counts
// that decide and the error rates they achieve. InvalidArgument for rates outside (0, 1).
struct Plan {
  int64_t tasks = 0;
  int64_t exceeds_at = 0;  // passes at or above this: exceeds
  int64_t below_at = 0;    // passes at or below this: below
  double alpha_above = 0;  // P(exceeds | at the threshold)
  double alpha_below = 0;  // P(below | at the threshold)
  double power_above = 0;  // P(exceeds | threshold + effect)
  double power_below = 0;  // P(below | threshold - effect)
};
StatusOr<Plan> PlanTasks(double threshold, double effect, double alpha, double power);

// An anytime-valid sequential test of a pass rate against a threshold θ, so that an evaluation
// may stop as soon as the answer is clear, looking after every sample, without inflating its
// error. Two mixture likelihood-ratio martingales over the samples so far (s passes, f failures):
//   against "p <= θ": M+ = ∫ q^s (1-q)^f dπ+(q) / (θ^s (1-θ)^f), π+ uniform on (θ, 1);
//   against "p >= θ": M- the same with π- uniform on (0, θ).
// Under any p <= θ each factor q/θ or (1-q)/(1-θ) with q > θ has mean at most 1, so M+ is a
// nonnegative supermartingale and, by Ville's inequality, reaches 2/α with probability at most
// α/2 ever; likewise M- under p >= θ. The call is exceeds when M+ reaches 2/α, below when M-
// does: a model at the threshold is called either way with probability at most α, one on
// either side called wrongly with at most α/2. The samples should come in an order shuffled by
// a recorded seed (tasks drawn at random).
enum class SequentialCall { kContinue, kExceeds, kBelow };
class SequentialTest {
 public:
  // REQUIRES: threshold and alpha in (0, 1).
  SequentialTest(double threshold, double alpha);
  double LogEvidenceAbove(int64_t passes, int64_t failures) const;  // log M+
  double LogEvidenceBelow(int64_t passes, int64_t failures) const;  // log M-
  SequentialCall Call(int64_t passes, int64_t failures) const;
  double threshold() const { return threshold_; }
  double alpha() const { return alpha_; }

 private:
  double threshold_;
  double alpha_;
  double log_bar_;  // log(2 / alpha)
};

}  // namespace bulwark::evals::stats
