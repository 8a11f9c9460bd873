// bulwark eval: runs a suite of tasks against a model (`eval run`) and checks suites
// (`eval validate`); `eval stats` and `eval plan` are in eval_stats_command.cc. Suites come from a
// suite folder, or from a public format through an importer: intercode:DIR, inspect:PATH, nyu:PATH.
//
// `eval run` exit status: 0 every sample recorded, 3 some samples ended in an infrastructure
// error (run the same command again to retry them), 2 an error before or during the run.
// `eval validate --check` exit status: 0 every task valid, 1 some task invalid, 3 none invalid
// but some undecided by infrastructure errors, 2 an error before the checks.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "base/text.h"
#include "base/time_format.h"
#include "cli/commands.h"
#include "evals/importers.h"
#include "evals/model_provider.h"
#include "evals/run.h"
#include "evals/run_log.h"
#include "evals/sandbox.h"
#include "evals/task.h"
#include "evals/validity.h"

namespace bulwark::cli {
namespace {

constexpr int kError = 2;
constexpr int kInfrastructureErrors = 3;

struct EvalRunOptions {
  std::string suite;
  std::string provider = "openai";
  std::string model;
  std::string base_url;
  std::string api_key_env;
  int epochs = 1;
  int concurrency = 4;
  std::vector<std::string> tasks;
  std::string run_log;
  bool unsafe_no_sandbox = false;
  double request_timeout_s = 300;
  int max_retries = 6;
};

int Error(std::string_view command, const Status& status) {
  std::cerr << "bulwark " << command << ": " << status.message() << "\n";
  return kError;
}

// The suite a command names (see LoadSuiteSpec), with the tasks an importer skipped listed.
StatusOr<evals::Suite> LoadAnySuite(const std::string& spec, std::string_view command) {
  BW_ASSIGN_OR_RETURN(evals::ImportResult imported, evals::LoadSuiteSpec(spec));
  for (const evals::SkippedTask& skipped : imported.skipped) {
    std::cerr << "bulwark " << command << ": skipped " << PrintableText(skipped.source) << ": "
              << PrintableText(skipped.reason) << "\n";
  }
  return std::move(imported.suite);
}

std::string Sanitized(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
  return out;
}

std::string HumanCount(int64_t n) {
  char buffer[32];
  if (n >= 1'000'000) {
    std::snprintf(buffer, sizeof buffer, "%.1fM", static_cast<double>(n) / 1e6);
  } else if (n >= 10'000) {
    std::snprintf(buffer, sizeof buffer, "%.1fk", static_cast<double>(n) / 1e3);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(n));
  }
  return buffer;
}

std::string HumanDuration(double seconds) {
  return FormatShortDuration(static_cast<int64_t>(std::llround(std::max(0.0, seconds))));
}

// The live line on a terminal: samples done, passes, infrastructure errors, tokens, ETA, and
// the requests in flight allowed when the API's rate limits have lowered them. Redrawn at most
// ten times a second; nothing at all when standard error is not a terminal.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label) : label_(std::move(label)), tty_(isatty(2) == 1) {}

