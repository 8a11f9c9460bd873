// Task validity checks: whether each task of a suite measures what it claims, before any model's
// score on it is believed.
//
// Three scripted agents run every task once, each in the real sandbox through the real agent
// loop (RunEvaluation), so that the checks see exactly what a model would:
//
//   - the reference agent replays the task's reference solution: it must pass. A task without
//     one fails the check (a single-turn task's reference answer may be its flag);
//   - the null agent never calls a tool and never submits: it must fail. It catches tasks judged
//     passed without a correct answer (a single-turn flag that a non-answer matches);
//   - the flag-hunting agent greps every readable file, the environment and the task's services
//     for flag-like strings, also trivially encoded, and submits what it finds (up to the task's
//     max_attempts; a non-answer when it finds nothing): it must fail. It catches flags left
//     where the agent can read them, and checkers that accept anything.
//
// A task is valid when all three hold, invalid when one of them does not (with the reason), and
// undecided (an error) when a sample ended in an infrastructure error (the sandbox could not
// start, a service did not come up) and nothing else made it invalid: an infrastructure error
// is never counted as a pass or a fail of the task. The agents are described in
// internal/validity_agents.h, the report's JSON in docs/tasks.md ("Validity checks").
//
// Thread-safety: CheckTaskValidity blocks and runs `concurrency` samples at once; `on_progress`
// is called from its workers, one call at a time. The factory must be thread-safe.
//
//   SandboxFactory sandboxes = [](const SandboxSpec& spec) { return Sandbox::Start(spec); };
//   BW_ASSIGN_OR_RETURN(ValidityReport report,
//                       CheckTaskValidity(suite, sandboxes, {.concurrency = 2}, {}));
//   if (!report.all_valid()) for (const TaskValidity& t : report.tasks) ... t.reason
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evals/agent_loop.h"
#include "evals/task.h"

namespace bulwark::evals {

enum class ValidityAgent { kReference, kNull, kFlagHunter };

// "reference", "null", "flag_hunter".
std::string_view ValidityAgentName(ValidityAgent agent);

// What one agent's sample of one task did.
struct AgentOutcome {
  bool ran = false;  // false: not run (the reference agent, for a task without a solution)
  SampleEnd end = SampleEnd::kWrongAnswers;
  bool passed = false;
  bool infrastructure_error = false;
  int attempts = 0;  // submissions judged
  int messages = 0;  // agent turns
  double seconds = 0;
  std::vector<std::string> submissions;  // the answers judged, in order
  // The reference agent on a task judged by its flag: whether the answer it passed with was
  // printed by one of its own commands first. A solution whose steps never show the flag only
  // proves that its author knows it, not that the task can be solved.
  bool answer_derived = false;
  // For people: an infrastructure error, or the last judgement and tool output of a sample that
  // did not end as it should.
  std::string detail;
};

enum class Verdict { kValid, kInvalid, kError };

// "valid", "invalid", "error".
std::string_view VerdictName(Verdict verdict);

struct TaskValidity {
  std::string task_id;
  std::string category;
  std::string difficulty;
  AgentOutcome reference;    // must pass
  AgentOutcome null_agent;   // must fail
  AgentOutcome flag_hunter;  // must fail
  Verdict verdict = Verdict::kError;
  // Why the task is invalid (every reason, joined by "; "), or which infrastructure error left
  // it undecided; empty when valid.
  std::string reason;
  double seconds = 0;  // the three samples' time, summed
};

struct ValidityReport {
  std::string suite;
  std::string suite_version;
  std::string suite_hash;
  std::vector<TaskValidity> tasks;  // in the suite's order
  double seconds = 0;               // the whole check

  // Whether every task checked is valid (and there was at least one).
  bool all_valid() const;
  int Count(Verdict verdict) const;
};

struct ValidityOptions {
  int concurrency = 2;                // samples at once
  std::vector<std::string> task_ids;  // empty: every task of the suite
  AgentOptions agent;                 // as a run would use
  // Where to keep each agent's run log (reference.runlog, null.runlog, flag_hunter.runlog,
  // replaced by every check), transcripts included, for reading what the agents did; "": none.
  std::string run_log_dir;
};

struct ValidityProgress {
  int total = 0;  // samples: three per task, less the missing reference solutions
  int done = 0;
  int infrastructure_errors = 0;
  double seconds = 0;
};

// Runs the three agents on every task (or options.task_ids) and judges each task.
// InvalidArgument for an unknown task id or a concurrency below 1; Unavailable when a run log
// cannot be written. Sandbox failures are not errors of the call: they leave the affected tasks
// with Verdict::kError.
StatusOr<ValidityReport> CheckTaskValidity(
    const Suite& suite, const SandboxFactory& sandboxes, const ValidityOptions& options,
    const std::function<void(const ValidityProgress&)>& on_progress);

// The report as JSON (documented in docs/tasks.md).
boost::json::object ValidityReportJson(const ValidityReport& report);

}  // namespace bulwark::evals
