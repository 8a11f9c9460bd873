#include "evals/validity.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "base/text.h"
#include "evals/internal/validity_agents.h"
#include "evals/run.h"
#include "evals/run_log.h"

namespace bulwark::evals {
namespace {

namespace json = boost::json;

constexpr size_t kDetailBytes = 600;

std::string Cut(std::string_view text, size_t max_bytes = kDetailBytes) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.size() <= max_bytes) return std::string(text);
  // Keep the tail: a failing command says why at its end.
  size_t start = text.size() - max_bytes;
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) ++start;
  return "..." + std::string(text.substr(start));
}

std::string Quoted(std::string_view text) { return "\"" + Cut(text, 200) + "\""; }

// Whether the reference agent has something to replay: an agent task's solution; a single-turn
// task's submitted answer, or its flag.
bool HasReference(const Task& task) {
  if (task.mode == TaskMode::kAgent) return !task.solution.empty();
  if (task.flag) return true;
  return std::any_of(task.solution.begin(), task.solution.end(),
                     [](const ReferenceStep& s) { return s.tool == "submit"; });
}

AgentOutcome OutcomeOf(const SampleResult& r, TaskMode mode) {
  AgentOutcome o;
  o.ran = true;
  o.end = r.end;
  o.passed = r.passed;
  o.infrastructure_error = IsInfrastructureError(r.end);
  o.attempts = r.attempts;
  o.messages = r.messages;
  o.seconds = r.seconds;
  std::string last_judgement, last_output, outputs;
  for (const TranscriptEntry& e : r.transcript) {
    if (e.kind == "tool_call" && e.tool == "submit") {
      boost::system::error_code ec;
      json::value v = json::parse(e.text, ec);
      if (!ec && v.is_object()) {
        if (const json::value* answer = v.as_object().if_contains("answer");
            answer != nullptr && answer->is_string()) {
          o.submissions.emplace_back(answer->as_string());
        }
      }
    } else if (e.kind == "assistant" && mode == TaskMode::kSingleTurn) {
      o.submissions.push_back(e.text);
    } else if (e.kind == "judge") {
      last_judgement = e.text;
      if (e.text == "correct" && !o.submissions.empty()) {
        std::string_view answer = TrimAsciiWhitespace(o.submissions.back());
        o.answer_derived = !answer.empty() && outputs.find(answer) != std::string::npos;
      }
    } else if (e.kind == "tool_output" && e.tool != "submit") {
      last_output = e.text;
      outputs += e.text;
      outputs += '\n';
    }
  }
  if (o.infrastructure_error) {
    o.detail = std::string(SampleEndName(r.end)) + " (" + r.error_kind + "): " + r.error_message;
  } else if (!last_judgement.empty()) {
    o.detail = "judged " + Cut(last_judgement);
  } else if (!last_output.empty()) {
    o.detail = "last tool output: " + Cut(last_output);
  }
  return o;
}

