#include "evals/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace bulwark::evals {
namespace {

Status Field(const std::string& field, const std::string& problem) {
  return Status(StatusCode::kInvalidArgument, "policy field " + field + ": " + problem,
                {{"field", field}});
}

// Refuses keys of `map` not in `known`: a policy is a contract, and a misspelt key must not be
// silently ignored.
Status OnlyKnown(const YAML::Node& map, const std::string& where,
                 std::initializer_list<std::string_view> known) {
  for (const auto& entry : map) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Field(where + key, "unknown field");
    }
  }
  return OkStatus();
}

StatusOr<std::vector<std::string>> Strings(const YAML::Node& node, const std::string& field) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) return Field(field, "must be a list");
  for (const YAML::Node& item : node) {
    if (!item.IsScalar() || item.as<std::string>().empty()) {
      return Field(field, "must list non-empty names");
    }
    out.push_back(item.as<std::string>());
  }
  return out;
}

StatusOr<Policy> Parse(const YAML::Node& root) {
  if (!root.IsMap()) return Field("(top)", "a policy is a YAML mapping");
  BW_RETURN_IF_ERROR(OnlyKnown(root, "",
                               {"id", "version", "description", "suites", "criteria", "combine",
                                "min_tasks", "min_epochs", "sequential"}));
  Policy p;
  if (!root["id"] || !root["id"].IsScalar() || root["id"].as<std::string>().empty()) {
    return Field("id", "is required");
  }
  p.id = root["id"].as<std::string>();
  if (!root["version"] || !root["version"].IsScalar()) return Field("version", "is required");
  p.version = root["version"].as<int64_t>();
  if (p.version < 1) return Field("version", "must be 1 or more");
  if (root["description"]) p.description = root["description"].as<std::string>();
  const YAML::Node suites = root["suites"];
  if (!suites || !suites.IsSequence() || suites.size() == 0) {
    return Field("suites", "must list at least one suite, by name and hash");
  }
  for (size_t i = 0; i < suites.size(); ++i) {
    const std::string where = "suites[" + std::to_string(i) + "].";
    if (!suites[i].IsMap()) return Field(where, "must be a mapping of name and hash");
    BW_RETURN_IF_ERROR(OnlyKnown(suites[i], where, {"name", "hash"}));
    PolicySuite s{suites[i]["name"] ? suites[i]["name"].as<std::string>() : "",
                  suites[i]["hash"] ? suites[i]["hash"].as<std::string>() : ""};
    if (s.name.empty()) return Field(where + "name", "is required");
    if (!s.hash.starts_with("sha256:") || s.hash.size() != 7 + 64) {
      return Field(where + "hash",
                   "must be the suite's content hash, sha256: and 64 hex digits "
                   "(bulwark eval validate prints it)");
    }
    p.suites.push_back(std::move(s));
  }
  const YAML::Node criteria = root["criteria"];
  if (!criteria || !criteria.IsSequence() || criteria.size() == 0) {
    return Field("criteria", "must list at least one criterion");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < criteria.size(); ++i) {
    const std::string where = "criteria[" + std::to_string(i) + "].";
    const YAML::Node c = criteria[i];
    if (!c.IsMap()) return Field(where, "must be a mapping");
    BW_RETURN_IF_ERROR(
        OnlyKnown(c, where, {"id", "metric", "threshold", "level", "categories", "difficulties"}));
    Criterion criterion;
    criterion.id = c["id"] ? c["id"].as<std::string>() : "";
    if (criterion.id.empty()) return Field(where + "id", "is required");
    if (!ids.insert(criterion.id).second) return Field(where + "id", "is used twice");
    criterion.metric = c["metric"] ? c["metric"].as<std::string>() : "";
    if (criterion.metric != "pass_rate") {
      return Field(where + "metric", "must be pass_rate (the mean of per-task means)");
    }
    if (!c["threshold"]) return Field(where + "threshold", "is required");
    criterion.threshold = c["threshold"].as<double>();
    if (!(criterion.threshold > 0 && criterion.threshold < 1)) {
      return Field(where + "threshold", "must be a pass rate between 0 and 1");
    }
    if (c["level"]) criterion.level = c["level"].as<double>();
    if (!(criterion.level >= 0.5 && criterion.level < 1)) {
      return Field(where + "level", "must be at least 0.5 and below 1");
    }
    BW_ASSIGN_OR_RETURN(criterion.categories, Strings(c["categories"], where + "categories"));
    BW_ASSIGN_OR_RETURN(criterion.difficulties, Strings(c["difficulties"], where + "difficulties"));
    p.criteria.push_back(std::move(criterion));
  }
  if (root["combine"]) {
    const std::string combine = root["combine"].as<std::string>();
    if (combine != "any" && combine != "all") return Field("combine", "must be any or all");
    p.combine_all = combine == "all";
  }
  if (root["min_tasks"]) p.min_tasks = root["min_tasks"].as<int64_t>();
  if (p.min_tasks < 1) return Field("min_tasks", "must be 1 or more");
  if (root["min_epochs"]) p.min_epochs = root["min_epochs"].as<int64_t>();
  if (p.min_epochs < 1) return Field("min_epochs", "must be 1 or more");
  if (root["sequential"]) p.sequential = root["sequential"].as<bool>();
  return p;
}

}  // namespace

