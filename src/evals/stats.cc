#include "evals/stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <unordered_map>

namespace bulwark::evals::stats {
namespace {

// The continued fraction of I_x(a, b) (its even and odd steps), evaluated by Lentz's method;
// converges fast for x < (a + 1) / (a + b + 2).
double BetaFraction(double x, double a, double b) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-15;
  auto guard = [](double v) { return std::fabs(v) < kTiny ? kTiny : v; };
  double c = 1;
  double d = 1 / guard(1 - (a + b) * x / (a + 1));
  double f = d;
  for (int m = 1; m <= 100000; ++m) {
    const double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    f *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const double step = d * c;
    f *= step;
    if (std::fabs(step - 1) < kEpsilon) break;
  }
  return f;
}

// P(X >= x) and P(X <= x) for X ~ Binomial(n, p).
double UpperTail(int64_t x, int64_t n, double p) {
  if (x <= 0) return 1;
  if (x > n) return 0;
  return RegularizedBeta(p, static_cast<double>(x), static_cast<double>(n - x + 1));
}

double LowerTail(int64_t x, int64_t n, double p) {
  if (x < 0) return 0;
  if (x >= n) return 1;
  return RegularizedBeta(1 - p, static_cast<double>(n - x), static_cast<double>(x + 1));
}

struct Fit {
  bool ok = false;
  double intercept = 0;
  double slope = 0;
};

// Maximizes sum(r log p + (1 - r) log(1 - p)) - ridge slope^2 / 2 over the points
// (log2 minutes, rate), p = 1 / (1 + exp(-(intercept + slope x))), by Newton's method with the
// step bounded.
Fit FitLogistic(const std::vector<std::pair<double, double>>& points) {
  Fit fit;
  double mean = 0;
  for (const auto& [x, r] : points) mean += r;
  mean = std::clamp(mean / points.size(), 0.01, 0.99);
  fit.intercept = std::log(mean / (1 - mean));
  for (int iteration = 0; iteration < 200; ++iteration) {
    double g0 = 0, g1 = -kHorizonRidge * fit.slope;
    double h00 = 0, h01 = 0, h11 = kHorizonRidge;
    for (const auto& [x, r] : points) {
      const double p = 1 / (1 + std::exp(-(fit.intercept + fit.slope * x)));
      const double w = std::max(p * (1 - p), 1e-12);
      g0 += r - p;
      g1 += (r - p) * x;
      h00 += w;
      h01 += w * x;
      h11 += w * x * x;
    }
    const double det = h00 * h11 - h01 * h01;
    if (!(det > 0)) return fit;
    double d0 = (h11 * g0 - h01 * g1) / det;
    double d1 = (h00 * g1 - h01 * g0) / det;
    const double largest = std::max(std::fabs(d0), std::fabs(d1));
    if (largest > 4) {
      d0 *= 4 / largest;
      d1 *= 4 / largest;
    }
    fit.intercept += d0;
    fit.slope += d1;
    if (largest < 1e-10) break;
  }
  fit.ok = std::isfinite(fit.intercept) && std::isfinite(fit.slope);
  return fit;
}

}  // namespace

double RegularizedBeta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // x^a (1 - x)^b / (a B(a, b)), in logarithms.
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * BetaFraction(x, a, b) / a;
  return 1 - front * BetaFraction(1 - x, b, a) / b;
}

double BetaQuantile(double p, double a, double b) {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // I_x(a, b) rises with x: bisection, to the last bit that changes.
  double low = 0, high = 1;
  for (int i = 0; i < 200; ++i) {
    const double mid = (low + high) / 2;
    if (mid <= low || mid >= high) break;
    (RegularizedBeta(mid, a, b) < p ? low : high) = mid;
  }
  return (low + high) / 2;
}

double ClopperPearsonLower(double passes, double n, double level) {
  if (passes <= 0 || n <= 0) return 0;
  return BetaQuantile(1 - level, passes, n - passes + 1);
}

double ClopperPearsonUpper(double passes, double n, double level) {
  if (n <= 0 || passes >= n) return 1;
  return BetaQuantile(level, passes + 1, n - passes);
}

