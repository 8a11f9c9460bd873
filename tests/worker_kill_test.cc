// `kill -9` of a real `bulwark worker` in the middle of a stream of jobs: every job still
// completes, and each takes effect exactly once. The effects are the probe jobs' rows in
// job_probes, written in the transaction that completes each job; the jobs the killed worker
// held are leased again once their lease expires.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "store/database.h"
#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {
namespace {

// A `bulwark worker` child process.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& database, const std::string& name) {
    pid_ = fork();
    if (pid_ == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
      std::string binary = BULWARK_BINARY;
      execl(binary.c_str(), binary.c_str(), "--database", database.c_str(), "worker", "--name",
            name.c_str(), "--concurrency", "4", "--lease-seconds", "5",
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~WorkerProcess() {
    if (pid_ > 0) Signal(SIGKILL);
  }
  // Sends a signal and reaps the process; returns its wait status.
  int Signal(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

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

}  // namespace
}  // namespace bulwark::tests
