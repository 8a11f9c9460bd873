#include "evals/run.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace bulwark::evals {

StatusOr<RunSummary> RunEvaluation(const Suite& suite, ModelProvider& provider,
                                   const SandboxFactory& sandboxes, RunLog& log,
                                   const RunOptions& options,
                                   const std::function<void(const RunProgress&)>& on_progress) {
  if (options.epochs < 1 || options.concurrency < 1) {
    return Status(StatusCode::kInvalidArgument, "epochs and concurrency must be at least 1");
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
      tasks.push_back(task);
    }
  }
  // Epoch-major order: every task once before any task twice, so a partial run is balanced.
  std::vector<std::pair<const Task*, int>> pending;
  RunSummary summary;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    for (const Task* task : tasks) {
      if (log.Done(task->id, epoch)) {
        ++summary.already_done;
      } else {
        pending.emplace_back(task, epoch);
      }
    }
  }

  auto start = std::chrono::steady_clock::now();
  std::mutex mutex;
  RunProgress progress;  // GUARDED_BY(mutex)
  progress.total = static_cast<int>(pending.size());
  Status failure;  // GUARDED_BY(mutex)
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  if (on_progress) on_progress(progress);

  auto worker = [&] {
    while (!stop.load()) {
      size_t i = next.fetch_add(1);
      if (i >= pending.size()) return;
      SampleResult result =
          RunSample(*pending[i].first, pending[i].second, provider, sandboxes, options.agent);
      Status appended = log.Append(result);
      std::lock_guard<std::mutex> lock(mutex);
      if (!appended.ok()) {
        if (failure.ok()) failure = appended;
        stop.store(true);
        return;
      }
      if (options.on_sample) options.on_sample(result);
      ++progress.done;
      progress.passed += result.passed ? 1 : 0;
      progress.infrastructure_errors += IsInfrastructureError(result.end) ? 1 : 0;
      progress.tokens += result.usage.input_tokens + result.usage.output_tokens;
      progress.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (on_progress) on_progress(progress);
    }
  };
  int threads = std::min<int>(options.concurrency, std::max<size_t>(pending.size(), 1));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(worker);
  for (std::thread& t : workers) t.join();
  if (!failure.ok()) return failure;
  summary.progress = progress;
  summary.progress.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.samples = log.Latest();
  return summary;
}

}  // namespace bulwark::evals
