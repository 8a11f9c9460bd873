#include "jobs/queue.h"

#include <algorithm>
#include <set>
#include <span>
#include <string>

#include "base/ids.h"
#include "base/json.h"
#include "base/random.h"

namespace bulwark::jobs {
namespace {

using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

constexpr std::string_view kColumns =
    "id, kind, payload, priority, run_at, idempotency_key, state, attempts, max_attempts, "
    "lease_owner, lease_expires_at, last_error, created_at, updated_at, finished_at";

constexpr size_t kMaxErrorBytes = 2000;

Job ReadJob(const Row& row) {
  Job job;
  job.id = row.Text(0);
  job.kind = row.Text(1);
  job.payload = row.Text(2);
  job.priority = row.Int(3);
  job.run_at = FromUnixMicros(row.Int(4));
  job.idempotency_key = row.Text(5);
  job.state = ParseJobState(row.Text(6)).value_or(JobState::kQueued);
  job.attempts = static_cast<int>(row.Int(7));
  job.max_attempts = static_cast<int>(row.Int(8));
  job.lease_owner = row.Text(9);
  if (!row.IsNull(10)) job.lease_expires_at = FromUnixMicros(row.Int(10));
  job.last_error = row.Text(11);
  job.created_at = FromUnixMicros(row.Int(12));
  job.updated_at = FromUnixMicros(row.Int(13));
  if (!row.IsNull(14)) job.finished_at = FromUnixMicros(row.Int(14));
  return job;
}

std::string Truncated(const std::string& error) {
  return error.size() <= kMaxErrorBytes ? error : error.substr(0, kMaxErrorBytes) + "...";
}

// " AND kind IN (?, ?)" and its parameters, or nothing for every kind.
std::string KindFilter(const std::vector<std::string>& kinds, std::vector<Value>* params) {
  if (kinds.empty()) return "";
  std::string sql = " AND kind IN (";
  for (size_t i = 0; i < kinds.size(); ++i) {
    sql += i == 0 ? "?" : ", ?";
    params->push_back(kinds[i]);
  }
  return sql + ")";
}

// Marks done the jobs of `job_ids` still leased to `worker`; the others (their lease passed
// on) are left as they are.
Status MarkDone(Transaction& tx, const std::string& worker, const std::vector<std::string>& job_ids,
                int64_t now_us) {
  constexpr size_t kChunk = 500;
  for (size_t first = 0; first < job_ids.size(); first += kChunk) {
    const size_t last = std::min(job_ids.size(), first + kChunk);
    std::vector<Value> params = {now_us, now_us, worker};
    std::string sql =
        "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, "
        "updated_at = ?, finished_at = ? WHERE state = 'leased' AND lease_owner = ? AND id IN (";
    for (size_t i = first; i < last; ++i) {
      sql += i == first ? "?" : ", ?";
      params.push_back(job_ids[i]);
    }
    BW_RETURN_IF_ERROR(tx.Execute(sql + ")", params).status());
  }
  return OkStatus();
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kLeased:
      return "leased";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
    case JobState::kDead:
      return "dead";
  }
  return "queued";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s : {JobState::kQueued, JobState::kLeased, JobState::kDone, JobState::kFailed,
                     JobState::kDead}) {
    if (JobStateName(s) == name) return s;
  }
  return std::nullopt;
}

StatusOr<std::string> JobQueue::Enqueue(Transaction& tx, const JobSpec& spec) const {
  BW_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      EnqueueMany(tx, std::span<const JobSpec>(&spec, 1)));
  return std::move(ids[0]);
}