double PassAtK(int64_t n, int64_t c, int64_t k) {
  if (n - c < k) return 1;
  // C(n - c, k) / C(n, k) = prod over i in (n - c, n] of (1 - k / i).
  double none = 1;
  for (int64_t i = n - c + 1; i <= n; ++i) none *= 1 - static_cast<double>(k) / i;
  return 1 - none;
}

std::pair<double, int64_t> MeanPassAtK(const std::vector<TaskRate>& tasks, int64_t k) {
  double sum = 0;
  int64_t counted = 0;
  for (const TaskRate& t : tasks) {
    if (t.samples < k) continue;
    sum += PassAtK(t.samples, t.passes, k);
    ++counted;
  }
  return {counted == 0 ? 0 : sum / counted, counted};
}

std::vector<TaskRate> PerTask(const std::vector<SampleSummary>& samples) {
  std::vector<TaskRate> tasks;
  std::unordered_map<std::string, size_t> index;
  for (const SampleSummary& s : samples) {
    if (s.infrastructure_error) continue;
    auto [it, added] = index.try_emplace(s.task_id, tasks.size());
    if (added) tasks.push_back({s.task_id, 0, 0});
    TaskRate& t = tasks[it->second];
    ++t.samples;
    if (s.passed) ++t.passes;
  }
  return tasks;
}

PassRate RateOf(const std::vector<TaskRate>& tasks, double level) {
  PassRate r;
  r.level = level;
  double sum = 0;
  for (const TaskRate& t : tasks) {
    if (t.samples == 0) continue;
    ++r.tasks;
    r.samples += t.samples;
    r.min_epochs = r.tasks == 1 ? t.samples : std::min(r.min_epochs, t.samples);
    r.max_epochs = std::max(r.max_epochs, t.samples);
    sum += t.rate();
  }
  if (r.tasks == 0) {
    r.method = "none";
    return r;
  }
  r.rate = sum / r.tasks;
  if (r.tasks > 1) {
    double squares = 0;
    for (const TaskRate& t : tasks) {
      if (t.samples > 0) squares += (t.rate() - r.rate) * (t.rate() - r.rate);
    }
    r.standard_error = std::sqrt(squares / (r.tasks * (r.tasks - 1.0)));
  }
  const double n = static_cast<double>(r.tasks);
  if (r.max_epochs == 1) {
    r.method = "clopper-pearson";
    r.effective_tasks = n;
  } else {
    r.method = "clopper-pearson-design-effect";
    const double variance = r.standard_error * r.standard_error;
    r.effective_tasks = variance > 0 ? std::clamp(r.rate * (1 - r.rate) / variance, 1.0, n) : n;
  }
  const double passes = r.rate * r.effective_tasks;
  r.lower = ClopperPearsonLower(passes, r.effective_tasks, level);
  r.upper = ClopperPearsonUpper(passes, r.effective_tasks, level);
  return r;
}

std::vector<GroupRate> Breakdown(const std::vector<TaskRate>& tasks,
                                 const std::function<std::string(const std::string&)>& group_of,
                                 double level) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<TaskRate>> groups;
  for (const TaskRate& t : tasks) {
    const std::string group = group_of(t.task_id);
    auto [it, added] = groups.try_emplace(group);
    if (added) order.push_back(group);
    it->second.push_back(t);
  }
  std::vector<GroupRate> out;
  out.reserve(order.size());
  for (const std::string& group : order) out.push_back({group, RateOf(groups[group], level)});
  return out;
}

double StudentTQuantile(double q, double df) {
  if (q == 0.5) return 0;
  if (q < 0.5) return -StudentTQuantile(1 - q, df);
  // P(T <= t) = 1 - I_{df / (df + t^2)}(df / 2, 1 / 2) / 2 for t >= 0; bisection on t.
  auto cdf = [df](double t) { return 1 - RegularizedBeta(df / (df + t * t), df / 2, 0.5) / 2; };
  double low = 0, high = 1;
  while (cdf(high) < q && high < 1e12) high *= 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = (low + high) / 2;
    if (mid <= low || mid >= high) break;
    (cdf(mid) < q ? low : high) = mid;
  }
  return (low + high) / 2;
}

