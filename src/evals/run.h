// Runs: every task of a suite, for some epochs, against one model, with a few samples at once,
// each result appended to the run log as it finishes. Re-running with the same log completes
// only what is missing (and retries samples that ended in an infrastructure error).
//
// Thread-safety: RunEvaluation blocks and runs `concurrency` worker threads; `on_progress` is
// called from the workers, one call at a time.
//
//   RunOptions options{.epochs = 3, .concurrency = 8};
//   BW_ASSIGN_OR_RETURN(RunSummary summary,
//                       RunEvaluation(suite, *provider, sandboxes, *log, options, {}));
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "evals/agent_loop.h"
#include "evals/model_provider.h"
#include "evals/run_log.h"
#include "evals/task.h"

namespace bulwark::evals {

struct RunOptions {
  int epochs = 1;
  int concurrency = 4;
  std::vector<std::string> task_ids;  // empty: every task of the suite
  AgentOptions agent;
  // Called with every finished sample, transcript included, once the log holds it; from the
  // workers, one call at a time. Optional.
  std::function<void(const SampleResult&)> on_sample;
};

// Where a run stands, for a progress line.
struct RunProgress {
  int total = 0;  // samples this invocation runs
  int done = 0;   // of those, finished
  int passed = 0;
  int infrastructure_errors = 0;
  int64_t tokens = 0;  // input + output, this invocation
  double seconds = 0;  // since this invocation started
};

struct RunSummary {
  int already_done = 0;                // samples found complete in the log
  RunProgress progress;                // this invocation's samples
  std::vector<SampleSummary> samples;  // every sample's latest record, log order
};

// InvalidArgument for an unknown task id or bad options; Unavailable when the log cannot be
// written (the samples recorded so far are kept).
StatusOr<RunSummary> RunEvaluation(const Suite& suite, ModelProvider& provider,
                                   const SandboxFactory& sandboxes, RunLog& log,
                                   const RunOptions& options,
                                   const std::function<void(const RunProgress&)>& on_progress);

}  // namespace bulwark::evals