StatusOr<std::vector<std::string>> JobQueue::EnqueueMany(Transaction& tx,
                                                         std::span<const JobSpec> specs) const {
  for (size_t i = 0; i < specs.size(); ++i) {
    const JobSpec& spec = specs[i];
    const std::string which = specs.size() == 1 ? "a job" : "job " + std::to_string(i + 1);
    if (spec.kind.empty() || spec.kind.size() > 100) {
      return InvalidArgumentError(which + " needs a kind of 1 to 100 characters");
    }
    if (spec.max_attempts < 1) {
      return InvalidArgumentError(which + ": max_attempts must be at least 1");
    }
    StatusOr<boost::json::value> payload = ParseJson(spec.payload);
    if (!payload.ok() || !payload->is_object()) {
      return InvalidArgumentError(which + ": the payload must be a JSON object");
    }
  }
  const int64_t now = ToUnixMicros(clock_.Now());
  if (std::any_of(specs.begin(), specs.end(), [&](const JobSpec& spec) {
        return !spec.run_at || ToUnixMicros(*spec.run_at) <= now;
      })) {
    BW_RETURN_IF_ERROR(tx.Signal(kJobsChannel));
  }
  std::vector<std::string> ids;
  ids.reserve(specs.size());
  // A few hundred rows a statement: one round trip for many jobs, within every backend's limit
  // on bound parameters.
  constexpr size_t kRowsPerStatement = 200;
  for (size_t first = 0; first < specs.size(); first += kRowsPerStatement) {
    const size_t last = std::min(specs.size(), first + kRowsPerStatement);
    std::string sql = "INSERT INTO jobs (" + std::string(kColumns) + ") VALUES ";
    std::vector<Value> params;
    params.reserve((last - first) * 9);
    for (size_t i = first; i < last; ++i) {
      const JobSpec& spec = specs[i];
      ids.push_back(NewId("job"));
      if (i > first) sql += ", ";
      sql += "(?, ?, ?, ?, ?, ?, 'queued', 0, ?, NULL, NULL, NULL, ?, ?, NULL)";
      Value key =
          spec.idempotency_key.empty() ? Value(std::monostate{}) : Value(spec.idempotency_key);
      for (Value v :
           {Value(ids.back()), Value(spec.kind), Value(spec.payload), Value(spec.priority),
            Value(spec.run_at ? ToUnixMicros(*spec.run_at) : now), key,
            Value(static_cast<int64_t>(spec.max_attempts)), Value(now), Value(now)}) {
        params.push_back(std::move(v));
      }
    }
    sql +=
        " ON CONFLICT (kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "
        "RETURNING id";
    BW_ASSIGN_OR_RETURN(store::ResultSet inserted, tx.Query(sql, params));
    if (inserted.size() == last - first) continue;
    // Some keys were taken (by a stored job, or an earlier job of this call): those specs get
    // the id of the job that holds their key.
    std::set<std::string> new_ids;
    for (const Row& row : inserted) new_ids.insert(row.Text(0));
    for (size_t i = first; i < last; ++i) {
      if (new_ids.count(ids[i]) != 0) continue;
      BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                          tx.Query("SELECT id FROM jobs WHERE kind = ? AND idempotency_key = ?",
                                   {specs[i].kind, specs[i].idempotency_key}));
      if (rows.empty()) {
        return InternalError("a job's idempotency key conflicted but no job has it");
      }
      ids[i] = rows[0].Text(0);
    }
  }
  return ids;
}

StatusOr<std::vector<Job>> JobQueue::Lease(const std::string& worker,
                                           const std::vector<std::string>& kinds, int limit,
                                           Duration lease, const std::vector<std::string>& finished,
                                           bool reclaim_expired) const {
  std::vector<Job> leased;
  if (limit <= 0 && finished.empty()) return leased;
  const Time now = clock_.Now();
  const int64_t now_us = ToUnixMicros(now);
  const bool postgres = db_.backend() == store::Backend::kPostgres;
  Status s = db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    leased.clear();
    BW_RETURN_IF_ERROR(MarkDone(tx, worker, finished, now_us));
    if (limit <= 0) return OkStatus();
    // Jobs whose worker died holding them for the last of their attempts are dead.
    std::vector<Value> dead_params = {now_us, now_us, now_us};
    if (reclaim_expired) {
      BW_RETURN_IF_ERROR(
          tx.Execute(
                "UPDATE jobs SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, "
                "last_error = 'its lease expired on every attempt (the worker stopped or "
                "took longer than the lease each time)', updated_at = ?, finished_at = ? "
                "WHERE state = 'leased' AND lease_expires_at <= ? AND attempts >= max_attempts" +
                    KindFilter(kinds, &dead_params),
                dead_params)
              .status());
    }
    // Jobs whose lease expired first (their worker stopped; few), then jobs waiting to run.
    for (const bool waiting : {false, true}) {
      if (!waiting && !reclaim_expired) continue;
      const int64_t wanted = limit - static_cast<int64_t>(leased.size());
      if (wanted <= 0) break;
      std::string candidates = "jobs WHERE state = 'leased' AND lease_expires_at <= ?";
      if (waiting) {
        // Walk jobs_waiting in the order jobs are taken, stopping at `wanted`, rather than
        // sorting every waiting job, whatever the planner's statistics say right after a burst.
        candidates = "jobs WHERE state IN ('queued', 'failed') AND run_at <= ?";
        if (postgres) {
          BW_RETURN_IF_ERROR(tx.Query("SELECT set_config('enable_sort', 'off', true), "
                                      "set_config('jit', 'off', true)")
                                 .status());
        } else {
          candidates =
              "jobs INDEXED BY jobs_waiting WHERE state IN ('queued', 'failed') AND "
              "run_at <= ?";
        }
      }
      std::vector<Value> params = {worker, ToUnixMicros(now + lease), now_us, now_us};
      std::string filter = KindFilter(kinds, &params);
      params.push_back(wanted);
      BW_ASSIGN_OR_RETURN(
          store::ResultSet rows,
          tx.Query("UPDATE jobs SET state = 'leased', lease_owner = ?, lease_expires_at = ?, "
                   "attempts = attempts + 1, updated_at = ? WHERE id IN (SELECT id FROM " +
                       candidates + filter + " ORDER BY priority DESC, run_at LIMIT ?" +
                       (postgres ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING " +
                       std::string(kColumns),
                   params));
      for (const Row& row : rows) leased.push_back(ReadJob(row));
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  std::stable_sort(leased.begin(), leased.end(), [](const Job& a, const Job& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.run_at < b.run_at;
  });
  return leased;
}

Status JobQueue::CompleteWithoutEffects(const std::string& worker,
                                        const std::vector<std::string>& job_ids) const {
  if (job_ids.empty()) return OkStatus();
  const int64_t now_us = ToUnixMicros(clock_.Now());
  return db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    return MarkDone(tx, worker, job_ids, now_us);
  });
}

