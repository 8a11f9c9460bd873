// bulwark eval report RUN_LOG --format html|json|markdown: a run's report (evals/report.h): its
// samples, statistics and, with --suite, breakdowns and the time horizon; with --policy, the
// decision under a threshold policy with every statistic it used. Written to standard output,
// or with -o to a file (whole, or not at all).
//
// Exit status: 0, or 2 for a run log, suite or policy that cannot be read or does not belong to
// the run (saying why). Torn or damaged records are left out, said on standard error and in the
// report.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "base/clock.h"
#include "base/text.h"
#include "base/time_format.h"
#include "cli/commands.h"
#include "evals/importers.h"
#include "evals/policy.h"
#include "evals/report.h"
#include "evals/run_log.h"

namespace bulwark::cli {
namespace {

constexpr std::string_view kCommand = "eval report";
constexpr int kError = 2;

struct ReportCommandOptions {
  std::string run_log;
  std::string suite;
  std::string policy;
  std::string format;
  std::string output;
  double level = 0.95;
  std::vector<int> k = {1};
  int resamples = 1000;
  uint64_t seed = 1;
};

int Error(const Status& status) {
  std::cerr << "bulwark " << kCommand << ": " << PrintableText(status.message()) << "\n";
  return kError;
}

std::string Seconds(Time t) { return FormatRfc3339(std::chrono::floor<std::chrono::seconds>(t)); }

// Writes `text` to `path` through a file beside it, renamed over it once whole.
Status WriteWhole(const std::string& path, const std::string& text) {
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::filesystem::remove(partial);
      return UnavailableError("cannot write " + partial);
    }
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) {
    std::filesystem::remove(partial);
    return UnavailableError("cannot write " + path + ": " + error.message());
  }
  return OkStatus();
}

int ReportCommand(const ReportCommandOptions& o) {
  StatusOr<evals::RunLogContents> run = evals::RunLog::Read(o.run_log);
  if (!run.ok()) return Error(run.status());
  if (run->torn_records > 0) {
    std::cerr << "bulwark " << kCommand << ": " << run->torn_records << " torn or damaged record"
              << (run->torn_records == 1 ? "" : "s") << " in " << PrintableText(o.run_log)
              << " left out (the report says so)\n";
  }
  std::optional<evals::Suite> suite;
  if (!o.suite.empty()) {
    StatusOr<evals::ImportResult> imported = evals::LoadSuiteSpec(o.suite);
    if (!imported.ok()) return Error(imported.status());
    suite = std::move(imported->suite);
  }
  std::optional<evals::Policy> policy;
  if (!o.policy.empty()) {
    StatusOr<evals::Policy> loaded = evals::LoadPolicy(o.policy);
    if (!loaded.ok()) return Error(loaded.status());
    policy = std::move(*loaded);
  }
  evals::ReportOptions options;
  options.run_log = o.run_log;
  options.generated_at = Seconds(SystemClock().Now());
  struct stat st {};
  if (::stat(o.run_log.c_str(), &st) == 0) {
    options.last_written_at = Seconds(FromUnixMicros(
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000));
  }
  options.level = o.level;
  options.k = o.k;
  options.resamples = o.resamples;
  options.seed = o.seed;
  StatusOr<evals::Report> report =
      evals::BuildReport(*run, suite ? &*suite : nullptr, policy ? &*policy : nullptr, options);
  if (!report.ok()) return Error(report.status());
  const std::string text = o.format == "json"       ? evals::ReportJson(*report)
                           : o.format == "markdown" ? evals::ReportMarkdown(*report)
                                                    : evals::ReportHtml(*report);
  if (o.output.empty() || o.output == "-") {
    std::cout << text;
    std::cout.flush();
    return std::cout ? 0 : Error(UnavailableError("cannot write the report to standard output"));
  }
  if (Status written = WriteWhole(o.output, text); !written.ok()) return Error(written);
  return 0;
}

}  // namespace

void AddEvalReportCommand(CLI::App& eval, Actions& actions) {
  auto o = std::make_shared<ReportCommandOptions>();
  CLI::App* report = eval.add_subcommand(
      "report", "A run's report: statistics, breakdowns, the decision, and a sample viewer");
  report->add_option("run_log", o->run_log, "The run log")->required();
  report->add_option("--suite", o->suite,
                     "The run's suite, for rates by category and difficulty and the time horizon");
  report->add_option("--policy", o->policy, "A threshold policy (YAML): the decision");
  report->add_option("--format", o->format, "html (one self-contained file), json or markdown")
      ->required()
      ->check(CLI::IsMember({"html", "json", "markdown"}));
  report->add_option("-o,--output", o->output, "The file to write (default: standard output)");
  report->add_option("--level", o->level, "The bounds' confidence level")
      ->check(CLI::Range(0.5, 0.9999))
      ->capture_default_str();
  report->add_option("--k", o->k, "pass@k for these k")->delimiter(',')->check(CLI::Range(1, 1000));
  report->add_option("--resamples", o->resamples, "The time horizon's bootstrap resamples")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  report->add_option("--seed", o->seed, "The bootstrap's seed")->capture_default_str();
  actions[report] = [o] { return ReportCommand(*o); };
}

}  // namespace bulwark::cli
