// Reports of a run: everything a run log shows, with its statistics (evals/stats.h) and, given a
// threshold policy, the decision with every statistic it used (evals/policy.h). A Report is
// built once and rendered three ways:
//   - JSON, format "bulwark-report-1" (docs/reports.md): every number with its n, its method and
//     its level;
//   - Markdown: the same as tables, for a terminal or a code host;
//   - HTML: one self-contained file (inline CSS, inline SVG charts, a little inline script, no
//     requests anywhere), with a sample viewer that lists every sample from an index embedded in
//     the page and opens any one from the run log the reader picks, reading only that sample's
//     gzip member (RunLog::ReadSampleAt's offset and length).
//
// Everything read from the run log (task ids, model names, error messages, transcripts) is
// untrusted, model output among it: each renderer escapes it for its format, and the HTML's
// content security policy lets only its own script and style run.
//
// Thread-safety: pure functions.
//
//   BW_ASSIGN_OR_RETURN(RunLogContents run, RunLog::Read(path));
//   BW_ASSIGN_OR_RETURN(Report report, BuildReport(run, &suite, &policy, {.run_log = path}));
//   std::string html = ReportHtml(report);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "evals/policy.h"
#include "evals/run_log.h"
#include "evals/stats.h"
#include "evals/task.h"

namespace bulwark::evals {

inline constexpr std::string_view kReportFormat = "bulwark-report-1";

struct ReportOptions {
  std::string run_log;             // the log's name as given, shown as it is
  std::string generated_at;        // RFC 3339
  std::string last_written_at;     // the log's last change, RFC 3339; "" when unknown
  double level = 0.95;             // of the pass rates' one-sided bounds
  std::vector<int> k = {1};        // pass@k for these k
  double horizon_level = 0.9;      // of the time horizon's bootstrap interval
  int resamples = 1000;            // the time horizon's bootstrap resamples
  uint64_t seed = 1;               // and its seed
  size_t sequential_points = 250;  // at most this many points of each sequential evidence curve
};

// How many samples ended one way.
struct EndCount {
  std::string end;  // an end (SampleEndName), or for infrastructure errors "end/error_kind"
  int64_t samples = 0;
};

struct SampleCounts {
  int64_t records = 0;  // sample records in the log, superseded ones (retries) included
  int64_t samples = 0;  // the latest record of each (task, epoch)
  int64_t passed = 0;
  int64_t failed = 0;  // the model's failures
  std::vector<EndCount> failed_by_end;
  int64_t infrastructure_errors = 0;  // not the model's: left out of every statistic
  std::vector<EndCount> infrastructure_by_kind;
  int64_t torn_records = 0;           // damaged or torn records, left out
  int64_t tasks_without_samples = 0;  // tasks of the suite given with no counted sample
};

struct PassAtKRow {
  int k = 1;
  double value = 0;
  int64_t tasks = 0;  // tasks with at least k samples, over which it is the mean
};

struct TaskRow {
  std::string task_id;
  std::string name;  // with the suite
  std::string category;
  std::string difficulty;
  std::optional<double> minutes;  // expected_human_minutes
  int64_t samples = 0;
  int64_t passes = 0;
  double rate = 0;
  double lower = 0;  // Clopper–Pearson over the task's samples, one-sided at the level
  double upper = 1;
};

struct TimedPoint {
  std::string task_id;
  double minutes = 0;
  double rate = 0;
  int64_t samples = 0;
};

struct HorizonReport {
  stats::Horizon horizon;
  uint64_t seed = 1;
  std::vector<TimedPoint> points;  // the tasks with expected_human_minutes
};

// A sequential test's evidence as the samples accrued, in the order the log recorded them.
struct SequentialPoint {
  int64_t samples = 0;
  int64_t passes = 0;
  double log_above = 0;  // log M+: evidence that the rate is above the threshold
  double log_below = 0;  // log M-
};

struct SequentialEvidence {
  std::string criterion;
  double threshold = 0;
  double alpha = 0.05;  // 1 - the criterion's level
  double log_bar = 0;   // log(2 / alpha): either evidence reaching it decides
  int64_t samples = 0;
  int64_t passes = 0;
  stats::SequentialCall call = stats::SequentialCall::kContinue;  // after every sample
  int64_t step = 1;  // the evidence was evaluated every `step` samples (and at the last)
  // The first evaluated point at which the evidence reached the bar, if it did.
  std::optional<SequentialPoint> first_call_at;
  stats::SequentialCall first_call = stats::SequentialCall::kContinue;
  std::vector<SequentialPoint> points;
  bool decides = false;  // the policy decides sequentially: this is the decision's evidence
};

struct ReportDecision {
  Policy policy;
  Decision decision;
  // Each criterion's sequential evidence, alpha taken as 1 - the criterion's level: the
  // decision's own under a sequential policy, for information under one that decides once.
  std::vector<SequentialEvidence> sequential;
};

// The latest record of each sample in log order, column by column, for the sample viewer.
struct SampleIndex {
  std::vector<std::string> task_names;  // distinct task ids; `task` indexes them
  std::vector<std::string> end_names;   // distinct ends; `end` indexes them
  std::vector<uint32_t> task;
  std::vector<int32_t> epoch;
  std::vector<uint16_t> end;
  std::vector<uint8_t> passed;
  std::vector<uint64_t> offset;
  std::vector<uint64_t> length;
};

struct Report {
  ReportOptions options;
  RunHeader header;
  uint64_t header_length = 0;             // the run header's member, at offset 0 of the log
  std::optional<std::string> suite_name;  // with the suite
  std::string suite_version;
  int64_t suite_tasks = 0;
  SampleCounts counts;
  stats::PassRate pass_rate;
  std::vector<PassAtKRow> pass_at_k;
  std::vector<stats::GroupRate> by_category;    // with the suite; sorted by name
  std::vector<stats::GroupRate> by_difficulty;  // with the suite; easy to hard
  std::optional<HorizonReport> horizon;         // with the suite
  std::vector<TaskRow> tasks;                   // the suite's order, else as first recorded
  std::optional<ReportDecision> decision;       // with a policy
  SampleIndex samples;
};

// Builds the report of `run`. `suite` (may be null) must be the run's, by content hash, and
// gives the breakdowns and the time horizon; `policy` (may be null) gives the decision
// (evals::Decide). FailedPrecondition when the suite or the policy is not the run's, saying
// which hashes differ.
StatusOr<Report> BuildReport(const RunLogContents& run, const Suite* suite, const Policy* policy,
                             const ReportOptions& options);

// The renderings. ReportJson is one JSON object (a newline at the end); docs/reports.md gives its
// fields.
std::string ReportJson(const Report& report);
std::string ReportMarkdown(const Report& report);
std::string ReportHtml(const Report& report);

// Difficulties in the order people rank them: easy before medium before hard, numbers by value,
// other names alphabetically, none last.
bool DifficultyBefore(const std::string& a, const std::string& b);

}  // namespace bulwark::evals
