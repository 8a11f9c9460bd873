// Tests of the job queue and the worker, on SQLite and on a throwaway PostgreSQL, with a fake
// clock for every rule with a time in it (backoff, leases, schedules).
#include "jobs/queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/time_format.h"
#include "jobs/cron.h"
#include "jobs/worker.h"
#include "store/migrations.h"
#include "testing/postgres_cluster.h"
#include "testing/status_assertions.h"
#include "testing/test_database.h"

namespace bulwark::jobs {
namespace {

using store::Backend;
using store::Transaction;
using store::TxMode;

const Time kStart = FromUnixMicros(int64_t{1'780'000'000} * 1'000'000);

class QueueTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !testing::PostgresAvailable()) {
      GTEST_SKIP() << testing::PostgresUnavailableReason();
    }
    auto db = testing::OpenTestDatabase(GetParam(), dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    queue_ = std::make_unique<JobQueue>(*db_, clock_);
    ASSERT_TRUE(
        db_->Transact(TxMode::kReadWrite,
                      [](Transaction& tx) {
                        return tx
                            .Execute(
                                "CREATE TABLE test_effects (job_id TEXT PRIMARY KEY, n BIGINT "
                                "NOT NULL)")
                            .status();
                      })
            .ok());
  }

  std::string Enqueue(JobSpec spec) {
    std::string id;
    Status s = db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(id, queue_->Enqueue(tx, spec));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }

  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(db_->Transact(TxMode::kReadOnly,
                              [&](Transaction& tx) -> Status {
                                BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query(sql));
                                n = rows[0].Int(0);
                                return OkStatus();
                              })
                    .ok());
    return n;
  }

  // An effect recorded in the same transaction as the completion: n counts applications.
  static Status RecordEffect(Transaction& tx, const std::string& job_id) {
    return tx
        .Execute(
            "INSERT INTO test_effects (job_id, n) VALUES (?, 1) ON CONFLICT (job_id) DO "
            "UPDATE SET n = test_effects.n + 1",
            {job_id})
        .status();
  }

  JobQueue& queue() { return *queue_; }

  testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  FakeClock clock_{kStart};
  std::unique_ptr<JobQueue> queue_;
};

TEST_P(QueueTest, EnqueueIsIdempotentByKeyAndJoinsTheCallersTransaction) {
  std::string a = Enqueue({.kind = "k", .idempotency_key = "once"});
  std::string b = Enqueue({.kind = "k", .idempotency_key = "once"});
  EXPECT_EQ(a, b);
  Enqueue({.kind = "other", .idempotency_key = "once"});  // keys are per kind
  Enqueue({.kind = "k"});
  Enqueue({.kind = "k"});  // no key: two jobs
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 4);
  // A rolled-back change leaves no job behind.
  Status s = db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(queue().Enqueue(tx, {.kind = "k"}).status());
    return AbortedError("the change failed");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 4);
  // Untrusted payloads are checked.
  (void)db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    EXPECT_EQ(queue().Enqueue(tx, {.kind = "k", .payload = "[1"}).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(queue().Enqueue(tx, {.kind = "", .payload = "{}"}).status().code(),
              StatusCode::kInvalidArgument);
    return OkStatus();
  });
}

TEST_P(QueueTest, EnqueueManyInsertsInStatementsOfManyRowsAndKeepsKeys) {
  const std::string stored = Enqueue({.kind = "k", .idempotency_key = "taken"});
  std::vector<JobSpec> specs;
  for (int i = 0; i < 450; ++i) {
    specs.push_back(
        {.kind = "k", .payload = R"({"n":)" + std::to_string(i) + "}", .priority = i % 3});
  }
  specs[7].idempotency_key = "taken";  // a stored job holds this key
  specs[300].idempotency_key = "twice";
  specs[420].idempotency_key = "twice";  // an earlier spec of the same call holds it
  std::vector<std::string> ids;
  Status s = db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ids, queue().EnqueueMany(tx, specs));
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(ids.size(), specs.size());
  EXPECT_EQ(ids[7], stored);
  EXPECT_EQ(ids[420], ids[300]);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 1 + 450 - 2);
  StatusOr<Job> job = queue().Get(ids[123]);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->payload, R"({"n":123})");
  EXPECT_EQ(job->priority, 0);
  EXPECT_EQ(job->state, JobState::kQueued);
  EXPECT_EQ(job->run_at, kStart);
  // One invalid spec: nothing of the call is enqueued, and the error says which.
  specs[200].payload = "not json";
  s = db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    return queue().EnqueueMany(tx, specs).status();
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("job 201"), std::string::npos) << s.ToString();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 1 + 450 - 2);
}