Status JobQueue::Complete(Transaction& tx, const std::string& job_id,
                          const std::string& worker) const {
  const int64_t now = ToUnixMicros(clock_.Now());
  BW_ASSIGN_OR_RETURN(int64_t changed,
                      tx.Execute("UPDATE jobs SET state = 'done', lease_owner = NULL, "
                                 "lease_expires_at = NULL, updated_at = ?, finished_at = ? "
                                 "WHERE id = ? AND state = 'leased' AND lease_owner = ?",
                                 {now, now, job_id, worker}));
  if (changed != 1) {
    return AbortedError("job " + job_id + " is no longer leased to this worker");
  }
  return OkStatus();
}

Duration JobQueue::Backoff(int attempt, uint64_t random) {
  const int64_t base = Seconds(1).count(), cap = Hours(1).count();
  int64_t ceiling = base;
  for (int i = 1; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  return Duration(static_cast<int64_t>(random % static_cast<uint64_t>(ceiling + 1)));
}

Status JobQueue::Fail(const std::string& job_id, const std::string& worker,
                      const std::string& error, bool permanent) const {
  const Time now = clock_.Now();
  return db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query("SELECT attempts, max_attempts FROM jobs WHERE id = ? AND "
                                 "state = 'leased' AND lease_owner = ?",
                                 {job_id, worker}));
    if (rows.empty()) return AbortedError("job " + job_id + " is no longer leased to this worker");
    const int64_t attempts = rows[0].Int(0), max_attempts = rows[0].Int(1);
    const bool dead = permanent || attempts >= max_attempts;
    const Time run_at =
        dead ? now : now + Backoff(static_cast<int>(attempts), FastRandom().Uint64());
    return tx
        .Execute(
            "UPDATE jobs SET state = ?, run_at = ?, last_error = ?, lease_owner = NULL, "
            "lease_expires_at = NULL, updated_at = ?, finished_at = ? "
            "WHERE id = ? AND state = 'leased' AND lease_owner = ?",
            {dead ? "dead" : "failed", ToUnixMicros(run_at), Truncated(error), ToUnixMicros(now),
             dead ? Value(ToUnixMicros(now)) : Value(std::monostate{}), job_id, worker})
        .status();
  });
}

Status JobQueue::Heartbeat(const std::string& job_id, const std::string& worker,
                           Duration lease) const {
  const Time now = clock_.Now();
  int64_t changed = 0;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(changed,
                        tx.Execute("UPDATE jobs SET lease_expires_at = ?, updated_at = ? "
                                   "WHERE id = ? AND state = 'leased' AND lease_owner = ?",
                                   {ToUnixMicros(now + lease), ToUnixMicros(now), job_id, worker}));
    return OkStatus();
  }));
  if (changed != 1) return AbortedError("job " + job_id + " is no longer leased to this worker");
  return OkStatus();
}