  // `allowed` of `concurrency` requests may be in flight (the provider's adaptive limit).
  void Update(const evals::RunProgress& p, int allowed, int concurrency) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (p.done != p.total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::string line = label_ + "  " + std::to_string(p.done) + "/" + std::to_string(p.total) +
                       " samples  " + std::to_string(p.passed) + " passed  ";
    if (p.infrastructure_errors > 0) {
      line += std::to_string(p.infrastructure_errors) + " infrastructure errors  ";
    }
    line += HumanCount(p.tokens) + " tokens  " + HumanDuration(p.seconds);
    if (p.done > 0 && p.done < p.total) {
      line += "  ETA " + HumanDuration(p.seconds / p.done * (p.total - p.done));
    }
    if (allowed < concurrency) {
      line += "  rate-limited: " + std::to_string(allowed) + "/" + std::to_string(concurrency) +
              " in flight";
    }
    std::fprintf(stderr, "\r\x1b[K%s", line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  void Finish() {
    if (drawn_) std::fprintf(stderr, "\n");
  }

 private:
  std::string label_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

void PrintSummary(const evals::Suite& suite, const evals::RunSummary& summary, int epochs,
                  const std::string& log_path) {
  struct TaskScore {
    int passed = 0, failed = 0, infrastructure = 0;
  };
  std::map<std::string, TaskScore> scores;
  int passed = 0, judged = 0, infrastructure = 0;
  int64_t tokens = 0;
  for (const evals::SampleSummary& s : summary.samples) {
    if (s.epoch > epochs) continue;
    TaskScore& score = scores[s.task_id];
    tokens += s.input_tokens + s.output_tokens;
    if (s.infrastructure_error) {
      ++score.infrastructure;
      ++infrastructure;
    } else {
      ++judged;
      (s.passed ? score.passed : score.failed) += 1;
      passed += s.passed ? 1 : 0;
    }
  }
  std::printf("%-32s %8s %8s %8s\n", "task", "passed", "failed", "infra");
  for (const evals::Task& task : suite.tasks) {
    auto it = scores.find(task.id);
    if (it == scores.end()) continue;
    std::printf("%-32s %8d %8d %8d\n", task.id.c_str(), it->second.passed, it->second.failed,
                it->second.infrastructure);
  }
  std::printf("\n%d of %d judged samples passed (%.1f%%); %d infrastructure errors; %s tokens\n",
              passed, judged, judged == 0 ? 0.0 : 100.0 * passed / judged, infrastructure,
              HumanCount(tokens).c_str());
  std::printf("this invocation: %d samples in %s (%d were already done)\nrun log: %s\n",
              summary.progress.done, HumanDuration(summary.progress.seconds).c_str(),
              summary.already_done, log_path.c_str());
}

int RunEval(const EvalRunOptions& o) {
  constexpr std::string_view kCommand = "eval run";
  StatusOr<evals::Suite> suite = LoadAnySuite(o.suite, kCommand);
  if (!suite.ok()) return Error(kCommand, suite.status());

  evals::ProviderConfig config;
  config.protocol =
      o.provider == "anthropic" ? evals::Protocol::kAnthropic : evals::Protocol::kOpenAi;
  config.model = o.model;
  config.base_url = !o.base_url.empty()         ? o.base_url
                    : o.provider == "anthropic" ? "https://api.anthropic.com"
                                                : "https://api.openai.com/v1";
  std::string key_env = !o.api_key_env.empty()      ? o.api_key_env
                        : o.provider == "anthropic" ? "ANTHROPIC_API_KEY"
                                                    : "OPENAI_API_KEY";
  if (const char* key = std::getenv(key_env.c_str())) config.api_key = key;
  config.request_timeout_s = o.request_timeout_s;
  config.max_retries = o.max_retries;
  config.max_concurrency = std::max(1, o.concurrency);
  StatusOr<std::unique_ptr<evals::ModelProvider>> provider = evals::NewModelProvider(config);
  if (!provider.ok()) return Error(kCommand, provider.status());

  evals::SandboxFactory sandboxes;
  if (o.unsafe_no_sandbox) {
    std::cerr << "bulwark eval run: WARNING: --unsafe-no-sandbox: the model's commands run on "
                 "this machine as this user, without isolation\n";
    sandboxes = [](const evals::SandboxSpec& spec) { return evals::StartUnsandboxed(spec); };
  } else {
    if (Status available = evals::Sandbox::Available(); !available.ok()) {
      return Error(kCommand, available);
    }
    sandboxes = [](const evals::SandboxSpec& spec) { return evals::Sandbox::Start(spec); };
  }

  std::string log_path = o.run_log;
  if (log_path.empty()) {
    std::filesystem::create_directories("var/runs");
    log_path = "var/runs/" + Sanitized(suite->name) + "--" + Sanitized(o.provider) + "--" +
               Sanitized(o.model) + ".runlog";
  }
  evals::RunHeader header{suite->name,
                          suite->version,
                          suite->ContentHash(),
                          o.provider,
                          o.model,
                          config.base_url,
                          o.epochs,
                          FormatRfc3339(SystemClock::Get().Now())};
  StatusOr<std::unique_ptr<evals::RunLog>> log = evals::RunLog::Open(log_path, header);
  if (!log.ok()) return Error(kCommand, log.status());
  if ((*log)->torn_records() > 0) {
    std::cerr << "bulwark eval run: " << log_path
              << ": the last record was cut short by an earlier interruption and is dropped\n";
  }

  evals::RunOptions options;
  options.epochs = o.epochs;
  options.concurrency = o.concurrency;
  options.task_ids = o.tasks;
  ProgressLine line("eval " + suite->name);
  // RunEvaluation calls back one call at a time.
  StatusOr<evals::RunSummary> summary = evals::RunEvaluation(
      *suite, **provider, sandboxes, **log, options, [&](const evals::RunProgress& p) {
        line.Update(p, (*provider)->concurrency_limit(), config.max_concurrency);
      });
  line.Finish();
  if (!summary.ok()) return Error(kCommand, summary.status());
  PrintSummary(*suite, *summary, o.epochs, log_path);
  for (const evals::SampleSummary& s : summary->samples) {
    if (s.infrastructure_error && s.epoch <= o.epochs) {
      std::cerr << "bulwark eval run: " << s.task_id << "#" << s.epoch << ": " << s.end << " ("
                << s.error_kind << "): " << PrintableText(s.error_message) << "\n";
    }
  }
  bool infrastructure = std::any_of(
      summary->samples.begin(), summary->samples.end(),
      [&](const evals::SampleSummary& s) { return s.infrastructure_error && s.epoch <= o.epochs; });
  return infrastructure ? kInfrastructureErrors : 0;
}

struct EvalValidateOptions {
  std::string suite;
  bool check = false;
  int concurrency = 2;
  std::vector<std::string> tasks;
  std::string format = "text";
  std::string run_logs;
};

void PrintTaskList(const evals::Suite& suite) {
  std::printf("suite %s %s: %zu tasks, %s\n", suite.name.c_str(), suite.version.c_str(),
              suite.tasks.size(), suite.ContentHash().c_str());
  for (const evals::Task& task : suite.tasks) {
    std::printf("  %-32s %-24s %-8s %zu files, %zu services, %s%s\n", task.id.c_str(),
                task.category.c_str(), task.mode == evals::TaskMode::kAgent ? "agent" : "single",
                task.files.size(), task.services.size(), task.checker ? "checker" : "flag",
                task.solution.empty() ? "" : ", reference solution");
  }
}

// One agent's column: what it did, in capitals when that makes the task invalid.
std::string AgentCell(const evals::AgentOutcome& o, bool should_pass) {
  if (!o.ran) return "MISSING";
  if (o.infrastructure_error) return "error";
  if (o.passed) return should_pass ? "passed" : "PASSED";
  return should_pass ? "FAILED" : "failed";
}

void PrintValidityTable(const evals::ValidityReport& report) {
  std::printf("%-30s %-24s %-10s %-9s %-7s %-11s %-8s %7s\n", "task", "category", "difficulty",
              "reference", "null", "flag-hunter", "verdict", "seconds");
  for (const evals::TaskValidity& t : report.tasks) {
    std::printf("%-30s %-24s %-10s %-9s %-7s %-11s %-8s %7.1f\n", t.task_id.c_str(),
                t.category.c_str(), t.difficulty.c_str(), AgentCell(t.reference, true).c_str(),
                AgentCell(t.null_agent, false).c_str(), AgentCell(t.flag_hunter, false).c_str(),
                std::string(evals::VerdictName(t.verdict)).c_str(), t.seconds);
  }
  std::printf(
      "\n%zu tasks: %d valid, %d invalid, %d undecided (infrastructure errors); "
      "checked in %s\n",
      report.tasks.size(), report.Count(evals::Verdict::kValid),
      report.Count(evals::Verdict::kInvalid), report.Count(evals::Verdict::kError),
      HumanDuration(report.seconds).c_str());
  for (const evals::TaskValidity& t : report.tasks) {
    if (t.verdict == evals::Verdict::kValid) continue;
    std::printf("%s %s: %s\n", std::string(evals::VerdictName(t.verdict)).c_str(),
                t.task_id.c_str(), PrintableText(t.reason).c_str());
  }
}

// `eval validate SUITE`: loads the suite and lists its tasks; with --check, runs the validity
// checks. Exit status: 0 every task valid, 1 some task invalid, 3 none invalid but some
// undecided by infrastructure errors, 2 an error before the checks.
int ValidateSuiteCommand(const EvalValidateOptions& o) {
  constexpr std::string_view kCommand = "eval validate";
  StatusOr<evals::Suite> suite = LoadAnySuite(o.suite, kCommand);
  if (!suite.ok()) return Error(kCommand, suite.status());
  if (!o.check) {
    PrintTaskList(*suite);
    return 0;
  }
  if (Status available = evals::Sandbox::Available(); !available.ok()) {
    return Error(kCommand, available);
  }
  evals::SandboxFactory sandboxes = [](const evals::SandboxSpec& spec) {
    return evals::Sandbox::Start(spec);
  };
  evals::ValidityOptions options;
  options.concurrency = o.concurrency;
  options.task_ids = o.tasks;
  options.run_log_dir = o.run_logs;
  bool tty = isatty(2) == 1;
  auto last = std::chrono::steady_clock::now();
  bool drawn = false;
  StatusOr<evals::ValidityReport> report =
      evals::CheckTaskValidity(*suite, sandboxes, options, [&](const evals::ValidityProgress& p) {
        auto now = std::chrono::steady_clock::now();
        if (!tty || (p.done != p.total && now - last < std::chrono::milliseconds(100))) return;
        last = now;
        std::fprintf(stderr, "\r\x1b[Kvalidate %s  %d/%d samples  %s", suite->name.c_str(), p.done,
                     p.total, HumanDuration(p.seconds).c_str());
        if (p.infrastructure_errors > 0) {
          std::fprintf(stderr, "  %d infrastructure errors", p.infrastructure_errors);
        }
        std::fflush(stderr);
        drawn = true;
      });
  if (drawn) std::fprintf(stderr, "\n");
  if (!report.ok()) return Error(kCommand, report.status());
  if (o.format == "json") {
    std::printf("%s\n", boost::json::serialize(evals::ValidityReportJson(*report)).c_str());
  } else {
    PrintValidityTable(*report);
  }
  if (report->Count(evals::Verdict::kInvalid) > 0) return 1;
  return report->Count(evals::Verdict::kError) > 0 ? kInfrastructureErrors : 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* eval = app.add_subcommand("eval", "Run and check capability benchmarks");
  eval->require_subcommand(1);

  auto o = std::make_shared<EvalRunOptions>();
  CLI::App* run = eval->add_subcommand(
      "run", "Run a suite against a model; re-running the same command completes what is missing");
  run->add_option("--suite", o->suite,
                  "A suite folder or suite.yaml, or intercode:DIR, inspect:PATH, nyu:PATH")
      ->required();
  run->add_option("--provider", o->provider, "The model's API: openai or anthropic")
      ->check(CLI::IsMember({"openai", "anthropic"}))
      ->capture_default_str();
  run->add_option("--model", o->model, "The model's name at the provider")->required();
  run->add_option("--base-url", o->base_url,
                  "The API's root, e.g. http://127.0.0.1:8089/v1 (default: the provider's own)");
  run->add_option("--api-key-env", o->api_key_env,
                  "The environment variable holding the API key (default OPENAI_API_KEY or "
                  "ANTHROPIC_API_KEY)");
  run->add_option("--epochs", o->epochs, "Samples per task")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  run->add_option("--concurrency", o->concurrency, "Samples at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  run->add_option("--tasks", o->tasks, "Only these task ids")->delimiter(',');
  run->add_option("--run-log", o->run_log,
                  "The run log (default var/runs/SUITE--PROVIDER--MODEL.runlog)");
  run->add_flag("--unsafe-no-sandbox", o->unsafe_no_sandbox,
                "Run the model's commands on this machine without isolation");
  run->add_option("--request-timeout", o->request_timeout_s, "Seconds per model request")
      ->capture_default_str();
  run->add_option("--max-retries", o->max_retries, "Retries of a model request on 429 and 5xx")
      ->capture_default_str();
  actions[run] = [o] { return RunEval(*o); };

  auto v = std::make_shared<EvalValidateOptions>();
  CLI::App* validate = eval->add_subcommand(
      "validate",
      "Load a suite and list its tasks; with --check, check in the sandbox that every task's "
      "reference solution passes and that an agent doing nothing, or only hunting for flags, "
      "fails");
  validate->add_option("suite", v->suite, "A suite folder or suite.yaml, or intercode:DIR, ...")
      ->required();
  validate->add_flag("--check", v->check,
                     "Run the validity checks (exit 1 when a task is invalid, 3 when only "
                     "infrastructure errors left some undecided)");
  validate->add_option("--concurrency", v->concurrency, "With --check: samples at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  validate->add_option("--tasks", v->tasks, "With --check: only these task ids")->delimiter(',');
  validate->add_option("--run-logs", v->run_logs,
                       "With --check: a folder for the agents' run logs, transcripts included "
                       "(reference.runlog, null.runlog, flag_hunter.runlog; replaced)");
  AddFormatOption(*validate, &v->format);
  actions[validate] = [v] { return ValidateSuiteCommand(*v); };
  AddEvalStatsCommands(*eval, actions);
  AddEvalReportCommand(*eval, actions);
}

}  // namespace bulwark::cli
