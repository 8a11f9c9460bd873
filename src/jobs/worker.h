// Worker: runs jobs from the JobQueue with handlers registered per kind, and the recurring
// schedules that enqueue periodic work. `bulwark worker` runs one; `bulwark serve` embeds one.
//
// A leasing thread leases due jobs of the registered kinds while executor threads are free
// (up to `concurrency` at once, and `prefetch` more waiting for the next executor to free, so
// that one that finishes a job starts the next without waiting for a lease), runs each through
// its handler, and heartbeats the leases of the jobs it holds. It leases again as soon as jobs
// are queued (JobQueue signals kJobsChannel; on SQLite only within the process) and polls every
// `idle_poll` besides, for jobs whose time came and those queued by processes it cannot hear. A
// handler applies its effects through JobContext::Commit, which marks the job done in the same
// transaction (a job that finishes with no effects is marked done in the leasing thread's next
// transaction, with the others that finished meanwhile): if the lease was lost meanwhile (the job
// passed to another worker), the transaction rolls back and the effects are not applied twice. A
// handler that returns an error fails the attempt: InvalidArgument (a malformed payload) and
// FailedPrecondition make the job dead at once with the reason; anything else is retried with
// backoff until the kind's attempts are used up. Stop() drains: no more leases, the jobs in flight
// finish, then the threads end.
//
// Schedules: EnsureSchedule records "enqueue KIND every N seconds" or "enqueue KIND at the times
// of a cron expression" (jobs/cron.h, in UTC); while running, the worker enqueues each due
// schedule's job with an idempotency key naming the schedule and the time it was due, so several
// workers on one database enqueue it once. A schedule whose cron text in the table does not
// parse is skipped with a warning; the others run.
//
// Thread-safety: Register, EnsureSchedule and Start before Stop; counters may be read from any
// thread.
//
//   Worker worker(db, clock, {.name = "host-1", .concurrency = 4});
//   worker.Register("ledger.checkpoint", [&](const Job& job, JobContext& ctx) {
//     return log.SignCheckpoint().status();
//   });
//   worker.Start();
//   ...
//   worker.Stop();
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobs/cron.h"
#include "jobs/queue.h"

namespace bulwark::jobs {

class JobContext {
 public:
  using Effects = std::function<Status(store::Transaction&)>;

  // Applies `effects` and marks the job done, in one transaction. Aborted when the lease was
  // lost. At most once per run; a handler that returns OK without calling it has its job
  // marked done with no effects. `mode` is kReadWrite unless the effects take the row locks
  // they need themselves (kQueue: see store::TxMode).
  Status Commit(const Effects& effects, store::TxMode mode = store::TxMode::kReadWrite);

  bool committed() const { return committed_; }

 private:
  friend class Worker;
  JobContext(store::Database& db, const JobQueue& queue, const Job& job, std::string worker)
      : db_(db), queue_(queue), job_(job), worker_(std::move(worker)) {}

  store::Database& db_;
  const JobQueue& queue_;
  const Job& job_;
  std::string worker_;
  bool committed_ = false;
};

using JobHandler = std::function<Status(const Job&, JobContext&)>;

struct WorkerOptions {
  std::string name;                // this worker's lease owner name; unique per process
  std::vector<std::string> kinds;  // run only these kinds; empty: every registered kind
  int concurrency = 4;
  // Jobs leased ahead, beyond `concurrency`, while every executor is busy; -1: a quarter of
  // `concurrency` (at least 1). They wait at most a job's length, and only while no executor
  // is free, so other workers are rarely kept from them.
  int prefetch = -1;
  Duration lease = Seconds(60);
  Duration idle_poll = std::chrono::milliseconds(250);  // wait when nothing is due
};

// What a worker has done, per kind.
struct WorkerCounts {
  int64_t completed = 0;
  int64_t failed = 0;      // attempts that failed and will be retried
  int64_t dead = 0;        // attempts that made their job dead
  int64_t lease_lost = 0;  // jobs whose lease passed to another worker before they finished
};

class Worker {
 public:
  Worker(store::Database& db, const Clock& clock, WorkerOptions options);
  ~Worker();

  void Register(const std::string& kind, JobHandler handler);

  // Records (or updates) a schedule: enqueue `kind` with `payload` every `every`.
  Status EnsureSchedule(const std::string& name, const std::string& kind,
                        const std::string& payload, Duration every);

  // Records (or updates) a schedule: enqueue `kind` with `payload` at each time `cron` matches,
  // the first after now. Runs missed while no worker ran are not made up. An update that keeps
  // the same expression keeps the time of the next run; one that changes it moves the next run
  // to the new expression's. InvalidArgument when the expression never matches.
  Status EnsureSchedule(const std::string& name, const std::string& kind,
                        const std::string& payload, const CronExpression& cron);

  void Start();
  void Stop();

  std::map<std::string, WorkerCounts> Counts() const;
  const std::string& name() const { return options_.name; }
  const JobQueue& queue() const { return queue_; }
  // Jobs leased and not finished: running, or waiting for an executor.
  int in_flight() const { return in_flight_.load(); }

 private:
  void LeaseLoop();
  void ExecutorLoop();
  void HeartbeatLoop();
  void TidyLoop();
  void WakeLoop();
  void RunJob(const Job& job);
  Status EnqueueDueSchedules();
  // Logs a warning about a schedule that cannot run, once per schedule and reason.
  void WarnAboutSchedule(const std::string& name, const std::string& reason);

  store::Database& db_;
  const Clock& clock_;
  WorkerOptions options_;
  JobQueue queue_;
  std::map<std::string, JobHandler> handlers_;  // set before Start

  mutable std::mutex mu_;
  std::condition_variable changed_;             // work arrived, a slot freed, or stopping
  std::vector<Job> ready_;                      // GUARDED_BY(mu_)
  std::set<std::string> running_;               // GUARDED_BY(mu_): ids, for heartbeats
  int ready_limit_ = 0;                         // concurrency + prefetch: leased at most
  std::vector<std::string> finished_;           // GUARDED_BY(mu_): done, with no effects
  std::map<std::string, WorkerCounts> counts_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                       // GUARDED_BY(mu_)
  bool leasing_done_ = false;                   // GUARDED_BY(mu_)
  bool queued_ = false;                         // GUARDED_BY(mu_): jobs were queued since
  std::unique_ptr<store::Listener> listener_;   // of kJobsChannel; null when it cannot listen
  std::atomic<int> in_flight_{0};               // leased and not finished
  std::vector<std::thread> threads_;
  // Schedules that cannot run, by name, with the reason last logged. Only the leasing thread
  // uses it.
  std::map<std::string, std::string> unrunnable_schedules_;
};

}  // namespace bulwark::jobs