Comparison Compare(const std::vector<TaskRate>& a, const std::vector<TaskRate>& b, double level) {
  Comparison c;
  c.level = level;
  std::unordered_map<std::string, const TaskRate*> in_a;
  for (const TaskRate& t : a) {
    if (t.samples > 0) in_a[t.task_id] = &t;
  }
  std::vector<double> differences;
  for (const TaskRate& t : b) {
    if (t.samples == 0) continue;
    auto it = in_a.find(t.task_id);
    if (it == in_a.end()) {
      ++c.only_b;
      continue;
    }
    differences.push_back(t.rate() - it->second->rate());
    in_a.erase(it);
  }
  c.only_a = static_cast<int64_t>(in_a.size());
  c.shared_tasks = static_cast<int64_t>(differences.size());
  if (differences.empty()) return c;
  double sum = 0;
  for (double d : differences) sum += d;
  c.difference = sum / differences.size();
  c.low = c.high = c.difference;
  if (differences.size() < 2) return c;
  double squares = 0;
  for (double d : differences) squares += (d - c.difference) * (d - c.difference);
  const double n = static_cast<double>(differences.size());
  c.standard_error = std::sqrt(squares / (n * (n - 1)));
  const double t = StudentTQuantile(1 - (1 - level) / 2, n - 1);
  c.low = c.difference - t * c.standard_error;
  c.high = c.difference + t * c.standard_error;
  return c;
}