TEST_P(QueueTest, LeaseCompleteAndPriority) {
  std::string low = Enqueue({.kind = "k", .priority = 0});
  std::string high = Enqueue({.kind = "k", .priority = 10});
  Enqueue({.kind = "k", .run_at = kStart + Minutes(5)});  // not due yet
  auto leased = queue().Lease("w1", {"k"}, 10, Seconds(30));
  ASSERT_TRUE(leased.ok()) << leased.status().ToString();
  ASSERT_EQ(leased->size(), 2u);
  EXPECT_EQ((*leased)[0].id, high);
  EXPECT_EQ((*leased)[0].attempts, 1);
  EXPECT_TRUE(queue().Lease("w2", {"k"}, 10, Seconds(30))->empty());
  ASSERT_TRUE(db_->Transact(TxMode::kReadWrite,
                            [&](Transaction& tx) { return queue().Complete(tx, low, "w1"); })
                  .ok());
  EXPECT_EQ(queue().Get(low)->state, JobState::kDone);
  // Only the lease holder completes.
  Status s = db_->Transact(TxMode::kReadWrite,
                           [&](Transaction& tx) { return queue().Complete(tx, high, "w2"); });
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  clock_.Advance(Minutes(5));
  // The job now due; without reclaiming, the one whose lease expired meanwhile stays; then it.
  EXPECT_EQ(queue().Lease("w2", {"k"}, 10, Seconds(30), {}, /*reclaim_expired=*/false)->size(), 1u);
  auto reclaimed = queue().Lease("w2", {"k"}, 10, Seconds(30));
  ASSERT_EQ(reclaimed->size(), 1u);
  EXPECT_EQ((*reclaimed)[0].id, high);
  EXPECT_EQ((*reclaimed)[0].attempts, 2);
}

TEST_P(QueueTest, FailuresBackOffThenGoDeadAndCanBeRetried) {
  std::string id = Enqueue({.kind = "k", .max_attempts = 2});
  ASSERT_EQ(queue().Lease("w", {"k"}, 1, Seconds(30))->size(), 1u);
  ASSERT_TRUE(queue().Fail(id, "w", "boom", false).ok());
  Job job = queue().Get(id).value();
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_GE(job.run_at, kStart);
  EXPECT_LE(job.run_at, kStart + Seconds(1));  // first backoff: up to 1 s
  clock_.Advance(Seconds(2));
  ASSERT_EQ(queue().Lease("w", {"k"}, 1, Seconds(30))->size(), 1u);
  ASSERT_TRUE(queue().Fail(id, "w", "boom again", false).ok());
  job = queue().Get(id).value();
  EXPECT_EQ(job.state, JobState::kDead);
  EXPECT_EQ(job.last_error, "boom again");
  clock_.Advance(Hours(2));
  EXPECT_TRUE(queue().Lease("w", {"k"}, 1, Seconds(30))->empty());
  auto page = queue().List(JobState::kDead, "", 10, "");
  ASSERT_EQ(page->items.size(), 1u);
  ASSERT_TRUE(queue().Retry(id).ok());
  EXPECT_EQ(queue().Get(id)->attempts, 0);
  EXPECT_EQ(queue().Retry(id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(queue().Lease("w", {"k"}, 1, Seconds(30))->size(), 1u);
}

TEST_P(QueueTest, BackoffGrowsAndIsCapped) {
  EXPECT_EQ(JobQueue::Backoff(1, ~uint64_t{0} - 5).count() <= Seconds(1).count(), true);
  EXPECT_LE(JobQueue::Backoff(3, ~uint64_t{0}), Seconds(4));
  EXPECT_LE(JobQueue::Backoff(60, ~uint64_t{0}), Hours(1));
  EXPECT_EQ(JobQueue::Backoff(5, 0), Duration(0));
}

TEST_P(QueueTest, AnExpiredLeasePassesOnAndTheSlowWorkersEffectsRollBack) {
  std::string id = Enqueue({.kind = "k", .max_attempts = 3});
  ASSERT_EQ(queue().Lease("slow", {"k"}, 1, Seconds(30))->size(), 1u);
  clock_.Advance(Seconds(31));
  auto again = queue().Lease("fast", {"k"}, 1, Seconds(30));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  // The slow worker finishes: its effects and completion are one transaction, refused.
  Status slow = db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(RecordEffect(tx, id));
    return queue().Complete(tx, id, "slow");
  });
  EXPECT_EQ(slow.code(), StatusCode::kAborted);
  ASSERT_TRUE(db_->Transact(TxMode::kReadWrite,
                            [&](Transaction& tx) -> Status {
                              BW_RETURN_IF_ERROR(RecordEffect(tx, id));
                              return queue().Complete(tx, id, "fast");
                            })
                  .ok());
  EXPECT_EQ(Count("SELECT SUM(n) FROM test_effects"), 1);
  // A job whose lease expires on its last attempt is dead, with the reason.
  std::string stuck = Enqueue({.kind = "k", .max_attempts = 1});
  ASSERT_EQ(queue().Lease("w", {"k"}, 1, Seconds(30))->size(), 1u);
  clock_.Advance(Seconds(31));
  EXPECT_TRUE(queue().Lease("w", {"k"}, 1, Seconds(30))->empty());
  EXPECT_EQ(queue().Get(stuck)->state, JobState::kDead);
  EXPECT_NE(queue().Get(stuck)->last_error.find("lease expired"), std::string::npos);
}