// The verdict and its reason, from the three outcomes.
void Judge(const Task& task, TaskValidity& t) {
  std::vector<std::string> invalid;
  if (!t.reference.ran) {
    invalid.push_back(task.mode == TaskMode::kAgent
                          ? "no reference solution: add `solution` steps that solve the task"
                          : "no reference answer: a single-turn task needs a flag or a "
                            "solution that submits its answer");
  } else if (!t.reference.passed && !t.reference.infrastructure_error) {
    std::string reason = "the reference solution did not pass: it ended " +
                         std::string(SampleEndName(t.reference.end)) + " after " +
                         std::to_string(t.reference.messages) + " turns and " +
                         std::to_string(t.reference.attempts) + " submissions";
    if (!t.reference.detail.empty()) reason += " (" + t.reference.detail + ")";
    invalid.push_back(std::move(reason));
  } else if (t.reference.passed && task.mode == TaskMode::kAgent && task.flag &&
             !t.reference.answer_derived) {
    invalid.push_back(
        "the reference solution submits the flag without any of its commands printing it "
        "first: its steps do not show that the task can be solved");
  }
  if (t.null_agent.passed) {
    invalid.push_back("the null agent passed without doing anything (it answered " +
                      Quoted(t.null_agent.submissions.empty() ? std::string_view()
                                                              : t.null_agent.submissions.back()) +
                      "): the flag or the checker accepts a non-answer");
  }
  if (t.flag_hunter.passed) {
    std::string_view answer =
        t.flag_hunter.submissions.empty() ? "" : std::string_view(t.flag_hunter.submissions.back());
    invalid.push_back(
        answer == internal::kNoCandidate
            ? "the flag-hunting agent passed with the non-answer " + Quoted(answer) +
                  ": the checker accepts anything"
            : "the flag-hunting agent passed by submitting " + Quoted(answer) +
                  ", found by searching the agent's files, environment and services without "
                  "solving the task");
  }
  if (!invalid.empty()) {
    t.verdict = Verdict::kInvalid;
    for (const std::string& reason : invalid) t.reason += (t.reason.empty() ? "" : "; ") + reason;
    return;
  }
  for (auto [agent, outcome] : {std::pair{ValidityAgent::kReference, &t.reference},
                                std::pair{ValidityAgent::kNull, &t.null_agent},
                                std::pair{ValidityAgent::kFlagHunter, &t.flag_hunter}}) {
    if (outcome->infrastructure_error) {
      t.verdict = Verdict::kError;
      t.reason = "undecided: the " + std::string(ValidityAgentName(agent)) +
                 " agent's sample ended in an infrastructure error: " + outcome->detail;
      return;
    }
  }
  t.verdict = Verdict::kValid;
}

json::object OutcomeJson(const AgentOutcome& o) {
  json::object out{{"ran", o.ran}};
  if (!o.ran) return out;
  json::array submissions;
  for (const std::string& s : o.submissions) submissions.emplace_back(s);
  out["end"] = SampleEndName(o.end);
  out["passed"] = o.passed;
  out["infrastructure_error"] = o.infrastructure_error;
  out["attempts"] = o.attempts;
  out["messages"] = o.messages;
  out["seconds"] = o.seconds;
  out["submissions"] = std::move(submissions);
  out["answer_derived"] = o.answer_derived;
  out["detail"] = o.detail;
  return out;
}

}  // namespace

std::string_view ValidityAgentName(ValidityAgent agent) {
  switch (agent) {
    case ValidityAgent::kReference:
      return "reference";
    case ValidityAgent::kNull:
      return "null";
    case ValidityAgent::kFlagHunter:
      return "flag_hunter";
  }
  return "unknown";
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kValid:
      return "valid";
    case Verdict::kInvalid:
      return "invalid";
    case Verdict::kError:
      return "error";
  }
  return "unknown";
}

bool ValidityReport::all_valid() const {
  return !tasks.empty() && Count(Verdict::kValid) == static_cast<int>(tasks.size());
}

int ValidityReport::Count(Verdict verdict) const {
  return static_cast<int>(std::count_if(
      tasks.begin(), tasks.end(), [&](const TaskValidity& t) { return t.verdict == verdict; }));
}

