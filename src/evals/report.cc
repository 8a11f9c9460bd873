#include "evals/report.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <tuple>
#include <unordered_map>

#include "base/text.h"

namespace bulwark::evals {
namespace {

namespace json = boost::json;

// The model's ends in the order docs/run-log.md lists them; others after, by name.
int EndRank(const std::string& end) {
  static const char* const kOrder[] = {"passed",       "wrong_answers", "message_limit",
                                       "token_limit",  "time_limit",    "provider_error",
                                       "sandbox_error"};
  for (int i = 0; i < static_cast<int>(std::size(kOrder)); ++i) {
    if (end.starts_with(kOrder[i])) return i;
  }
  return static_cast<int>(std::size(kOrder));
}

std::vector<EndCount> Sorted(const std::map<std::string, int64_t>& counts) {
  std::vector<EndCount> out;
  for (const auto& [end, n] : counts) out.push_back({end, n});
  std::stable_sort(out.begin(), out.end(), [](const EndCount& a, const EndCount& b) {
    return EndRank(a.end) < EndRank(b.end);
  });
  return out;
}

std::optional<double> MinutesOf(const Task* task) {
  if (task == nullptr) return std::nullopt;
  auto minutes = task->metadata.find("expected_human_minutes");
  if (minutes == task->metadata.end()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(minutes->second.c_str(), &end);
  if (end == minutes->second.c_str() || !(value > 0) || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string_view CallName(stats::SequentialCall call) {
  switch (call) {
    case stats::SequentialCall::kExceeds:
      return "exceeds";
    case stats::SequentialCall::kBelow:
      return "below";
    case stats::SequentialCall::kContinue:
      return "continue";
  }
  return "continue";
}

// The sequential test of criterion `c` over the samples it counts, in log order: the i-th
// sample's task is task_names[task[i]].
SequentialEvidence Sequential(const Criterion& c, const SampleIndex& index,
                              const std::vector<uint8_t>& infrastructure,
                              const std::function<const Task*(const std::string&)>& task_of,
                              size_t max_points) {
  SequentialEvidence e;
  e.criterion = c.id;
  e.threshold = c.threshold;
  e.alpha = std::round((1 - c.level) * 1e12) / 1e12;  // 0.05, not 0.050000000000000044
  e.log_bar = std::log(2 / e.alpha);
  const stats::SequentialTest test(e.threshold, e.alpha);
  std::vector<uint8_t> selected(index.task_names.size());
  for (size_t t = 0; t < selected.size(); ++t) {
    selected[t] = CriterionSelects(c, task_of(index.task_names[t])) ? 1 : 0;
  }
  std::vector<uint8_t> outcomes;
  outcomes.reserve(index.task.size());
  for (size_t i = 0; i < index.task.size(); ++i) {
    if (!infrastructure[i] && selected[index.task[i]]) outcomes.push_back(index.passed[i]);
  }
  e.samples = static_cast<int64_t>(outcomes.size());
  max_points = std::max<size_t>(max_points, 2);
  e.step = std::max<int64_t>(
      1, (e.samples + static_cast<int64_t>(max_points) - 2) / static_cast<int64_t>(max_points - 1));
  int64_t passes = 0;
  auto point = [&](int64_t n) {
    SequentialPoint p{n, passes, test.LogEvidenceAbove(passes, n - passes),
                      test.LogEvidenceBelow(passes, n - passes)};
    e.points.push_back(p);
    if (!e.first_call_at) {
      const stats::SequentialCall call = test.Call(passes, n - passes);
      if (call != stats::SequentialCall::kContinue) {
        e.first_call_at = p;
        e.first_call = call;
      }
    }
  };
  point(0);
  for (int64_t n = 1; n <= e.samples; ++n) {
    passes += outcomes[n - 1];
    if (n % e.step == 0 || n == e.samples) point(n);
  }
  e.passes = passes;
  e.call = test.Call(passes, e.samples - passes);
  return e;
}

}  // namespace

bool DifficultyBefore(const std::string& a, const std::string& b) {
  // (class, rank, name): words people use in order, then numbers, then other names, then none.
  auto key = [](const std::string& d) -> std::tuple<int, double, std::string> {
    if (d.empty()) return {3, 0, ""};
    static const char* const kWords[] = {"trivial",   "very easy", "very_easy", "easy",
                                         "medium",    "moderate",  "hard",      "very hard",
                                         "very_hard", "insane",    "expert"};
    std::string lower;
    for (char ch : d) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (int i = 0; i < static_cast<int>(std::size(kWords)); ++i) {
      if (lower == kWords[i]) return {0, i, d};
    }
    char* end = nullptr;
    const double value = std::strtod(d.c_str(), &end);
    if (end != d.c_str() && *end == '\0' && std::isfinite(value)) return {1, value, d};
    return {2, 0, d};
  };
  return key(a) < key(b);
}

StatusOr<Report> BuildReport(const RunLogContents& run, const Suite* suite, const Policy* policy,
                             const ReportOptions& options) {
  if (suite != nullptr && suite->ContentHash() != run.header.suite_hash) {
    return FailedPreconditionError("the run log is of suite content " + run.header.suite_hash +
                                   ", not " + suite->ContentHash() + " (the suite given, " +
                                   suite->name + " " + suite->version + ")");
  }
  Report r;
  r.options = options;
  r.header = run.header;
  r.header_length = run.header_length;
  if (suite != nullptr) {
    r.suite_name = suite->name;
    r.suite_version = suite->version;
    r.suite_tasks = static_cast<int64_t>(suite->tasks.size());
  }
  std::unordered_map<std::string_view, const Task*> tasks_by_id;
  if (suite != nullptr) {
    for (const Task& task : suite->tasks) tasks_by_id.emplace(task.id, &task);
  }
  const std::function<const Task*(const std::string&)> task_of = [&](const std::string& id) {
    auto it = tasks_by_id.find(id);
    return it == tasks_by_id.end() ? nullptr : it->second;
  };

  // The samples in the order the log recorded them.
  std::vector<const SampleSummary*> in_order;
  in_order.reserve(run.latest.size());
  for (const SampleSummary& s : run.latest) in_order.push_back(&s);
  auto by_offset = [](const SampleSummary* a, const SampleSummary* b) {
    return a->offset < b->offset;
  };
  // Already so unless a retry superseded a record.
  if (!std::is_sorted(in_order.begin(), in_order.end(), by_offset)) {
    std::stable_sort(in_order.begin(), in_order.end(), by_offset);
  }

  SampleCounts& counts = r.counts;
  counts.records = static_cast<int64_t>(run.records);
  counts.samples = static_cast<int64_t>(run.latest.size());
  counts.torn_records = static_cast<int64_t>(run.torn_records);
  std::unordered_map<std::string_view, int64_t> failed_ends;
  std::map<std::string, int64_t> failed, infrastructure;
  for (const SampleSummary& s : run.latest) {
    if (s.infrastructure_error) {
      ++counts.infrastructure_errors;
      ++infrastructure[s.error_kind.empty() ? s.end : s.end + "/" + s.error_kind];
    } else if (s.passed) {
      ++counts.passed;
    } else {
      ++counts.failed;
      ++failed_ends[s.end];
    }
  }
  for (const auto& [end, n] : failed_ends) failed[std::string(end)] = n;
  counts.failed_by_end = Sorted(failed);
  counts.infrastructure_by_kind = Sorted(infrastructure);

  const std::vector<stats::TaskRate> tasks = stats::PerTask(run.latest);
  r.pass_rate = stats::RateOf(tasks, options.level);
  for (int k : options.k) {
    auto [value, counted] = stats::MeanPassAtK(tasks, k);
    r.pass_at_k.push_back({k, value, counted});
  }

  // Per task: the suite's order, then any task the suite does not have.
  std::unordered_map<std::string, const stats::TaskRate*> rate_of;
  for (const stats::TaskRate& t : tasks) rate_of.emplace(t.task_id, &t);
  auto add_row = [&](const stats::TaskRate& t, const Task* task) {
    TaskRow row;
    row.task_id = t.task_id;
    if (task != nullptr) {
      row.name = task->name;
      row.category = task->category;
      row.difficulty = task->difficulty;
      row.minutes = MinutesOf(task);
    }
    row.samples = t.samples;
    row.passes = t.passes;
    row.rate = t.rate();
    row.lower = stats::ClopperPearsonLower(static_cast<double>(t.passes),
                                           static_cast<double>(t.samples), options.level);
    row.upper = stats::ClopperPearsonUpper(static_cast<double>(t.passes),
                                           static_cast<double>(t.samples), options.level);
    r.tasks.push_back(std::move(row));
  };
  if (suite != nullptr) {
    for (const Task& task : suite->tasks) {
      auto it = rate_of.find(task.id);
      if (it == rate_of.end()) {
        ++counts.tasks_without_samples;
      } else {
        add_row(*it->second, &task);
      }
    }
  }
  for (const stats::TaskRate& t : tasks) {
    if (task_of(t.task_id) == nullptr) add_row(t, nullptr);
  }

  if (suite != nullptr) {
    r.by_category = stats::Breakdown(
        tasks, [&](const std::string& id) { return task_of(id) ? task_of(id)->category : ""; },
        options.level);
    std::stable_sort(r.by_category.begin(), r.by_category.end(),
                     [](const stats::GroupRate& a, const stats::GroupRate& b) {
                       return std::make_pair(a.group.empty(), a.group) <
                              std::make_pair(b.group.empty(), b.group);
                     });
    r.by_difficulty = stats::Breakdown(
        tasks, [&](const std::string& id) { return task_of(id) ? task_of(id)->difficulty : ""; },
        options.level);
    std::stable_sort(r.by_difficulty.begin(), r.by_difficulty.end(),
                     [](const stats::GroupRate& a, const stats::GroupRate& b) {
                       return DifficultyBefore(a.group, b.group);
                     });
    HorizonReport horizon;
    horizon.seed = options.seed;
    std::vector<stats::TimedTask> timed;
    for (const TaskRow& row : r.tasks) {
      if (!row.minutes) continue;
      timed.push_back({*row.minutes, row.rate});
      horizon.points.push_back({row.task_id, *row.minutes, row.rate, row.samples});
    }
    horizon.horizon =
        stats::TimeHorizon(timed, options.horizon_level, options.resamples, options.seed);
    r.horizon = std::move(horizon);
  }

  // The sample index, in log order.
  SampleIndex& index = r.samples;
  std::unordered_map<std::string, uint32_t> task_number;
  std::unordered_map<std::string, uint16_t> end_number;
  const size_t n = in_order.size();
  index.task.reserve(n);
  index.epoch.reserve(n);
  index.end.reserve(n);
  index.passed.reserve(n);
  index.offset.reserve(n);
  index.length.reserve(n);
  for (const SampleSummary* s : in_order) {
    auto [task, new_task] =
        task_number.try_emplace(s->task_id, static_cast<uint32_t>(index.task_names.size()));
    if (new_task) index.task_names.push_back(s->task_id);
    auto [end, new_end] =
        end_number.try_emplace(s->end, static_cast<uint16_t>(index.end_names.size()));
    if (new_end) index.end_names.push_back(s->end);
    index.task.push_back(task->second);
    index.epoch.push_back(s->epoch);
    index.end.push_back(end->second);
    index.passed.push_back(s->passed ? 1 : 0);
    index.offset.push_back(s->offset);
    index.length.push_back(s->length);
  }
  if (policy != nullptr) {
    BW_ASSIGN_OR_RETURN(Decision decision, Decide(*policy, run, suite));
    ReportDecision d{*policy, std::move(decision), {}};
    std::vector<uint8_t> infrastructure(in_order.size());
    for (size_t i = 0; i < in_order.size(); ++i) {
      infrastructure[i] = in_order[i]->infrastructure_error ? 1 : 0;
    }
    for (const Criterion& c : policy->criteria) {
      d.sequential.push_back(
          Sequential(c, index, infrastructure, task_of, options.sequential_points));
      d.sequential.back().decides = policy->sequential;
    }
    r.decision = std::move(d);
  }

  return r;
}

// ---------------------------------------------------------------------------------------------
// JSON

namespace {

json::value Number(double v) { return std::isfinite(v) ? json::value(v) : json::value(nullptr); }

json::value Text(const std::string& s) { return json::value(ValidUtf8(s)); }

json::value OptionalText(const std::string& s) {
  return s.empty() ? json::value(nullptr) : Text(s);
}

json::object RateJson(const stats::PassRate& r) {
  return {{"rate", Number(r.rate)},     {"tasks", r.tasks},
          {"samples", r.samples},       {"min_epochs", r.min_epochs},
          {"max_epochs", r.max_epochs}, {"standard_error", Number(r.standard_error)},
          {"level", r.level},           {"lower", Number(r.lower)},
          {"upper", Number(r.upper)},   {"effective_tasks", Number(r.effective_tasks)},
          {"method", r.method}};
}

json::array Strings(const std::vector<std::string>& list) {
  json::array out;
  for (const std::string& s : list) out.push_back(Text(s));
  return out;
}

json::array Groups(const std::vector<stats::GroupRate>& groups) {
  json::array out;
  for (const stats::GroupRate& g : groups) {
    out.push_back(json::object{{"group", Text(g.group)}, {"pass_rate", RateJson(g.rate)}});
  }
  return out;
}

json::value SequentialJson(const SequentialEvidence& e) {
  json::array points;
  points.reserve(e.points.size());
  for (const SequentialPoint& p : e.points) {
    points.push_back(json::array{p.samples, p.passes, Number(p.log_above), Number(p.log_below)});
  }
  json::value first = nullptr;
  if (e.first_call_at) {
    first = json::object{{"call", CallName(e.first_call)},
                         {"samples", e.first_call_at->samples},
                         {"passes", e.first_call_at->passes}};
  }
  return json::object{{"criterion", Text(e.criterion)},
                      {"method", "mixture-likelihood-ratio"},
                      {"order", "log"},
                      {"for_information", !e.decides},
                      {"threshold", e.threshold},
                      {"alpha", e.alpha},
                      {"log_bar", e.log_bar},
                      {"samples", e.samples},
                      {"passes", e.passes},
                      {"call", CallName(e.call)},
                      {"checked_every", e.step},
                      {"first_call", std::move(first)},
                      {"points", std::move(points)}};
}

}  // namespace

std::string ReportJson(const Report& r) {
  const RunHeader& h = r.header;
  json::object out;
  out["format"] = kReportFormat;
  out["generated_at"] = OptionalText(r.options.generated_at);
  out["run"] = json::object{{"run_log", Text(r.options.run_log)},
                            {"suite", Text(h.suite)},
                            {"suite_version", Text(h.suite_version)},
                            {"suite_hash", Text(h.suite_hash)},
                            {"provider", Text(h.provider)},
                            {"model", Text(h.model)},
                            {"base_url", Text(h.base_url)},
                            {"epochs", h.epochs},
                            {"started_at", OptionalText(h.started_at)},
                            {"last_written_at", OptionalText(r.options.last_written_at)},
                            {"header_length", r.header_length}};
  out["suite"] = r.suite_name ? json::value(json::object{{"name", Text(*r.suite_name)},
                                                         {"version", Text(r.suite_version)},
                                                         {"hash", Text(h.suite_hash)},
                                                         {"tasks", r.suite_tasks}})
                              : json::value(nullptr);
  const SampleCounts& c = r.counts;
  json::array failed, infrastructure;
  for (const EndCount& e : c.failed_by_end) {
    failed.push_back(json::object{{"end", Text(e.end)}, {"samples", e.samples}});
  }
  for (const EndCount& e : c.infrastructure_by_kind) {
    infrastructure.push_back(json::object{{"kind", Text(e.end)}, {"samples", e.samples}});
  }
  out["samples"] =
      json::object{{"records", c.records},
                   {"samples", c.samples},
                   {"passed", c.passed},
                   {"failed", c.failed},
                   {"failed_by_end", std::move(failed)},
                   {"infrastructure_errors", c.infrastructure_errors},
                   {"infrastructure_by_kind", std::move(infrastructure)},
                   {"torn_records", c.torn_records},
                   {"tasks_without_samples",
                    r.suite_name ? json::value(c.tasks_without_samples) : json::value(nullptr)}};
  out["pass_rate"] = RateJson(r.pass_rate);
  json::array pass_at;
  for (const PassAtKRow& p : r.pass_at_k) {
    pass_at.push_back(json::object{{"k", p.k},
                                   {"value", p.tasks > 0 ? Number(p.value) : json::value(nullptr)},
                                   {"tasks", p.tasks},
                                   {"method", "unbiased"}});
  }
  out["pass_at_k"] = std::move(pass_at);
  out["by_category"] = r.suite_name ? json::value(Groups(r.by_category)) : json::value(nullptr);
  out["by_difficulty"] = r.suite_name ? json::value(Groups(r.by_difficulty)) : json::value(nullptr);
  if (r.horizon) {
    const stats::Horizon& hz = r.horizon->horizon;
    json::array points;
    for (const TimedPoint& p : r.horizon->points) {
      points.push_back(json::object{{"task", Text(p.task_id)},
                                    {"minutes", Number(p.minutes)},
                                    {"rate", Number(p.rate)},
                                    {"samples", p.samples}});
    }
    json::object horizon{{"defined", hz.defined},
                         {"method", "logistic-ridge-bootstrap-percentile"},
                         {"tasks", static_cast<int64_t>(r.horizon->points.size())},
                         {"points", std::move(points)}};
    if (hz.defined) {
      horizon["minutes"] = Number(hz.minutes);
      horizon["level"] = hz.level;
      horizon["low"] = Number(hz.low);
      horizon["high"] = Number(hz.high);
      horizon["intercept"] = Number(hz.intercept);
      horizon["slope"] = Number(hz.slope);
      horizon["resamples"] = hz.resamples;
      horizon["seed"] = r.horizon->seed;
    } else {
      horizon["why_not"] = hz.why_not;
    }
    out["time_horizon"] = std::move(horizon);
  } else {
    out["time_horizon"] = nullptr;
  }
  json::array tasks;
  for (const TaskRow& t : r.tasks) {
    tasks.push_back(json::object{
        {"task", Text(t.task_id)},
        {"name", OptionalText(t.name)},
        {"category", OptionalText(t.category)},
        {"difficulty", OptionalText(t.difficulty)},
        {"expected_human_minutes", t.minutes ? Number(*t.minutes) : json::value(nullptr)},
        {"samples", t.samples},
        {"passes", t.passes},
        {"rate", Number(t.rate)},
        {"level", r.options.level},
        {"lower", Number(t.lower)},
        {"upper", Number(t.upper)},
        {"method", "clopper-pearson"}});
  }
  out["tasks"] = std::move(tasks);
  if (r.decision) {
    const Policy& p = r.decision->policy;
    const Decision& d = r.decision->decision;
    json::array criteria;
    for (const CriterionResult& c : d.criteria) {
      criteria.push_back(json::object{{"id", Text(c.criterion.id)},
                                      {"metric", c.criterion.metric},
                                      {"threshold", c.criterion.threshold},
                                      {"level", c.criterion.level},
                                      {"categories", Strings(c.criterion.categories)},
                                      {"difficulties", Strings(c.criterion.difficulties)},
                                      {"outcome", OutcomeName(c.outcome)},
                                      {"reason", c.reason},
                                      {"pass_rate", RateJson(c.rate)}});
    }
    json::array sequential;
    for (const SequentialEvidence& e : r.decision->sequential) {
      sequential.push_back(SequentialJson(e));
    }
    out["decision"] = json::object{
        {"policy", json::object{{"id", Text(p.id)},
                                {"version", p.version},
                                {"hash", p.hash},
                                {"description", OptionalText(p.description)},
                                {"combine", p.combine_all ? "all" : "any"},
                                {"min_tasks", p.min_tasks},
                                {"min_epochs", p.min_epochs},
                                {"sequential", p.sequential}}},
        {"outcome", OutcomeName(d.outcome)},
        {"rule", d.reason},
        {"tasks_to_settle", d.outcome == Outcome::kInconclusive && d.tasks_to_settle > 0
                                ? json::value(d.tasks_to_settle)
                                : json::value(nullptr)},
        {"criteria", std::move(criteria)},
        {"sequential", std::move(sequential)}};
  } else {
    out["decision"] = nullptr;
  }
  const SampleIndex& s = r.samples;
  auto column = [](const auto& values) {
    json::array out;
    out.reserve(values.size());
    for (auto v : values) out.push_back(static_cast<int64_t>(v));
    return out;
  };
  out["sample_index"] = json::object{{"order", "log"},
                                     {"count", static_cast<int64_t>(s.task.size())},
                                     {"tasks", Strings(s.task_names)},
                                     {"ends", Strings(s.end_names)},
                                     {"task", column(s.task)},
                                     {"epoch", column(s.epoch)},
                                     {"end", column(s.end)},
                                     {"passed", column(s.passed)},
                                     {"offset", column(s.offset)},
                                     {"length", column(s.length)}};
  return json::serialize(out) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Markdown

namespace {

// Text from the run log or the suite, safe in a Markdown table cell: no HTML, no emphasis, no
// links, no cell breaks, no control characters.
std::string Cell(std::string_view text) {
  std::string out;
  for (char ch : PrintableText(ValidUtf8(text))) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '#':
      case '~':
      case '!':
        out += '\\';
        out += ch;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string Fixed(double v, int digits = 3) {
  if (!std::isfinite(v)) return "-";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, v);
  return text;
}

std::string Int(int64_t v) { return std::to_string(v); }

std::string RateCells(const stats::PassRate& r) {
  return Int(r.tasks) + " | " + Int(r.samples) + " | " + Fixed(r.rate) + " | " + Fixed(r.lower) +
         " | " + Fixed(r.upper) + " | " + Fixed(r.standard_error) + " | " +
         Fixed(r.effective_tasks, 1) + " | " + r.method;
}

constexpr std::string_view kRateColumns =
    "Tasks | Samples | Rate | Lower | Upper | SE (by task) | n used | Method |\n";
constexpr std::string_view kRateRule = "---:|---:|---:|---:|---:|---:|---:|---|\n";

}  // namespace

std::string ReportMarkdown(const Report& r) {
  const RunHeader& h = r.header;
  std::string md;
  md += "# Run report: " + Cell(h.suite) + " " + Cell(h.suite_version) + ", " + Cell(h.provider) +
        "/" + Cell(h.model) + "\n\n";
  md += "| Run | |\n|---|---|\n";
  md += "| Suite | " + Cell(h.suite) + " " + Cell(h.suite_version) + " (" + Cell(h.suite_hash) +
        ")" + (r.suite_name ? ", suite given" : ", suite not given") + " |\n";
  md += "| Model | " + Cell(h.provider) + "/" + Cell(h.model) +
        (h.base_url.empty() ? "" : " at " + Cell(h.base_url)) + " |\n";
  md += "| Epochs | " + Int(h.epochs) + " |\n";
  md += "| Started | " + (h.started_at.empty() ? "-" : Cell(h.started_at)) + " |\n";
  md += "| Last written | " +
        (r.options.last_written_at.empty() ? "-" : Cell(r.options.last_written_at)) + " |\n";
  md += "| Run log | " + Cell(r.options.run_log) + " |\n";
  md += "| Report generated | " + Cell(r.options.generated_at) + " (" + std::string(kReportFormat) +
        ") |\n\n";

  if (r.decision) {
    const Policy& p = r.decision->policy;
    const Decision& d = r.decision->decision;
    md += "## Decision: " + std::string(OutcomeName(d.outcome)) + "\n\n";
    md += "Policy " + Cell(p.id) + " version " + Int(p.version) + " (" + p.hash + "): " + d.reason +
          ".";
    if (d.outcome == Outcome::kInconclusive && d.tasks_to_settle > 0) {
      md += " About " + Int(d.tasks_to_settle) +
            " tasks in all would likely settle it, if the rates stay as seen.";
    }
    md += "\n\n| Criterion | Threshold | Level | " +
          std::string(kRateColumns.substr(0, kRateColumns.size() - 1)) +
          " Decision | Reason |\n|---|---:|---:|" +
          std::string(kRateRule.substr(0, kRateRule.size() - 1)) + "---|---|\n";
    for (const CriterionResult& c : d.criteria) {
      std::string selects;
      if (!c.criterion.categories.empty() || !c.criterion.difficulties.empty()) {
        selects = " (";
        for (const std::string& s : c.criterion.categories) selects += Cell(s) + " ";
        for (const std::string& s : c.criterion.difficulties) selects += Cell(s) + " ";
        selects.back() = ')';
      }
      md += "| " + Cell(c.criterion.id) + selects + " | " + Fixed(c.criterion.threshold, 4) +
            " | " + Fixed(c.criterion.level, 3) + " | " + RateCells(c.rate) + " | **" +
            std::string(OutcomeName(c.outcome)) + "** | " + Cell(c.reason) + " |\n";
    }
    md += r.decision->policy.sequential
              ? "\n### Sequential evidence\n\n"
                "The policy decides sequentially: each criterion's anytime-valid test (two "
                "mixture likelihood-ratio martingales, alpha = 1 - the criterion's level) reads "
                "the samples in log order, either evidence reaching log(2/alpha) is the "
                "criterion's call, and the decision is made at the first sample where the calls "
                "combine into one.\n\n"
              : "\n### Sequential evidence (for information)\n\n"
                "The policy decides once, on the whole run. This is what an anytime-valid "
                "sequential test (two mixture likelihood-ratio martingales, alpha = 1 - the "
                "criterion's level) would have said as the samples accrued in log order; either "
                "evidence reaching log(2/alpha) decides.\n\n";
    md +=
        "| Criterion | Threshold | alpha | Samples | Passes | log M+ (above) | log M- (below) | "
        "log(2/alpha) | Call now | First call (checked every n samples) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
    for (const SequentialEvidence& e : r.decision->sequential) {
      const SequentialPoint& last = e.points.back();
      md += "| " + Cell(e.criterion) + " | " + Fixed(e.threshold, 4) + " | " + Fixed(e.alpha, 3) +
            " | " + Int(e.samples) + " | " + Int(e.passes) + " | " + Fixed(last.log_above, 2) +
            " | " + Fixed(last.log_below, 2) + " | " + Fixed(e.log_bar, 2) + " | " +
            std::string(CallName(e.call)) + " | " +
            (e.first_call_at ? std::string(CallName(e.first_call)) + " at sample " +
                                   Int(e.first_call_at->samples)
                             : std::string("none")) +
            " (n = " + Int(e.step) + ") |\n";
    }
    md += "\n";
  }

  const SampleCounts& c = r.counts;
  md += "## Samples\n\n| Samples | Count |\n|---|---:|\n";
  md += "| Samples (latest record of each task and epoch) | " + Int(c.samples) + " |\n";
  md += "| Passed | " + Int(c.passed) + " |\n";
  md += "| Failed | " + Int(c.failed) + " |\n";
  for (const EndCount& e : c.failed_by_end) {
    md += "| Failed: " + Cell(e.end) + " | " + Int(e.samples) + " |\n";
  }
  md += "| Infrastructure errors (not the model's; left out) | " + Int(c.infrastructure_errors) +
        " |\n";
  for (const EndCount& e : c.infrastructure_by_kind) {
    md += "| Infrastructure: " + Cell(e.end) + " | " + Int(e.samples) + " |\n";
  }
  md += "| Records in the log (retries included) | " + Int(c.records) + " |\n";
  md += "| Torn or damaged records (left out) | " + Int(c.torn_records) + " |\n";
  if (r.suite_name) {
    md +=
        "| Tasks of the suite without a counted sample | " + Int(c.tasks_without_samples) + " |\n";
  }
  md += "\n## Pass rate\n\nThe mean of per-task means; one-sided " +
        Fixed(r.options.level * 100, 0) + "% bounds; standard error clustered by task.\n\n| " +
        std::string(kRateColumns) + "|" + std::string(kRateRule) + "| " + RateCells(r.pass_rate) +
        " |\n\n";
  md += "| k | pass@k (unbiased) | Tasks with at least k samples |\n|---:|---:|---:|\n";
  for (const PassAtKRow& p : r.pass_at_k) {
    md += "| " + Int(p.k) + " | " + (p.tasks > 0 ? Fixed(p.value) : "-") + " | " + Int(p.tasks) +
          " |\n";
  }
  md += "\n";
  for (const auto& [title, groups] :
       {std::pair{"By category", &r.by_category}, std::pair{"By difficulty", &r.by_difficulty}}) {
    if (!r.suite_name) break;
    md += "## " + std::string(title) + "\n\n| Group | " + std::string(kRateColumns) + "|---|" +
          std::string(kRateRule);
    for (const stats::GroupRate& g : *groups) {
      md += "| " + (g.group.empty() ? std::string("(none)") : Cell(g.group)) + " | " +
            RateCells(g.rate) + " |\n";
    }
    md += "\n";
  }
  if (r.horizon) {
    const stats::Horizon& hz = r.horizon->horizon;
    md += "## Time horizon\n\n";
    if (hz.defined) {
      md += "The 50% time horizon is **" + Fixed(hz.minutes, 1) + " minutes**, " +
            Fixed(hz.level * 100, 0) + "% bootstrap interval " + Fixed(hz.low, 1) + " to " +
            Fixed(hz.high, 1) + " (logistic fit of success against log2 minutes over " +
            Int(hz.tasks) + " tasks; " + Int(hz.resamples) + " resamples, seed " +
            std::to_string(r.horizon->seed) + "; logit = " + Fixed(hz.intercept) + " + " +
            Fixed(hz.slope) + " log2 minutes).\n\n";
    } else {
      md += "None: " + Cell(hz.why_not) + ".\n\n";
    }
  }
  md += "## Tasks\n\nEach task's rate over its samples, with one-sided " +
        Fixed(r.options.level * 100, 0) +
        "% Clopper-Pearson bounds.\n\n| Task | Category | Difficulty | Minutes | Samples | "
        "Passes | Rate | Lower | Upper |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const TaskRow& t : r.tasks) {
    md += "| " + Cell(t.task_id) + " | " + Cell(t.category) + " | " + Cell(t.difficulty) + " | " +
          (t.minutes ? Fixed(*t.minutes, 1) : "") + " | " + Int(t.samples) + " | " + Int(t.passes) +
          " | " + Fixed(t.rate) + " | " + Fixed(t.lower) + " | " + Fixed(t.upper) + " |\n";
  }
  md += "\nThe " + Int(static_cast<int64_t>(r.samples.task.size())) +
        " samples' transcripts are in the run log; the HTML report opens any one of them.\n";
  return md;
}

}  // namespace bulwark::evals
