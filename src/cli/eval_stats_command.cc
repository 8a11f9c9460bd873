// bulwark eval stats RUN_LOG: the statistics of a run (evals/stats.h), each figure with its n,
// epochs, method and level; with --suite, by category and difficulty and the time horizon;
// with --compare, the paired difference against another run of the same tasks.
// bulwark eval plan: how many tasks a threshold, an effect, alpha and power need.
// bulwark eval decide RUN_LOG --policy FILE: exceeds, below or inconclusive under a threshold
// policy (evals/policy.h), with every statistic it used.
//
// Exit status: 0, or 2 for a run log or suite that cannot be read (saying why).
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "evals/importers.h"
#include "evals/policy.h"
#include "evals/run_log.h"
#include "evals/stats.h"

namespace bulwark::cli {
namespace {

namespace json = boost::json;
namespace stats = evals::stats;

constexpr int kError = 2;

struct StatsOptions {
  std::string run_log;
  std::string suite;
  double level = 0.95;
  std::vector<int> k = {1};
  std::string format = "text";
  int resamples = 1000;
  uint64_t seed = 1;
  std::string compare;  // another run log, of the same tasks
};

struct DecideOptions {
  std::string run_log;
  std::string policy;
  std::string suite;
  std::string format = "text";
};

struct PlanOptions {
  double threshold = 0;
  double effect = 0;
  double alpha = 0.05;
  double power = 0.8;
  std::string format = "text";
};

int Error(std::string_view command, const Status& status) {
  std::cerr << "bulwark " << command << ": " << status.message() << "\n";
  return kError;
}

json::object RateJson(const stats::PassRate& r) {
  return {{"tasks", r.tasks},
          {"samples", r.samples},
          {"min_epochs", r.min_epochs},
          {"max_epochs", r.max_epochs},
          {"rate", r.rate},
          {"standard_error", r.standard_error},
          {"level", r.level},
          {"lower", r.lower},
          {"upper", r.upper},
          {"effective_tasks", r.effective_tasks},
          {"method", r.method}};
}

std::string RateText(const stats::PassRate& r) {
  char text[400];
  std::snprintf(text, sizeof text,
                "%.3f over %lld task%s (%lld samples, %lld to %lld epochs a task); one-sided "
                "%.0f%% bounds %.3f and %.3f (%s, n = %.1f); standard error %.3f, clustered by "
                "task",
                r.rate, static_cast<long long>(r.tasks), r.tasks == 1 ? "" : "s",
                static_cast<long long>(r.samples), static_cast<long long>(r.min_epochs),
                static_cast<long long>(r.max_epochs), r.level * 100, r.lower, r.upper,
                r.method.c_str(), r.effective_tasks, r.standard_error);
  return text;
}

int Stats(const StatsOptions& o) {
  constexpr std::string_view kCommand = "eval stats";
  StatusOr<evals::RunLogContents> log = evals::RunLog::Read(o.run_log);
  if (!log.ok()) return Error(kCommand, log.status());
  std::optional<evals::Suite> suite;
  if (!o.suite.empty()) {
    StatusOr<evals::ImportResult> imported = evals::LoadSuiteSpec(o.suite);
    if (!imported.ok()) return Error(kCommand, imported.status());
    suite = std::move(imported->suite);
    if (suite->ContentHash() != log->header.suite_hash) {
      return Error(kCommand, Status(StatusCode::kFailedPrecondition,
                                    "the run log is of suite content " + log->header.suite_hash +
                                        ", not " + suite->ContentHash() + " (" + o.suite + ")"));
    }
  }
  int64_t infrastructure = 0;
  for (const evals::SampleSummary& s : log->latest) infrastructure += s.infrastructure_error;
  const std::vector<stats::TaskRate> tasks = stats::PerTask(log->latest);
  const stats::PassRate overall = stats::RateOf(tasks, o.level);
  // This run against another on the same tasks: this run's rate minus the other's.
  std::optional<stats::Comparison> comparison;
  std::string compared_model;
  if (!o.compare.empty()) {
    StatusOr<evals::RunLogContents> other = evals::RunLog::Read(o.compare);
    if (!other.ok()) return Error(kCommand, other.status());
    compared_model = other->header.provider + "/" + other->header.model;
    comparison = stats::Compare(stats::PerTask(other->latest), tasks, o.level);
  }
  auto task_of = [&](const std::string& id) { return suite ? suite->Find(id) : nullptr; };
  std::vector<stats::GroupRate> categories, difficulties;
  stats::Horizon horizon;
  if (suite) {
    categories = stats::Breakdown(
        tasks, [&](const std::string& id) { return task_of(id) ? task_of(id)->category : ""; },
        o.level);
    difficulties = stats::Breakdown(
        tasks, [&](const std::string& id) { return task_of(id) ? task_of(id)->difficulty : ""; },
        o.level);
    std::vector<stats::TimedTask> timed;
    for (const stats::TaskRate& t : tasks) {
      const evals::Task* task = task_of(t.task_id);
      if (task == nullptr) continue;
      auto minutes = task->metadata.find("expected_human_minutes");
      if (minutes == task->metadata.end()) continue;
      char* end = nullptr;
      const double value = std::strtod(minutes->second.c_str(), &end);
      if (end != minutes->second.c_str() && value > 0) timed.push_back({value, t.rate()});
    }
    horizon = stats::TimeHorizon(timed, 0.9, o.resamples, o.seed);
  }

  if (o.format == "json") {
    json::object out{{"suite", log->header.suite},
                     {"suite_version", log->header.suite_version},
                     {"suite_hash", log->header.suite_hash},
                     {"provider", log->header.provider},
                     {"model", log->header.model},
                     {"epochs", log->header.epochs},
                     {"infrastructure_errors_left_out", infrastructure},
                     {"torn_records", log->torn_records},
                     {"pass_rate", RateJson(overall)}};
    json::array pass_at;
    for (int k : o.k) {
      auto [value, counted] = stats::MeanPassAtK(tasks, k);
      pass_at.push_back(json::object{{"k", k}, {"value", value}, {"tasks", counted}});
    }
    out["pass_at_k"] = std::move(pass_at);
    json::array per_task;
    for (const stats::TaskRate& t : tasks) {
      per_task.push_back(
          json::object{{"task", t.task_id}, {"samples", t.samples}, {"passes", t.passes}});
    }
    out["tasks"] = std::move(per_task);
    if (comparison) {
      out["comparison"] = json::object{{"run_log", o.compare},
                                       {"model", compared_model},
                                       {"shared_tasks", comparison->shared_tasks},
                                       {"only_this_run", comparison->only_b},
                                       {"only_other_run", comparison->only_a},
                                       {"difference", comparison->difference},
                                       {"standard_error", comparison->standard_error},
                                       {"level", comparison->level},
                                       {"low", comparison->low},
                                       {"high", comparison->high}};
    }
    if (suite) {
      for (const auto& [name, groups] :
           {std::pair{"by_category", &categories}, std::pair{"by_difficulty", &difficulties}}) {
        json::array list;
        for (const stats::GroupRate& g : *groups) {
          list.push_back(json::object{{"group", g.group}, {"pass_rate", RateJson(g.rate)}});
        }
        out[name] = std::move(list);
      }
      out["time_horizon"] = horizon.defined
                                ? json::value(json::object{{"minutes", horizon.minutes},
                                                           {"level", horizon.level},
                                                           {"low", horizon.low},
                                                           {"high", horizon.high},
                                                           {"intercept", horizon.intercept},
                                                           {"slope", horizon.slope},
                                                           {"tasks", horizon.tasks},
                                                           {"resamples", horizon.resamples},
                                                           {"seed", o.seed}})
                                : json::value(json::object{{"undefined", horizon.why_not}});
    }
    std::cout << json::serialize(out) << "\n";
    return 0;
  }
  std::printf("run of %s %s (%s) by %s/%s\n", log->header.suite.c_str(),
              log->header.suite_version.c_str(), log->header.suite_hash.c_str(),
              log->header.provider.c_str(), log->header.model.c_str());
  if (infrastructure > 0) {
    std::printf("  %lld samples ended in an infrastructure error: left out\n",
                static_cast<long long>(infrastructure));
  }
  if (log->torn_records > 0) std::printf("  a torn last record: left out\n");
  std::printf("pass rate: %s\n", RateText(overall).c_str());
  for (int k : o.k) {
    auto [value, counted] = stats::MeanPassAtK(tasks, k);
    std::printf("pass@%d: %.3f (unbiased, over the %lld tasks with at least %d sample%s)\n", k,
                value, static_cast<long long>(counted), k, k == 1 ? "" : "s");
  }
  for (const auto& [name, groups] :
       {std::pair{"category", &categories}, std::pair{"difficulty", &difficulties}}) {
    if (groups->empty()) continue;
    std::printf("by %s:\n", name);
    for (const stats::GroupRate& g : *groups) {
      std::printf("  %-16s %s\n", g.group.empty() ? "(none)" : g.group.c_str(),
                  RateText(g.rate).c_str());
    }
  }
  if (suite) {
    if (horizon.defined) {
      std::printf(
          "time horizon (50%%): %.1f minutes; %.0f%% bootstrap interval %.1f to %.1f "
          "(%d resamples of %lld tasks, seed %llu)\n",
          horizon.minutes, horizon.level * 100, horizon.low, horizon.high, horizon.resamples,
          static_cast<long long>(horizon.tasks), static_cast<unsigned long long>(o.seed));
    } else {
      std::printf("time horizon: none: %s\n", horizon.why_not.c_str());
    }
  }
  if (comparison) {
    std::printf(
        "against %s (%s): this run's rate minus its, over %lld shared tasks: %+.3f, "
        "two-sided %.0f%% interval %+.3f to %+.3f (Student's t, standard error %.3f "
        "clustered by task); tasks of one run only: %lld here, %lld there\n",
        o.compare.c_str(), compared_model.c_str(), static_cast<long long>(comparison->shared_tasks),
        comparison->difference, comparison->level * 100, comparison->low, comparison->high,
        comparison->standard_error, static_cast<long long>(comparison->only_b),
        static_cast<long long>(comparison->only_a));
  }
  return 0;
}

int DecideCommand(const DecideOptions& o) {
  constexpr std::string_view kCommand = "eval decide";
  StatusOr<evals::Policy> policy = evals::LoadPolicy(o.policy);
  if (!policy.ok()) return Error(kCommand, policy.status());
  StatusOr<evals::RunLogContents> log = evals::RunLog::Read(o.run_log);
  if (!log.ok()) return Error(kCommand, log.status());
  std::optional<evals::Suite> suite;
  if (!o.suite.empty()) {
    StatusOr<evals::ImportResult> imported = evals::LoadSuiteSpec(o.suite);
    if (!imported.ok()) return Error(kCommand, imported.status());
    suite = std::move(imported->suite);
  }
  StatusOr<evals::Decision> d = evals::Decide(*policy, *log, suite ? &*suite : nullptr);
  if (!d.ok()) return Error(kCommand, d.status());
  if (o.format == "json") {
    json::array criteria;
    for (const evals::CriterionResult& r : d->criteria) {
      json::object c{{"id", r.criterion.id},
                     {"metric", r.criterion.metric},
                     {"threshold", r.criterion.threshold},
                     {"decision", std::string(evals::OutcomeName(r.outcome))},
                     {"reason", r.reason},
                     {"pass_rate", RateJson(r.rate)}};
      if (d->sequential) {
        c["log_evidence_above"] = r.log_evidence_above;
        c["log_evidence_below"] = r.log_evidence_below;
      }
      criteria.push_back(std::move(c));
    }
    std::cout << json::serialize(
                     json::object{{"decision", std::string(evals::OutcomeName(d->outcome))},
                                  {"rule", d->reason},
                                  {"policy", json::object{{"id", policy->id},
                                                          {"version", policy->version},
                                                          {"hash", policy->hash}}},
                                  {"run", json::object{{"suite", log->header.suite},
                                                       {"suite_hash", log->header.suite_hash},
                                                       {"provider", log->header.provider},
                                                       {"model", log->header.model}}},
                                  {"criteria", std::move(criteria)},
                                  {"sequential", d->sequential},
                                  {"samples_used", d->samples_used},
                                  {"tasks_to_settle", d->tasks_to_settle}})
              << "\n";
    return 0;
  }
  std::printf("%s under policy %s version %lld (%s)\n",
              std::string(evals::OutcomeName(d->outcome)).c_str(), policy->id.c_str(),
              static_cast<long long>(policy->version), policy->hash.c_str());
  std::printf("  %s\n", d->reason.c_str());
  for (const evals::CriterionResult& r : d->criteria) {
    std::printf("  %s: %s: %s\n    %s\n", r.criterion.id.c_str(),
                std::string(evals::OutcomeName(r.outcome)).c_str(), r.reason.c_str(),
                RateText(r.rate).c_str());
  }
  if (d->outcome == evals::Outcome::kInconclusive && d->tasks_to_settle > 0) {
    std::printf(
        "about %lld tasks in all would likely settle it, if the rates stay as seen "
        "(bulwark eval plan)\n",
        static_cast<long long>(d->tasks_to_settle));
  }
  return 0;
}

int PlanCommand(const PlanOptions& o) {
  StatusOr<stats::Plan> plan = stats::PlanTasks(o.threshold, o.effect, o.alpha, o.power);
  if (!plan.ok()) return Error("eval plan", plan.status());
  if (o.format == "json") {
    std::cout << json::serialize(json::object{{"threshold", o.threshold},
                                              {"effect", o.effect},
                                              {"alpha", o.alpha},
                                              {"power", o.power},
                                              {"tasks", plan->tasks},
                                              {"exceeds_at", plan->exceeds_at},
                                              {"below_at", plan->below_at},
                                              {"alpha_above", plan->alpha_above},
                                              {"alpha_below", plan->alpha_below},
                                              {"power_above", plan->power_above},
                                              {"power_below", plan->power_below}})
              << "\n";
    return 0;
  }
  std::printf(
      "%lld tasks, one epoch each (exact binomial, one-sided):\n"
      "  exceeds with %lld passes or more, below with %lld or fewer, inconclusive between\n"
      "  a model at the threshold %.3f: called exceeds with probability %.4f, below with %.4f\n"
      "  a model at %.3f: called exceeds with probability %.4f\n"
      "  a model at %.3f: called below with probability %.4f\n"
      "More epochs sharpen each task's rate but add no tasks.\n",
      static_cast<long long>(plan->tasks), static_cast<long long>(plan->exceeds_at),
      static_cast<long long>(plan->below_at), o.threshold, plan->alpha_above, plan->alpha_below,
      o.threshold + o.effect, plan->power_above, o.threshold - o.effect, plan->power_below);
  return 0;
}

}  // namespace

void AddFormatOption(CLI::App& command, std::string* format) {
  command.add_option("--format", *format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

void AddEvalStatsCommands(CLI::App& eval, Actions& actions) {
  auto s = std::make_shared<StatsOptions>();
  CLI::App* stats_command =
      eval.add_subcommand("stats", "The statistics of a run log: pass rates with their bounds");
  stats_command->add_option("run_log", s->run_log, "The run log")->required();
  stats_command->add_option("--suite", s->suite,
                            "The run's suite, for rates by category and difficulty and the time "
                            "horizon");
  stats_command->add_option("--level", s->level, "The bounds' confidence level")
      ->check(CLI::Range(0.5, 0.9999))
      ->capture_default_str();
  stats_command->add_option("--k", s->k, "pass@k for these k")
      ->delimiter(',')
      ->check(CLI::Range(1, 1000));
  stats_command->add_option("--resamples", s->resamples, "Bootstrap resamples of the tasks")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  stats_command->add_option("--seed", s->seed, "The bootstrap's seed")->capture_default_str();
  stats_command->add_option("--compare", s->compare,
                            "Another run log of the same tasks: the paired difference of rates");
  AddFormatOption(*stats_command, &s->format);
  actions[stats_command] = [s] { return Stats(*s); };

  auto d = std::make_shared<DecideOptions>();
  CLI::App* decide = eval.add_subcommand(
      "decide", "Exceeds, below or inconclusive: a run log under a threshold policy");
  decide->add_option("run_log", d->run_log, "The run log")->required();
  decide->add_option("--policy", d->policy, "The threshold policy (YAML)")->required();
  decide->add_option("--suite", d->suite,
                     "The run's suite, when the policy selects tasks by category or difficulty");
  AddFormatOption(*decide, &d->format);
  actions[decide] = [d] { return DecideCommand(*d); };

  auto p = std::make_shared<PlanOptions>();
  CLI::App* plan = eval.add_subcommand(
      "plan", "How many tasks a threshold, an effect size, alpha and power need");
  plan->add_option("--threshold", p->threshold, "The policy's threshold pass rate")->required();
  plan->add_option("--effect", p->effect, "The distance from the threshold to tell apart, e.g. 0.1")
      ->required();
  plan->add_option("--alpha", p->alpha, "The chance of a wrong call at the threshold")
      ->capture_default_str();
  plan->add_option("--power", p->power, "The chance of the right call at threshold ± effect")
      ->capture_default_str();
  AddFormatOption(*plan, &p->format);
  actions[plan] = [p] { return PlanCommand(*p); };
}

}  // namespace bulwark::cli
