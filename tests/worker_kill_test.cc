// Real `bulwark worker` and `bulwark serve` processes on one stream of jobs: `kill -9` of a
// worker in the middle of it, and two server replicas with two workers on one PostgreSQL
// database. Every job completes, and each takes effect exactly once. The effects are the probe
// jobs' rows in job_probes, written in the transaction that completes each job; the jobs a
// killed worker held are leased again once their lease expires.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>

#include "server_process.h"
#include "store/database.h"
#include "testing/postgres_cluster.h"
#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {
namespace {

int64_t Count(store::Database& db, const std::string& sql) {
  int64_t n = -1;
  Status s = db.Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query(sql));
    n = rows[0].Int(0);
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return n;
}

TEST(WorkerKillTest, EveryJobTakesEffectExactlyOnceThroughSigkill) {
  constexpr int kJobs = 2000;
  testing::TempDir dir;
  const std::string database = "sqlite:" + dir.path() + "/bulwark.db";
  const std::string bulwark = std::string(BULWARK_BINARY) + " --database " + database + " ";
  std::string out;
  ASSERT_EQ(testing::RunShell(bulwark + "ledger keygen 2>&1", &out), 0) << out;
  ASSERT_EQ(
      testing::RunShell(bulwark + "jobs probe --count " + std::to_string(kJobs) + " 2>&1", &out), 0)
      << out;
  auto db = store::OpenDatabase(database);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const std::string done = "SELECT COUNT(*) FROM jobs WHERE kind = 'jobs.probe' AND state = 'done'";

  int64_t done_at_kill = 0;
  {
    WorkerProcess first(database, "first");
    ASSERT_TRUE(first.running());
    for (int i = 0; i < 600 && Count(**db, done) < kJobs / 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    int status = first.Signal(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
    done_at_kill = Count(**db, done);
  }
  EXPECT_GT(done_at_kill, 0);
  EXPECT_LT(done_at_kill, kJobs) << "the worker finished before it could be killed";

  WorkerProcess second(database, "second");
  ASSERT_TRUE(second.running());
  for (int i = 0; i < 1200 && Count(**db, done) < kJobs; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Count(**db, done), kJobs);
  EXPECT_EQ(Count(**db, "SELECT COUNT(*) FROM job_probes"), kJobs);
  EXPECT_EQ(Count(**db, "SELECT MAX(completions) FROM job_probes"), 1);
  EXPECT_EQ(Count(**db, "SELECT COUNT(*) FROM job_probes WHERE worker = 'first'"), done_at_kill);
  // A SIGTERM drains: the worker stops cleanly.
  int status = second.Signal(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(WorkerReplicasTest, TwoServersAndTwoWorkersOnPostgresDoEachJobOnce) {
  if (!testing::PostgresAvailable()) GTEST_SKIP() << testing::PostgresUnavailableReason();
  StatusOr<testing::PostgresCluster*> cluster = testing::PostgresCluster::Shared();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  StatusOr<std::string> database = (*cluster)->CreateDatabase();
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  testing::TempDir dir;
  const std::vector<std::string> keys = {"--ledger-key", dir.path() + "/ledger.key",
                                         "--secrets-key", dir.path() + "/secrets.key"};
  std::string bulwark = std::string(BULWARK_BINARY) + " --database " + *database;
  for (const std::string& arg : keys) bulwark += " " + arg;
  std::string out;
  ASSERT_EQ(testing::RunShell(bulwark + " ledger keygen 2>&1", &out), 0) << out;
  ASSERT_TRUE(EnsureSecretsKey({"--database", *database, "--secrets-key", keys[3]}));

  // A worker without the secrets key refuses to start, saying which file.
  EXPECT_NE(testing::RunShell(std::string(BULWARK_BINARY) + " --database " + *database +
                                  " --ledger-key " + keys[1] + " --secrets-key " + dir.path() +
                                  "/missing.key worker 2>&1",
                              &out),
            0);
  EXPECT_NE(out.find("missing.key"), std::string::npos) << out;

  constexpr int kJobs = 3000;
  ASSERT_EQ(
      testing::RunShell(bulwark + " jobs probe --count " + std::to_string(kJobs) + " 2>&1", &out),
      0)
      << out;
  auto db = store::OpenDatabase(*database);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const std::string done = "SELECT COUNT(*) FROM jobs WHERE kind = 'jobs.probe' AND state = 'done'";
  {
    // Two replicas, each with its embedded worker, and two workers of their own.
    ServerProcess server_a(*database, keys);
    ServerProcess server_b(*database, keys);
    WorkerProcess worker_a(*database, "worker-a", keys);
    WorkerProcess worker_b(*database, "worker-b", keys);
    ASSERT_NE(server_a.port(), 0);
    ASSERT_NE(server_b.port(), 0);
    ASSERT_TRUE(worker_a.running());
    ASSERT_TRUE(worker_b.running());
    for (int i = 0; i < 1200 && Count(**db, done) < kJobs; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // SIGTERM drains every one of them.
    for (BulwarkProcess* process :
         std::initializer_list<BulwarkProcess*>{&server_a, &server_b, &worker_a, &worker_b}) {
      int status = process->Signal(SIGTERM);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
  }
  EXPECT_EQ(Count(**db, done), kJobs);
  EXPECT_EQ(Count(**db, "SELECT COUNT(*) FROM job_probes"), kJobs);
  EXPECT_EQ(Count(**db, "SELECT MAX(completions) FROM job_probes"), 1);
  // The stream was shared: more than one process did some of it.
  EXPECT_GE(Count(**db, "SELECT COUNT(DISTINCT worker) FROM job_probes"), 2);
}

}  // namespace
}  // namespace bulwark::tests