TEST_P(QueueTest, DoneJobsArePrunedAfterTheirRetention) {
  std::string old_job = Enqueue({.kind = "k"});
  ASSERT_EQ(queue().Lease("w", {"k"}, 1, Seconds(30))->size(), 1u);
  ASSERT_TRUE(db_->Transact(TxMode::kReadWrite,
                            [&](Transaction& tx) { return queue().Complete(tx, old_job, "w"); })
                  .ok());
  clock_.Advance(Days(8));
  Enqueue({.kind = "k"});  // queued: never pruned
  EXPECT_EQ(queue().PruneDone(clock_.Now() - Days(7)).value(), 1);
  EXPECT_EQ(queue().Get(old_job).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 1);
}

TEST_P(QueueTest, TidyVacuumsTheJobsTableOncePostgresCountsEnoughDeadRows) {
  std::vector<JobSpec> specs(60, JobSpec{.kind = "k"});
  ASSERT_OK(db_->Transact(TxMode::kReadWrite, [&](Transaction& tx) {
    return queue().EnqueueMany(tx, specs).status();
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<Job> leased, queue().Lease("w1", {"k"}, 100, Seconds(30)));
  std::vector<std::string> ids;
  for (const Job& job : leased) ids.push_back(job.id);
  ASSERT_OK(queue().CompleteWithoutEffects("w1", ids));
  // Far below the threshold: nothing to do, on either backend.
  ASSERT_OK_AND_ASSIGN(bool vacuumed, queue().Tidy(1000000));
  EXPECT_FALSE(vacuumed);
  EXPECT_EQ(db_->Vacuum("jobs; DROP TABLE jobs").code(), StatusCode::kInvalidArgument);
  if (GetParam() == Backend::kSqlite) {
    // SQLite frees deleted and updated rows as it goes.
    ASSERT_OK_AND_ASSIGN(vacuumed, queue().Tidy(1));
    EXPECT_FALSE(vacuumed);
    EXPECT_OK(db_->Vacuum("jobs"));
    return;
  }
  // Each lease and completion left a dead version: 120. The server's statistics count them
  // within a second or so of the transactions.
  for (int i = 0; i < 100 && !vacuumed; ++i) {
    ASSERT_OK_AND_ASSIGN(vacuumed, queue().Tidy(100));
    if (!vacuumed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(vacuumed);
  EXPECT_GE(Count("SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'jobs'::regclass"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE state = 'done'"), 60);
}

TEST_P(QueueTest, StatsCountPerKind) {
  Enqueue({.kind = "a"});
  Enqueue({.kind = "a"});
  Enqueue({.kind = "b"});
  ASSERT_EQ(queue().Lease("w", {"b"}, 1, Seconds(30))->size(), 1u);
  auto stats = queue().Stats();
  ASSERT_EQ(stats->size(), 2u);
  EXPECT_EQ((*stats)[0].kind, "a");
  EXPECT_EQ((*stats)[0].queued, 2);
  EXPECT_EQ((*stats)[0].oldest_waiting, kStart);
  EXPECT_EQ((*stats)[1].leased, 1);
}

// Two workers drain one stream of jobs: every job's effect is applied exactly once, and a malformed
// payload is a dead job with the reason, not a crashed worker.
TEST_P(QueueTest, WorkersApplyEveryEffectExactlyOnce) {
  constexpr int kJobs = 300;
  for (int i = 0; i < kJobs; ++i) Enqueue({.kind = "count"});
  Enqueue({.kind = "count", .payload = R"({"malformed": true})"});
  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < 2; ++w) {
    workers.push_back(std::make_unique<Worker>(
        *db_, SystemClock::Get(),
        WorkerOptions{.name = "worker-" + std::to_string(w), .concurrency = 3}));
    workers.back()->Register("count", [](const Job& job, JobContext& context) -> Status {
      if (job.payload.find("malformed") != std::string::npos) {
        return InvalidArgumentError("the payload has no notice id");
      }
      return context.Commit([&](Transaction& tx) { return RecordEffect(tx, job.id); });
    });
    workers.back()->Start();
  }
  for (int i = 0; i < 600; ++i) {
    if (Count("SELECT COUNT(*) FROM jobs WHERE state IN ('done', 'dead')") == kJobs + 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& w : workers) w->Stop();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE state = 'done'"), kJobs);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM test_effects"), kJobs);
  EXPECT_EQ(Count("SELECT MAX(n) FROM test_effects"), 1);
  auto dead = queue().List(JobState::kDead, "count", 10, "");
  ASSERT_EQ(dead->items.size(), 1u);
  EXPECT_NE(dead->items[0].last_error.find("no notice id"), std::string::npos);
  int64_t completed = 0;
  for (auto& w : workers) completed += w->Counts()["count"].completed;
  EXPECT_EQ(completed, kJobs);
}

// A worker that would not poll again for an hour leases a job as soon as it is queued, and one
// queued for later still waits for its time.
TEST_P(QueueTest, AWorkerWakesWhenAJobIsQueued) {
  Worker worker(
      *db_, SystemClock::Get(),
      WorkerOptions{.name = "sleeper", .concurrency = 1, .idle_poll = std::chrono::hours(1)});
  std::atomic<int> runs{0};
  worker.Register("wake", [&](const Job&, JobContext&) {
    ++runs;
    return OkStatus();
  });
  worker.Start();
  // The worker's first lease found nothing: it is waiting now.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Enqueue({.kind = "wake", .run_at = SystemClock::Get().Now() + std::chrono::hours(2)});
  Enqueue({.kind = "wake"});
  for (int i = 0; i < 600 && runs.load() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  worker.Stop();
  EXPECT_EQ(runs.load(), 1) << "the job queued for now ran once, the one for later not yet";
}

// Two workers on one database, as two processes would be, running the "tick" kind and counting
// its runs.
struct TickWorkers {
  TickWorkers(store::Database& db, const Clock& clock)
      : a(db, clock, {.name = "a", .idle_poll = std::chrono::milliseconds(20)}),
        b(db, clock, {.name = "b", .idle_poll = std::chrono::milliseconds(20)}) {
    for (Worker* w : {&a, &b}) {
      w->Register("tick", [this](const Job&, JobContext&) {
        ++runs;
        return OkStatus();
      });
    }
  }
  // Waits up to 4 s for `n` runs in all.
  void WaitForRuns(int n) const {
    for (int i = 0; i < 200 && runs.load() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::atomic<int> runs{0};
  Worker a;
  Worker b;
};

TEST_P(QueueTest, SchedulesEnqueueOncePerPeriodWhateverTheNumberOfWorkers) {
  TickWorkers workers(*db_, clock_);
  Worker& a = workers.a;
  Worker& b = workers.b;
  std::atomic<int>& runs = workers.runs;
  ASSERT_TRUE(a.EnsureSchedule("every-minute", "tick", "{}", Minutes(1)).ok());
  ASSERT_TRUE(b.EnsureSchedule("every-minute", "tick", "{}", Minutes(1)).ok());
  a.Start();
  b.Start();
  workers.WaitForRuns(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(runs.load(), 1);   // the clock has not moved: one run
  clock_.Advance(Minutes(3));  // missed runs are not made up
  workers.WaitForRuns(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  a.Stop();
  b.Stop();
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE kind = 'tick'"), 2);
}

// A cron schedule enqueues one job per due time however many workers look at it; missed times
// are not made up; schedules in the table whose cron text is malformed, or never matches, are
// skipped without holding up the others.
TEST_P(QueueTest, CronSchedulesEnqueueOncePerDueTimeWhateverTheNumberOfWorkers) {
  clock_.Set(ParseRfc3339("2026-07-01T11:59:30Z").value());
  const int64_t noon = ToUnixMicros(ParseRfc3339("2026-07-01T12:00:00Z").value());
  const int64_t five_past = ToUnixMicros(ParseRfc3339("2026-07-01T12:05:00Z").value());
  const int64_t twenty_past = ToUnixMicros(ParseRfc3339("2026-07-01T12:20:00Z").value());
  ASSERT_TRUE(db_->Transact(TxMode::kReadWrite,
                            [](Transaction& tx) {
                              return tx
                                  .Execute(
                                      "INSERT INTO job_schedules (name, kind, payload, "
                                      "every_seconds, cron, next_run_at, updated_at) VALUES "
                                      "('a-broken', 'tick', '{}', NULL, '61 * * * *', 0, 0), "
                                      "('a-never', 'tick', '{}', NULL, '0 0 30 2 *', 0, 0), "
                                      "('a-empty', 'tick', '{}', NULL, '', 0, 0)")
                                  .status();
                            })
                  .ok());
  TickWorkers workers(*db_, clock_);
  Worker& a = workers.a;
  Worker& b = workers.b;
  std::atomic<int>& runs = workers.runs;
  const CronExpression every_five_minutes = CronExpression::Parse("*/5 * * * *").value();
  ASSERT_TRUE(a.EnsureSchedule("five", "tick", "{}", every_five_minutes).ok());
  ASSERT_TRUE(b.EnsureSchedule("five", "tick", "{}", every_five_minutes).ok());
  EXPECT_EQ(Count("SELECT next_run_at FROM job_schedules WHERE name = 'five'"), noon);
  a.Start();
  b.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(runs.load(), 0);  // not due before noon
  clock_.Advance(Seconds(30));
  workers.WaitForRuns(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(runs.load(), 1);  // the clock has not moved since: one run
  EXPECT_EQ(Count("SELECT next_run_at FROM job_schedules WHERE name = 'five'"), five_past);
  clock_.Advance(Minutes(17));  // 12:17: the runs of 12:05, 12:10 and 12:15 are one, not three
  workers.WaitForRuns(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  a.Stop();
  b.Stop();
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE kind = 'tick'"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE idempotency_key = 'schedule:five:" +
                  std::to_string(noon) + "'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE idempotency_key = 'schedule:five:" +
                  std::to_string(five_past) + "'"),
            1);
  EXPECT_EQ(Count("SELECT next_run_at FROM job_schedules WHERE name = 'five'"), twenty_past);
  // The schedules that cannot run are left as they were, for a person to mend.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job_schedules WHERE name LIKE 'a-%' AND next_run_at = 0"),
            3);
}

TEST_P(QueueTest, EnsureScheduleSwitchesBetweenAPeriodAndACronExpression) {
  clock_.Set(ParseRfc3339("2026-07-01T12:00:00Z").value());
  const int64_t noon = ToUnixMicros(clock_.Now());
  const int64_t three_am = ToUnixMicros(ParseRfc3339("2026-07-02T03:00:00Z").value());
  const int64_t four_am = ToUnixMicros(ParseRfc3339("2026-07-02T04:00:00Z").value());
  Worker worker(*db_, clock_, {.name = "w"});
  auto next_run = [&] { return Count("SELECT next_run_at FROM job_schedules WHERE name = 's'"); };
  ASSERT_TRUE(worker.EnsureSchedule("s", "tick", "{}", Hours(1)).ok());
  EXPECT_EQ(next_run(), noon);
  // To a cron expression: the next run is the expression's, and the period is gone.
  ASSERT_TRUE(
      worker.EnsureSchedule("s", "tick", "{}", CronExpression::Parse("0 3 * * *").value()).ok());
  EXPECT_EQ(next_run(), three_am);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job_schedules WHERE name = 's' AND every_seconds IS NULL "
                  "AND cron = '0 3 * * *'"),
            1);
  // The same expression again (a worker restarting) keeps the next run; another moves it.
  clock_.Advance(Hours(2));
  ASSERT_TRUE(
      worker.EnsureSchedule("s", "tick", "{}", CronExpression::Parse("0 3 * * *").value()).ok());
  EXPECT_EQ(next_run(), three_am);
  ASSERT_TRUE(
      worker.EnsureSchedule("s", "tick", "{}", CronExpression::Parse("0 4 * * *").value()).ok());
  EXPECT_EQ(next_run(), four_am);
  // Back to a period: it starts now.
  ASSERT_TRUE(worker.EnsureSchedule("s", "tick", "{}", Minutes(10)).ok());
  EXPECT_EQ(next_run(), ToUnixMicros(clock_.Now()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job_schedules WHERE name = 's' AND every_seconds = 600 "
                  "AND cron IS NULL"),
            1);
  // An expression that never matches is refused.
  Status never =
      worker.EnsureSchedule("n", "tick", "{}", CronExpression::Parse("0 0 30 2 *").value());
  EXPECT_EQ(never.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(never.message(),
            "the cron expression '0 0 30 2 *' matches no time in the next ten years");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM job_schedules WHERE name = 'n'"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace bulwark::jobs