StatusOr<Job> JobQueue::Retry(const std::string& job_id) const {
  const int64_t now = ToUnixMicros(clock_.Now());
  Job job;
  Status s = db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query("UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ?, "
                 "finished_at = NULL WHERE id = ? AND state = 'dead' RETURNING " +
                     std::string(kColumns),
                 {now, now, job_id}));
    if (!rows.empty()) {
      job = ReadJob(rows[0]);
      return tx.Signal(kJobsChannel);
    }
    BW_ASSIGN_OR_RETURN(rows, tx.Query("SELECT state FROM jobs WHERE id = ?", {job_id}));
    if (rows.empty()) return NotFoundError("no job " + job_id);
    return FailedPreconditionError("job " + job_id + " is " + rows[0].Text(0) +
                                   "; only a dead job can be retried");
  });
  if (!s.ok()) return s;
  return job;
}

StatusOr<Job> JobQueue::Get(const std::string& job_id) const {
  Job job;
  Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query("SELECT " + std::string(kColumns) + " FROM jobs WHERE id = ?", {job_id}));
    if (rows.empty()) return NotFoundError("no job " + job_id);
    job = ReadJob(rows[0]);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return job;
}

StatusOr<JobPage> JobQueue::List(std::optional<JobState> state, const std::string& kind, int limit,
                                 const std::string& cursor) const {
  JobPage page;
  limit = std::clamp(limit, 1, 500);
  std::string sql = "SELECT " + std::string(kColumns) + " FROM jobs WHERE 1 = 1";
  std::vector<Value> params;
  if (state) {
    sql += " AND state = ?";
    params.emplace_back(std::string(JobStateName(*state)));
  }
  if (!kind.empty()) {
    sql += " AND kind = ?";
    params.emplace_back(kind);
  }
  if (!cursor.empty()) {
    // "CREATED_AT_MICROS/ID" of the last job of the previous page.
    size_t slash = cursor.find('/');
    int64_t created = 0;
    try {
      created = std::stoll(cursor.substr(0, slash));
    } catch (...) {
      slash = std::string::npos;
    }
    if (slash == std::string::npos) return InvalidArgumentError("the cursor is not one we gave");
    sql += " AND (created_at < ? OR (created_at = ? AND id < ?))";
    params.emplace_back(created);
    params.emplace_back(created);
    params.emplace_back(cursor.substr(slash + 1));
  }
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?";
  params.emplace_back(static_cast<int64_t>(limit + 1));
  Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query(sql, params));
    page.items.clear();
    for (const Row& row : rows) page.items.push_back(ReadJob(row));
    return OkStatus();
  });
  if (!s.ok()) return s;
  if (page.items.size() > static_cast<size_t>(limit)) {
    page.items.resize(static_cast<size_t>(limit));
    const Job& last = page.items.back();
    page.next_cursor = std::to_string(ToUnixMicros(last.created_at)) + "/" + last.id;
  }
  return page;
}

StatusOr<int64_t> JobQueue::PruneDone(Time before) const {
  int64_t deleted = 0;
  Status s = db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(deleted, tx.Execute("DELETE FROM jobs WHERE state = 'done' AND "
                                            "finished_at < ?",
                                            {ToUnixMicros(before)}));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return deleted;
}

StatusOr<bool> JobQueue::Tidy(int64_t dead_rows) const {
  if (db_.backend() != store::Backend::kPostgres) return false;  // SQLite leaves none behind
  int64_t dead = 0;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = "
                                 "'jobs'::regclass"));
    dead = rows.empty() || rows[0].IsNull(0) ? 0 : rows[0].Int(0);
    return OkStatus();
  }));
  if (dead < dead_rows) return false;
  BW_RETURN_IF_ERROR(db_.Vacuum("jobs"));
  return true;
}

StatusOr<std::vector<QueueStats>> JobQueue::Stats() const {
  std::vector<QueueStats> stats;
  Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query("SELECT kind, state, COUNT(*), MIN(created_at) FROM jobs GROUP BY kind, state "
                 "ORDER BY kind"));
    stats.clear();
    for (const Row& row : rows) {
      std::string kind = row.Text(0);
      if (stats.empty() || stats.back().kind != kind) stats.push_back({.kind = kind});
      QueueStats& q = stats.back();
      const int64_t count = row.Int(2);
      std::optional<JobState> state = ParseJobState(row.Text(1));
      if (!state) continue;
      switch (*state) {
        case JobState::kQueued:
        case JobState::kFailed: {
          (*state == JobState::kQueued ? q.queued : q.failed) += count;
          Time oldest = FromUnixMicros(row.Int(3));
          if (!q.oldest_waiting || oldest < *q.oldest_waiting) q.oldest_waiting = oldest;
          break;
        }
        case JobState::kLeased:
          q.leased += count;
          break;
        case JobState::kDone:
          q.done += count;
          break;
        case JobState::kDead:
          q.dead += count;
          break;
      }
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return stats;
}

}  // namespace bulwark::jobs