StatusOr<ValidityReport> CheckTaskValidity(
    const Suite& suite, const SandboxFactory& sandboxes, const ValidityOptions& options,
    const std::function<void(const ValidityProgress&)>& on_progress) {
  if (options.concurrency < 1) {
    return Status(StatusCode::kInvalidArgument, "concurrency must be at least 1");
  }
  std::vector<const Task*> tasks;
  if (options.task_ids.empty()) {
    for (const Task& task : suite.tasks) tasks.push_back(&task);
  } else {
    for (const std::string& id : options.task_ids) {
      const Task* task = suite.Find(id);
      if (task == nullptr) {
        return Status(StatusCode::kInvalidArgument,
                      "suite " + suite.name + " has no task \"" + id + "\"");
      }
      if (std::find(tasks.begin(), tasks.end(), task) == tasks.end()) tasks.push_back(task);
    }
  }

  auto start = std::chrono::steady_clock::now();
  ValidityReport report{suite.name, suite.version, suite.ContentHash(), {}, 0};
  std::map<std::string, size_t> index;
  for (const Task* task : tasks) {
    index[task->id] = report.tasks.size();
    report.tasks.push_back({task->id, task->category, task->difficulty});
  }

  struct Phase {
    ValidityAgent agent;
    std::unique_ptr<ModelProvider> provider;
    std::vector<std::string> task_ids;
  };
  std::vector<Phase> phases;
  phases.push_back({ValidityAgent::kReference, internal::NewReferenceAgent(suite), {}});
  phases.push_back({ValidityAgent::kNull, internal::NewNullAgent(), {}});
  phases.push_back({ValidityAgent::kFlagHunter, internal::NewFlagHunterAgent(suite), {}});
  ValidityProgress progress;
  for (Phase& phase : phases) {
    for (const Task* task : tasks) {
      if (phase.agent != ValidityAgent::kReference || HasReference(*task)) {
        phase.task_ids.push_back(task->id);
      }
    }
    progress.total += static_cast<int>(phase.task_ids.size());
  }
  if (on_progress) on_progress(progress);

  for (Phase& phase : phases) {
    if (phase.task_ids.empty()) continue;  // RunOptions would take an empty list as all tasks
    RunHeader header{suite.name,
                     suite.version,
                     report.suite_hash,
                     "validity",
                     std::string(ValidityAgentName(phase.agent)),
                     "",
                     1,
                     ""};
    std::unique_ptr<RunLog> log;
    if (options.run_log_dir.empty()) {
      log = RunLog::InMemory(header);
    } else {
      // A fresh log: an old one would make the run skip the samples it holds.
      std::string path =
          options.run_log_dir + "/" + std::string(ValidityAgentName(phase.agent)) + ".runlog";
      std::error_code ignored;
      std::filesystem::create_directories(options.run_log_dir, ignored);
      std::filesystem::remove(path, ignored);
      BW_ASSIGN_OR_RETURN(log, RunLog::Open(path, header));
    }
    RunOptions run;
    run.epochs = 1;
    run.concurrency = options.concurrency;
    run.task_ids = phase.task_ids;
    run.agent = options.agent;
    int done_before = progress.done;
    int errors_before = progress.infrastructure_errors;
    // RunEvaluation calls both back one call at a time, on_sample first.
    run.on_sample = [&](const SampleResult& result) {
      TaskValidity& t = report.tasks[index.at(result.task_id)];
      AgentOutcome outcome = OutcomeOf(result, suite.Find(result.task_id)->mode);
      switch (phase.agent) {
        case ValidityAgent::kReference:
          t.reference = std::move(outcome);
          break;
        case ValidityAgent::kNull:
          t.null_agent = std::move(outcome);
          break;
        case ValidityAgent::kFlagHunter:
          t.flag_hunter = std::move(outcome);
          break;
      }
      t.seconds += result.seconds;
    };
    StatusOr<RunSummary> summary =
        RunEvaluation(suite, *phase.provider, sandboxes, *log, run, [&](const RunProgress& p) {
          progress.done = done_before + p.done;
          progress.infrastructure_errors = errors_before + p.infrastructure_errors;
          progress.seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          if (on_progress) on_progress(progress);
        });
    if (!summary.ok()) return summary.status();
  }

  for (TaskValidity& t : report.tasks) Judge(*suite.Find(t.task_id), t);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

json::object ValidityReportJson(const ValidityReport& report) {
  json::array tasks;
  for (const TaskValidity& t : report.tasks) {
    tasks.push_back(json::object{{"task", t.task_id},
                                 {"category", t.category},
                                 {"difficulty", t.difficulty},
                                 {"verdict", VerdictName(t.verdict)},
                                 {"reason", t.reason},
                                 {"seconds", t.seconds},
                                 {"reference", OutcomeJson(t.reference)},
                                 {"null", OutcomeJson(t.null_agent)},
                                 {"flag_hunter", OutcomeJson(t.flag_hunter)}});
  }
  return json::object{{"suite", report.suite},
                      {"suite_version", report.suite_version},
                      {"suite_hash", report.suite_hash},
                      {"all_valid", report.all_valid()},
                      {"valid", report.Count(Verdict::kValid)},
                      {"invalid", report.Count(Verdict::kInvalid)},
                      {"errors", report.Count(Verdict::kError)},
                      {"seconds", report.seconds},
                      {"tasks", std::move(tasks)}};
}

}  // namespace bulwark::evals
