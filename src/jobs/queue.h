// JobQueue: the durable job queue every service shares, on store::Database.
//
// A job is a unit of background work of some kind ("ledger.checkpoint", "jobs.probe", ...) with
// a JSON payload, a priority (higher first), a time before which it does not run, an optional
// idempotency key (a second enqueue with the same kind and key is a no-op), and a count of
// attempts. Its states:
//
//   queued --lease--> leased --complete--> done
//                       |  \--fail (attempts left)--> failed --(run_at passes)--> leased ...
//                       |  \--fail (none left, or a permanent error)--> dead --retry--> queued
//                       \--lease expires (the worker died)--> leased again by another worker,
//                          or dead once its attempts are used up
//
// Enqueue runs inside the caller's transaction, so a job exists exactly when the change that
// asked for it committed. Workers lease batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL; the
// single writer on SQLite) with a lease that expires; Complete runs inside the transaction that
// applies the job's effects and succeeds only while the lease is still the caller's, so a job's
// effects are applied once even when a worker dies after doing the work, or a slow worker's
// lease passed to another. docs/jobs.md describes the table and every transition.
//
// Thread-safety: JobQueue holds no mutable state; any number of threads and processes may use
// queues on one database.
//
//   JobQueue queue(db, clock);
//   db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
//     ... the change ...
//     return queue.Enqueue(tx, {.kind = "notices.deliver", .payload = R"({"notice":"ntc_..."})"})
//         .status();
//   });
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/database.h"

namespace bulwark::jobs {

// The signal's channel (store::Transaction::Signal) on which Enqueue and Retry tell the workers
// that jobs are due.
inline constexpr std::string_view kJobsChannel = "bulwark_jobs";

enum class JobState { kQueued, kLeased, kDone, kFailed, kDead };

std::string_view JobStateName(JobState state);
std::optional<JobState> ParseJobState(std::string_view name);

struct JobSpec {
  std::string kind;
  std::string payload = "{}";   // a JSON document
  int64_t priority = 0;         // higher runs first
  std::optional<Time> run_at;   // not before; now when absent
  std::string idempotency_key;  // "" for none
  int max_attempts = 5;
};

// A job as stored.
struct Job {
  std::string id;  // job_...
  std::string kind;
  std::string payload;
  int64_t priority = 0;
  Time run_at;
  std::string idempotency_key;
  JobState state = JobState::kQueued;
  int attempts = 0;
  int max_attempts = 0;
  std::string lease_owner;
  std::optional<Time> lease_expires_at;
  std::string last_error;
  Time created_at;
  Time updated_at;
  std::optional<Time> finished_at;
};

// Per kind: how many jobs are in each state, and the oldest that is waiting to run.
struct QueueStats {
  std::string kind;
  int64_t queued = 0;  // waiting for their first run
  int64_t leased = 0;
  int64_t failed = 0;  // waiting for a retry
  int64_t dead = 0;
  int64_t done = 0;
  std::optional<Time> oldest_waiting;  // created_at of the oldest queued or failed job
};

struct JobPage {
  std::vector<Job> items;
  std::string next_cursor;  // "" at the end
};

class JobQueue {
 public:
  JobQueue(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Adds a job in the caller's transaction; returns its id, or the id of the job already
  // enqueued with the same kind and idempotency key. InvalidArgument for an empty kind, a
  // payload that is not a JSON object, or max_attempts < 1.
  StatusOr<std::string> Enqueue(store::Transaction& tx, const JobSpec& spec) const;

  // Enqueue for many jobs at once, a few hundred rows a statement; returns their ids in the
  // order of `specs` (an existing job's id where a key was taken, by a stored job or an earlier
  // spec of the same call). Nothing is enqueued when a spec is invalid.
  StatusOr<std::vector<std::string>> EnqueueMany(store::Transaction& tx,
                                                 std::span<const JobSpec> specs) const;

  // Leases up to `limit` jobs that are due (of `kinds`, or any kind when empty) to `worker`
  // for `lease`: first jobs whose lease expired (another attempt, or dead when their attempts
  // are used up), then waiting jobs, highest priority first, then oldest run_at. In the same
  // transaction, marks done the jobs of `finished` still leased to `worker`: jobs whose
  // handlers finished with no effects to apply, so a worker completes them in batches. With
  // `reclaim_expired` false, expired leases are left for a later call (a worker looks at them
  // about once a second rather than in every lease).
  StatusOr<std::vector<Job>> Lease(const std::string& worker, const std::vector<std::string>& kinds,
                                   int limit, Duration lease,
                                   const std::vector<std::string>& finished = {},
                                   bool reclaim_expired = true) const;

  // Marks done, in one transaction, the jobs of `job_ids` still leased to `worker` that
  // finished with no effects to apply (those whose lease passed on are left alone).
  Status CompleteWithoutEffects(const std::string& worker,
                                const std::vector<std::string>& job_ids) const;

  // Marks a leased job done, in the transaction that applies its effects. Aborted when the
  // job is no longer leased to `worker` (its lease expired and passed on): the caller's
  // transaction must then roll back, so the effects are not applied twice.
  Status Complete(store::Transaction& tx, const std::string& job_id,
                  const std::string& worker) const;

  // Records a failed attempt: retried after an exponential backoff with full jitter, or dead
  // when `permanent` or when its attempts are used up. Aborted when the lease is not the
  // worker's any more.
  Status Fail(const std::string& job_id, const std::string& worker, const std::string& error,
              bool permanent) const;

  // Extends the lease of a job still leased to `worker`. Aborted when it is not.
  Status Heartbeat(const std::string& job_id, const std::string& worker, Duration lease) const;

  // Puts a dead job back in the queue with its attempts reset. FailedPrecondition unless dead.
  StatusOr<Job> Retry(const std::string& job_id) const;

  StatusOr<Job> Get(const std::string& job_id) const;

  // Jobs in one state (and of one kind when `kind` is set), newest first, paged by cursor.
  StatusOr<JobPage> List(std::optional<JobState> state, const std::string& kind, int limit,
                         const std::string& cursor) const;

  // Deletes done jobs that finished before `before` (their idempotency keys go with them);
  // returns how many.
  StatusOr<int64_t> PruneDone(Time before) const;

  // Every lease and completion leaves a dead row version behind on PostgreSQL, and index entries
  // pointing at it that every lease walks over until a VACUUM removes them: a burst of 100,000
  // jobs makes each lease walk tens of thousands, and autovacuum looks only once a minute. So
  // workers call this about once a second: it vacuums the jobs table when the server's
  // statistics count at least `dead_rows` dead versions in it, and says whether it did.
  static constexpr int64_t kDeadRowsToVacuum = 20000;
  StatusOr<bool> Tidy(int64_t dead_rows = kDeadRowsToVacuum) const;

  // Counts per kind, in kind order.
  StatusOr<std::vector<QueueStats>> Stats() const;

  // The delay before attempt `attempt` + 1 after `attempt` failures: full jitter over
  // min(base * 2^(attempt-1), cap), with base 1 s and cap 1 h.
  static Duration Backoff(int attempt, uint64_t random);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace bulwark::jobs
