#include "jobs/worker.h"

#include <algorithm>

#include "base/log.h"

namespace bulwark::jobs {
namespace {

// Errors that another attempt cannot mend: the job goes dead with the reason at once.
bool IsPermanent(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ||
         status.code() == StatusCode::kFailedPrecondition;
}

std::string NeverMatches(const CronExpression& cron) {
  return "the cron expression '" + cron.text() + "' matches no time in the next ten years";
}

}  // namespace

Status JobContext::Commit(const Effects& effects, store::TxMode mode) {
  if (committed_) return FailedPreconditionError("a job's effects are committed once");
  // The job first: with its lease lost, the effects are not even tried.
  Status s = db_.Transact(mode, [&](store::Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(queue_.Complete(tx, job_.id, worker_));
    return effects ? effects(tx) : OkStatus();
  });
  // Only a transaction that committed counts: after a rollback the handler may not try again
  // within this run, but its job is retried.
  committed_ = s.ok();
  return s;
}

Worker::Worker(store::Database& db, const Clock& clock, WorkerOptions options)
    : db_(db), clock_(clock), options_(std::move(options)), queue_(db, clock) {
  options_.concurrency = std::max(1, options_.concurrency);
  if (options_.prefetch < 0) options_.prefetch = std::max(1, options_.concurrency / 4);
  ready_limit_ = options_.concurrency + options_.prefetch;
}

Worker::~Worker() { Stop(); }

void Worker::Register(const std::string& kind, JobHandler handler) {
  handlers_[kind] = std::move(handler);
}

Status Worker::EnsureSchedule(const std::string& name, const std::string& kind,
                              const std::string& payload, Duration every) {
  if (every < Seconds(1)) return InvalidArgumentError("a schedule runs at most every second");
  const int64_t now = ToUnixMicros(clock_.Now());
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(every).count();
  // A schedule that was a cron schedule starts its period now; one that keeps its period keeps
  // its next run, so that restarting workers neither skips nor repeats a run.
  return db_.Transact(store::TxMode::kQueue, [&](store::Transaction& tx) -> Status {
    return tx
        .Execute(
            "INSERT INTO job_schedules (name, kind, payload, every_seconds, cron, "
            "next_run_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (name) DO "
            "UPDATE SET kind = excluded.kind, payload = excluded.payload, every_seconds = "
            "excluded.every_seconds, cron = NULL, next_run_at = CASE WHEN job_schedules.cron IS "
            "NULL THEN job_schedules.next_run_at ELSE excluded.next_run_at END, updated_at = "
            "excluded.updated_at",
            {name, kind, payload, seconds, now, now})
        .status();
  });
}

Status Worker::EnsureSchedule(const std::string& name, const std::string& kind,
                              const std::string& payload, const CronExpression& cron) {
  const Time now = clock_.Now();
  const std::optional<Time> next = cron.Next(now);
  if (!next) {
    return InvalidArgumentError(NeverMatches(cron));
  }
  // The same expression keeps its next run; a new one (or a period before) takes its own.
  return db_.Transact(store::TxMode::kQueue, [&](store::Transaction& tx) -> Status {
    return tx
        .Execute(
            "INSERT INTO job_schedules (name, kind, payload, every_seconds, cron, "
            "next_run_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (name) DO "
            "UPDATE SET kind = excluded.kind, payload = excluded.payload, every_seconds = NULL, "
            "cron = excluded.cron, next_run_at = CASE WHEN job_schedules.cron = excluded.cron "
            "THEN job_schedules.next_run_at ELSE excluded.next_run_at END, updated_at = "
            "excluded.updated_at",
            {name, kind, payload, cron.text(), ToUnixMicros(*next), ToUnixMicros(now)})
        .status();
  });
}

Status Worker::EnqueueDueSchedules() {
  const Time now = clock_.Now();
  return db_.Transact(store::TxMode::kQueue, [&](store::Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        store::ResultSet due,
        tx.Query("SELECT name, kind, payload, every_seconds, cron, next_run_at FROM "
                 "job_schedules WHERE next_run_at <= ? AND (cron IS NOT NULL OR every_seconds > 0)",
                 {ToUnixMicros(now)}));
    for (const store::Row& row : due) {
      const std::string name = row.Text(0);
      const int64_t due_at = row.Int(5);
      // The next run after now; missed runs are not made up.
      int64_t next = 0;
      if (!row.IsNull(4)) {
        // The text comes from the table, where anyone with access to the database may have
        // written it: a schedule that cannot run must not hold up the others.
        StatusOr<CronExpression> cron = CronExpression::Parse(row.Text(4));
        if (!cron.ok()) {
          WarnAboutSchedule(name, cron.status().message());
          continue;
        }
        const std::optional<Time> next_time = cron->Next(now);
        if (!next_time) {
          WarnAboutSchedule(name, NeverMatches(*cron));
          continue;
        }
        next = ToUnixMicros(*next_time);
        unrunnable_schedules_.erase(name);  // so that it is reported again should it break
      } else {
        // The next time after now on the schedule's grid.
        const int64_t every = row.Int(3) * 1000000;
        next = due_at + ((ToUnixMicros(now) - due_at) / every + 1) * every;
      }
      BW_ASSIGN_OR_RETURN(
          int64_t moved,
          tx.Execute("UPDATE job_schedules SET next_run_at = ? WHERE name = ? AND next_run_at = ?",
                     {next, name, due_at}));
      if (moved != 1) continue;  // another worker took this run
      JobSpec spec{.kind = row.Text(1),
                   .payload = row.Text(2),
                   .idempotency_key = "schedule:" + name + ":" + std::to_string(due_at)};
      BW_RETURN_IF_ERROR(queue_.Enqueue(tx, spec).status());
    }
    return OkStatus();
  });
}