bool CriterionSelects(const Criterion& c, const Task* task) {
  if (c.categories.empty() && c.difficulties.empty()) return true;
  if (task == nullptr) return false;
  auto in = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  return in(c.categories, task->category) && in(c.difficulties, task->difficulty);
}

namespace {

void Combine(const Policy& policy, Decision& d);
void SetTasksToSettle(const Policy& policy, Decision& d);

}  // namespace

StatusOr<Policy> ParsePolicy(std::string_view yaml) {
  StatusOr<Policy> policy = [&]() -> StatusOr<Policy> {
    try {
      return Parse(YAML::Load(std::string(yaml)));
    } catch (const YAML::Exception& e) {
      return Status(
          StatusCode::kInvalidArgument,
          std::string("the policy is not valid YAML or a field has the wrong type: ") + e.what());
    }
  }();
  if (!policy.ok()) return policy;
  policy->hash = ContentDigest(yaml);
  return policy;
}

StatusOr<Policy> LoadPolicy(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status(StatusCode::kNotFound, "cannot read the policy " + path);
  std::ostringstream text;
  text << file.rdbuf();
  StatusOr<Policy> policy = ParsePolicy(text.str());
  if (!policy.ok()) return policy.status().WithPrefix(path);
  return policy;
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kExceeds:
      return "exceeds";
    case Outcome::kBelow:
      return "below";
    case Outcome::kInconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

StatusOr<Decision> Decide(const Policy& policy, const RunLogContents& run, const Suite* suite) {
  const bool named = std::any_of(policy.suites.begin(), policy.suites.end(), [&](const auto& s) {
    return s.name == run.header.suite && s.hash == run.header.suite_hash;
  });
  if (!named) {
    return Status(StatusCode::kFailedPrecondition,
                  "the run is of suite " + run.header.suite + " (" + run.header.suite_hash +
                      "), which policy " + policy.id + " version " +
                      std::to_string(policy.version) + " does not name");
  }
  const bool subsets = std::any_of(policy.criteria.begin(), policy.criteria.end(), [](auto& c) {
    return !c.categories.empty() || !c.difficulties.empty();
  });
  if (suite != nullptr && suite->ContentHash() != run.header.suite_hash) {
    return Status(StatusCode::kFailedPrecondition,
                  "the suite given is not the run's: " + suite->ContentHash() + ", not " +
                      run.header.suite_hash);
  }
  if (subsets && suite == nullptr) {
    return Status(StatusCode::kFailedPrecondition,
                  "the policy selects tasks by category or difficulty: give the run's suite");
  }
  if (policy.sequential) return DecideSequentially(policy, run.latest, suite);
  const std::vector<stats::TaskRate> all = stats::PerTask(run.latest);
  Decision d;
  for (const Criterion& c : policy.criteria) {
    std::vector<stats::TaskRate> chosen;
    for (const stats::TaskRate& t : all) {
      if (CriterionSelects(c, suite == nullptr ? nullptr : suite->Find(t.task_id)))
        chosen.push_back(t);
    }
    CriterionResult r{c, stats::RateOf(chosen, c.level), Outcome::kInconclusive, ""};
    char text[200];
    if (r.rate.tasks < policy.min_tasks) {
      r.reason = "the run has " + std::to_string(r.rate.tasks) + " of the " +
                 std::to_string(policy.min_tasks) + " tasks the policy needs";
    } else if (r.rate.min_epochs < policy.min_epochs) {
      r.reason = "a task has " + std::to_string(r.rate.min_epochs) + " of the " +
                 std::to_string(policy.min_epochs) + " samples the policy needs";
    } else if (r.rate.lower > c.threshold) {
      r.outcome = Outcome::kExceeds;
      std::snprintf(text, sizeof text, "the lower %.0f%% bound %.4f is above the threshold %.4f",
                    c.level * 100, r.rate.lower, c.threshold);
      r.reason = text;
    } else if (r.rate.upper < c.threshold) {
      r.outcome = Outcome::kBelow;
      std::snprintf(text, sizeof text, "the upper %.0f%% bound %.4f is under the threshold %.4f",
                    c.level * 100, r.rate.upper, c.threshold);
      r.reason = text;
    } else {
      std::snprintf(text, sizeof text, "the threshold %.4f lies between the bounds %.4f and %.4f",
                    c.threshold, r.rate.lower, r.rate.upper);
      r.reason = text;
    }
    d.criteria.push_back(std::move(r));
  }
  Combine(policy, d);
  if (d.outcome == Outcome::kInconclusive) SetTasksToSettle(policy, d);
  return d;
}

namespace {

void Combine(const Policy& policy, Decision& d) {
  auto count = [&](Outcome o) {
    return std::count_if(d.criteria.begin(), d.criteria.end(),
                         [o](const CriterionResult& r) { return r.outcome == o; });
  };
  const auto n = static_cast<std::ptrdiff_t>(d.criteria.size());
  if (policy.combine_all) {
    d.outcome = count(Outcome::kExceeds) == n ? Outcome::kExceeds
                : count(Outcome::kBelow) > 0  ? Outcome::kBelow
                                              : Outcome::kInconclusive;
    d.reason = "all criteria must exceed; one below is enough for below";
  } else {
    d.outcome = count(Outcome::kExceeds) > 0  ? Outcome::kExceeds
                : count(Outcome::kBelow) == n ? Outcome::kBelow
                                              : Outcome::kInconclusive;
    d.reason = "one criterion exceeding is enough; below needs every criterion below";
  }
}

void SetTasksToSettle(const Policy& policy, Decision& d) {
  {
    // The most tasks any undecided criterion would likely need at the distance seen.
    for (const CriterionResult& r : d.criteria) {
      if (r.outcome != Outcome::kInconclusive) continue;
      const double distance = std::fabs(r.rate.rate - r.criterion.threshold);
      const double room = std::min(r.criterion.threshold, 1 - r.criterion.threshold);
      if (distance <= 0) continue;
      StatusOr<stats::Plan> plan = stats::PlanTasks(
          r.criterion.threshold, std::min(distance, room * 0.999), 1 - r.criterion.level, 0.8);
      if (plan.ok()) {
        d.tasks_to_settle = std::max({d.tasks_to_settle, plan->tasks, policy.min_tasks});
      }
    }
  }
}

}  // namespace

StatusOr<Decision> DecideSequentially(const Policy& policy,
                                      const std::vector<SampleSummary>& samples,
                                      const Suite* suite) {
  SequentialDecider decider(policy, suite);
  for (const SampleSummary& sample : samples) {
    if (!decider.Add(sample)) break;
  }
  return decider.Finish(samples);
}

SequentialDecider::SequentialDecider(const Policy& policy, const Suite* suite)
    : policy_(&policy),
      suite_(suite),
      passes_(policy.criteria.size(), 0),
      failures_(policy.criteria.size(), 0) {
  decision_.sequential = true;
  for (const Criterion& c : policy.criteria) {
    tests_.emplace_back(c.threshold, 1 - c.level);
    CriterionResult r;
    r.criterion = c;
    decision_.criteria.push_back(std::move(r));
  }
}

bool SequentialDecider::Add(const SampleSummary& sample) {
  if (decided()) return false;
  if (sample.infrastructure_error) return true;
  ++decision_.samples_used;
  const Task* task = suite_ == nullptr ? nullptr : suite_->Find(sample.task_id);
  char text[240];
  for (size_t i = 0; i < policy_->criteria.size(); ++i) {
    CriterionResult& r = decision_.criteria[i];
    if (r.outcome != Outcome::kInconclusive) continue;  // decided at its first crossing
    if (!CriterionSelects(r.criterion, task)) continue;
    (sample.passed ? passes_[i] : failures_[i]) += 1;
    const stats::SequentialCall call = tests_[i].Call(passes_[i], failures_[i]);
    if (call == stats::SequentialCall::kContinue) continue;
    r.outcome = call == stats::SequentialCall::kExceeds ? Outcome::kExceeds : Outcome::kBelow;
    std::snprintf(text, sizeof text,
                  "after %lld samples (%lld passed) the evidence that the rate is %s the "
                  "threshold %.4f reached 2/alpha = %.0f",
                  static_cast<long long>(passes_[i] + failures_[i]),
                  static_cast<long long>(passes_[i]),
                  r.outcome == Outcome::kExceeds ? "above" : "below", r.criterion.threshold,
                  2 / (1 - r.criterion.level));
    r.reason = text;
  }
  Combine(*policy_, decision_);
  return !decided();
}

Decision SequentialDecider::Finish(const std::vector<SampleSummary>& samples) const {
  Decision d = decision_;
  // Each criterion's rate is over the samples it selects among those used.
  std::vector<std::vector<SampleSummary>> seen(d.criteria.size());
  int64_t used = 0;
  for (const SampleSummary& sample : samples) {
    if (used == d.samples_used) break;
    if (sample.infrastructure_error) continue;
    ++used;
    const Task* task = suite_ == nullptr ? nullptr : suite_->Find(sample.task_id);
    for (size_t i = 0; i < d.criteria.size(); ++i) {
      if (CriterionSelects(d.criteria[i].criterion, task)) seen[i].push_back(sample);
    }
  }
  char text[240];
  for (size_t i = 0; i < d.criteria.size(); ++i) {
    CriterionResult& r = d.criteria[i];
    r.rate = stats::RateOf(stats::PerTask(seen[i]), r.criterion.level);
    r.log_evidence_above = tests_[i].LogEvidenceAbove(passes_[i], failures_[i]);
    r.log_evidence_below = tests_[i].LogEvidenceBelow(passes_[i], failures_[i]);
    if (r.outcome == Outcome::kInconclusive) {
      std::snprintf(text, sizeof text,
                    "after %lld samples (%lld passed) neither evidence reached 2/alpha = %.0f "
                    "(above: %.1f, below: %.1f)",
                    static_cast<long long>(passes_[i] + failures_[i]),
                    static_cast<long long>(passes_[i]), 2 / (1 - r.criterion.level),
                    std::exp(r.log_evidence_above), std::exp(r.log_evidence_below));
      r.reason = text;
    }
  }
  Combine(*policy_, d);
  d.reason += "; decided sequentially, samples taken in the run's order";
  if (d.outcome == Outcome::kInconclusive) SetTasksToSettle(*policy_, d);
  return d;
}

}  // namespace bulwark::evals