Horizon TimeHorizon(const std::vector<TimedTask>& tasks, double level, int resamples,
                    uint64_t seed) {
  Horizon h;
  h.level = level;
  h.tasks = static_cast<int64_t>(tasks.size());
  std::vector<std::pair<double, double>> points;
  points.reserve(tasks.size());
  for (const TimedTask& t : tasks) points.emplace_back(std::log2(t.minutes), t.rate);
  auto horizon_of = [](const Fit& f) { return std::exp2(-f.intercept / f.slope); };
  const auto [shortest, longest] = std::minmax_element(
      points.begin(), points.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (points.size() < 2 || shortest->first == longest->first) {
    h.why_not = "the tasks need at least two different lengths (expected_human_minutes)";
    return h;
  }
  const bool any_pass = std::any_of(tasks.begin(), tasks.end(), [](auto& t) { return t.rate > 0; });
  const bool any_fail = std::any_of(tasks.begin(), tasks.end(), [](auto& t) { return t.rate < 1; });
  if (!any_fail) {
    h.why_not = "every task passed: the horizon lies beyond the longest task";
    return h;
  }
  if (!any_pass) {
    h.why_not = "no task passed: the horizon lies below the shortest task";
    return h;
  }
  const Fit fit = FitLogistic(points);
  if (!fit.ok || !(fit.slope < 0) || !std::isfinite(horizon_of(fit))) {
    h.why_not = "success does not fall as tasks get longer: no 50% crossing";
    return h;
  }
  h.defined = true;
  h.intercept = fit.intercept;
  h.slope = fit.slope;
  h.minutes = horizon_of(fit);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<size_t> pick(0, points.size() - 1);
  std::vector<double> horizons;
  std::vector<std::pair<double, double>> sample(points.size());
  for (int i = 0; i < resamples; ++i) {
    for (auto& point : sample) point = points[pick(random)];
    // A resample without both a pass and a failure has no crossing: not counted.
    bool passed = false, failed = false;
    for (const auto& [x, rate] : sample) {
      passed = passed || rate > 0;
      failed = failed || rate < 1;
    }
    if (!passed || !failed) continue;
    const Fit again = FitLogistic(sample);
    if (again.ok && again.slope < 0 && std::isfinite(horizon_of(again))) {
      horizons.push_back(horizon_of(again));
    }
  }
  h.resamples = static_cast<int>(horizons.size());
  if (horizons.empty()) {
    h.low = h.high = h.minutes;
    return h;
  }
  std::sort(horizons.begin(), horizons.end());
  auto percentile = [&](double q) {
    const double at = q * (horizons.size() - 1);
    return horizons[static_cast<size_t>(std::llround(at))];
  };
  h.low = percentile((1 - level) / 2);
  h.high = percentile((1 + level) / 2);
  return h;
}

StatusOr<Plan> PlanTasks(double threshold, double effect, double alpha, double power) {
  if (!(threshold > 0 && threshold < 1)) {
    return InvalidArgumentError("the threshold must be a pass rate between 0 and 1");
  }
  if (!(effect > 0 && threshold - effect > 0 && threshold + effect < 1)) {
    return InvalidArgumentError(
        "the effect must be above 0 and keep threshold - effect and threshold + effect between 0 "
        "and 1");
  }
  if (!(alpha > 0 && alpha < 0.5)) return InvalidArgumentError("alpha must be between 0 and 0.5");
  if (!(power > 0 && power < 1)) return InvalidArgumentError("power must be between 0 and 1");
  constexpr int64_t kMostTasks = 1000000;
  int64_t exceeds_at = 0, below_at = -1;
  for (int64_t n = 1; n <= kMostTasks; ++n) {
    // The fewest passes that a model at the threshold reaches with probability <= alpha, and
    // the most it stays under with probability <= alpha; both only grow with n.
    while (exceeds_at <= n && UpperTail(exceeds_at, n, threshold) > alpha) ++exceeds_at;
    while (below_at + 1 < n && LowerTail(below_at + 1, n, threshold) <= alpha) ++below_at;
    if (exceeds_at > n || below_at < 0) continue;
    const double above = UpperTail(exceeds_at, n, threshold + effect);
    const double below = LowerTail(below_at, n, threshold - effect);
    if (above >= power && below >= power) {
      return Plan{n,
                  exceeds_at,
                  below_at,
                  UpperTail(exceeds_at, n, threshold),
                  LowerTail(below_at, n, threshold),
                  above,
                  below};
    }
  }
  return InvalidArgumentError("more than " + std::to_string(kMostTasks) +
                              " tasks would be needed: choose a larger effect");
}

SequentialTest::SequentialTest(double threshold, double alpha)
    : threshold_(threshold), alpha_(alpha), log_bar_(std::log(2 / alpha)) {}

namespace {

double LogBeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// log I_x(a, b), in logarithms throughout: far in a tail I_x(a, b) is below the smallest double
// (a run of 60,000 samples at 0.42 against a threshold of 0.5 puts it near e^-800).
double LogRegularizedBeta(double x, double a, double b) {
  if (x <= 0) return -INFINITY;
  if (x >= 1) return 0;
  const double log_front = -LogBeta(a, b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return log_front + std::log(BetaFraction(x, a, b) / a);
  return std::log1p(-std::exp(log_front) * BetaFraction(1 - x, b, a) / b);
}

}  // namespace

// With the uniform prior on (θ, 1): ∫_θ^1 q^s (1-q)^f dq / (1 - θ) = B(s+1, f+1) (1 - I_θ(s+1,
// f+1)) / (1 - θ), and 1 - I_θ(a, b) = I_{1-θ}(b, a), computed so, without cancellation.
double SequentialTest::LogEvidenceAbove(int64_t passes, int64_t failures) const {
  const double a = static_cast<double>(passes) + 1, b = static_cast<double>(failures) + 1;
  return LogBeta(a, b) + LogRegularizedBeta(1 - threshold_, b, a) - std::log1p(-threshold_) -
         passes * std::log(threshold_) - failures * std::log1p(-threshold_);
}

double SequentialTest::LogEvidenceBelow(int64_t passes, int64_t failures) const {
  const double a = static_cast<double>(passes) + 1, b = static_cast<double>(failures) + 1;
  return LogBeta(a, b) + LogRegularizedBeta(threshold_, a, b) - std::log(threshold_) -
         passes * std::log(threshold_) - failures * std::log1p(-threshold_);
}

SequentialCall SequentialTest::Call(int64_t passes, int64_t failures) const {
  if (LogEvidenceAbove(passes, failures) >= log_bar_) return SequentialCall::kExceeds;
  if (LogEvidenceBelow(passes, failures) >= log_bar_) return SequentialCall::kBelow;
  return SequentialCall::kContinue;
}

}  // namespace bulwark::evals::stats