void Worker::WarnAboutSchedule(const std::string& name, const std::string& reason) {
  auto [it, inserted] = unrunnable_schedules_.try_emplace(name, reason);
  if (!inserted && it->second == reason) return;
  it->second = reason;
  Log(LogLevel::kWarning, "job schedule skipped", {{"schedule", name}, {"error", reason}});
}

void Worker::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!threads_.empty()) return;
    stopping_ = false;
    leasing_done_ = false;
  }
  StatusOr<std::unique_ptr<store::Listener>> listener = db_.Listen(kJobsChannel);
  if (listener.ok()) {
    listener_ = std::move(*listener);
  } else {
    Log(LogLevel::kWarning, "the worker polls for jobs only: it cannot listen for them",
        {{"error", listener.status().ToString()}});
  }
  threads_.emplace_back([this] { LeaseLoop(); });
  if (listener_) threads_.emplace_back([this] { WakeLoop(); });
  threads_.emplace_back([this] { HeartbeatLoop(); });
  threads_.emplace_back([this] { TidyLoop(); });
  for (int i = 0; i < options_.concurrency; ++i) threads_.emplace_back([this] { ExecutorLoop(); });
}

void Worker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (threads_.empty() || stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (listener_) listener_->Interrupt();
  threads_.front().join();  // the leasing thread: no new leases after this
  {
    std::lock_guard<std::mutex> lock(mu_);
    leasing_done_ = true;
  }
  changed_.notify_all();
  for (size_t i = 1; i < threads_.size(); ++i) threads_[i].join();
  threads_.clear();
  listener_.reset();
  // The jobs that finished after the last lease; if this fails their leases expire and they
  // run again, which changes nothing: they had no effects.
  if (Status s = queue_.CompleteWithoutEffects(options_.name, finished_); !s.ok()) {
    Log(LogLevel::kWarning, "finished jobs not marked done", {{"error", s.ToString()}});
  }
  finished_.clear();
}

void Worker::LeaseLoop() {
  // The kinds asked for that have a handler; every kind with a handler when none were asked for.
  std::vector<std::string> kinds;
  for (const auto& [kind, handler] : handlers_) {
    if (options_.kinds.empty() ||
        std::find(options_.kinds.begin(), options_.kinds.end(), kind) != options_.kinds.end()) {
      kinds.push_back(kind);
    }
  }
  auto last_schedules = std::chrono::steady_clock::now() - std::chrono::seconds(2);
  auto last_reclaim = last_schedules;
  std::unique_lock<std::mutex> lock(mu_);
  const int half = (options_.concurrency + 1) / 2;
  while (!stopping_) {
    int free = ready_limit_ - in_flight_.load();
    if (free <= 0) {
      changed_.wait(lock);
      continue;
    }
    if (free < half && !finished_.empty()) {
      // A moment for more jobs to finish, so one transaction completes and leases several. Jobs
      // that committed their own effects leave nothing to complete: their slots are filled at
      // once.
      changed_.wait_for(lock, std::chrono::milliseconds(2),
                        [&] { return stopping_ || ready_limit_ - in_flight_.load() >= half; });
      free = ready_limit_ - in_flight_.load();
    }
    std::vector<std::string> finished;
    finished.swap(finished_);
    queued_ = false;  // what was queued before this lease is leased by it
    lock.unlock();
    if (std::chrono::steady_clock::now() - last_schedules >= std::chrono::seconds(1)) {
      last_schedules = std::chrono::steady_clock::now();
      if (Status s = EnqueueDueSchedules(); !s.ok()) {
        Log(LogLevel::kWarning, "job schedules not enqueued", {{"error", s.ToString()}});
      }
    }
    // Expired leases (a worker stopped) are looked for about once a second, not in every lease.
    const bool reclaim = std::chrono::steady_clock::now() - last_reclaim >= std::chrono::seconds(1);
    if (reclaim) last_reclaim = std::chrono::steady_clock::now();
    StatusOr<std::vector<Job>> leased =
        kinds.empty() ? std::vector<Job>{}
                      : queue_.Lease(options_.name, kinds, free, options_.lease, finished, reclaim);
    if (!leased.ok()) {
      Log(LogLevel::kWarning, "jobs not leased", {{"error", leased.status().ToString()}});
    }
    lock.lock();
    if (!leased.ok()) finished_.insert(finished_.end(), finished.begin(), finished.end());
    if (leased.ok() && !leased->empty()) {
      in_flight_ += static_cast<int>(leased->size());
      for (Job& job : *leased) ready_.push_back(std::move(job));
      changed_.notify_all();
      continue;
    }
    changed_.wait_for(lock, options_.idle_poll,
                      [this] { return stopping_ || queued_ || !finished_.empty(); });
  }
}

void Worker::WakeLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (!listener_->Wait(Seconds(10))) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_ = true;
    }
    changed_.notify_all();
  }
}

void Worker::ExecutorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [this] { return !ready_.empty() || leasing_done_; });
    if (ready_.empty()) return;  // leasing is over and nothing is left
    Job job = std::move(ready_.front());
    ready_.erase(ready_.begin());
    running_.insert(job.id);
    lock.unlock();
    RunJob(job);
    lock.lock();
    running_.erase(job.id);
    --in_flight_;
    changed_.notify_all();
  }
}

void Worker::HeartbeatLoop() {
  const auto interval = std::max<Duration>(options_.lease / 3, std::chrono::milliseconds(100));
  std::unique_lock<std::mutex> lock(mu_);
  while (!leasing_done_) {
    changed_.wait_for(lock, interval, [this] { return leasing_done_; });
    // The jobs running and those leased ahead, waiting for an executor.
    std::vector<std::string> ids(running_.begin(), running_.end());
    for (const Job& job : ready_) ids.push_back(job.id);
    lock.unlock();
    for (const std::string& id : ids) {
      Status s = queue_.Heartbeat(id, options_.name, options_.lease);
      if (!s.ok() && s.code() != StatusCode::kAborted) {
        Log(LogLevel::kWarning, "job lease not extended", {{"job", id}, {"error", s.ToString()}});
      }
    }
    lock.lock();
  }
}

void Worker::TidyLoop() {
  if (db_.backend() != store::Backend::kPostgres) return;
  std::unique_lock<std::mutex> lock(mu_);
  while (!leasing_done_) {
    changed_.wait_for(lock, std::chrono::seconds(1), [this] { return leasing_done_; });
    if (leasing_done_) break;
    lock.unlock();
    StatusOr<bool> vacuumed = queue_.Tidy();
    if (!vacuumed.ok()) {
      Log(LogLevel::kWarning, "jobs table not vacuumed", {{"error", vacuumed.status().ToString()}});
    } else if (*vacuumed) {
      Log(LogLevel::kDebug, "jobs table vacuumed", {});
    }
    lock.lock();
  }
}

void Worker::RunJob(const Job& job) {
  JobContext context(db_, queue_, job, options_.name);
  Status status;
  auto handler = handlers_.find(job.kind);
  if (handler == handlers_.end()) {
    status = FailedPreconditionError("no handler for jobs of kind " + job.kind);
  } else {
    status = handler->second(job, context);
  }
  if (status.ok() && !context.committed()) {
    // No effects to apply: marked done with others in the leasing thread's next transaction.
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(job.id);
  }
  enum { kCompleted, kLeaseLost, kFailed, kDead } outcome = kCompleted;
  if (!status.ok()) {
    const bool permanent = IsPermanent(status);
    if (status.code() == StatusCode::kAborted && !context.committed() &&
        status.message().find("no longer leased") != std::string::npos) {
      outcome = kLeaseLost;
    } else if (!queue_.Fail(job.id, options_.name, status.ToString(), permanent).ok()) {
      outcome = kLeaseLost;
    } else {
      outcome = permanent || job.attempts >= job.max_attempts ? kDead : kFailed;
      Log(outcome == kDead ? LogLevel::kError : LogLevel::kWarning,
          outcome == kDead ? "job dead" : "job attempt failed",
          {{"job", job.id}, {"kind", job.kind}, {"error", status.ToString()}});
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  WorkerCounts& counts = counts_[job.kind];
  switch (outcome) {
    case kCompleted:
      ++counts.completed;
      break;
    case kLeaseLost:
      ++counts.lease_lost;
      break;
    case kFailed:
      ++counts.failed;
      break;
    case kDead:
      ++counts.dead;
      break;
  }
}

std::map<std::string, WorkerCounts> Worker::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

}  // namespace bulwark::jobs
