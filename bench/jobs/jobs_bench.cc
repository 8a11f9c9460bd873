// bench/jobs: the job queue's throughput, against graphile-worker and pg-boss on the same
// PostgreSQL cluster in the same run.
//
//   build/bench/jobs_bench [--jobs 100000] [--workers 4] [--concurrency 8]
//                          [--node-tools bench/jobs/.tools] [--quick]
//
// Workloads, each on a fresh database of one throwaway PostgreSQL cluster:
//   1. Bulwark on PostgreSQL: enqueue --jobs no-op jobs (EnqueueMany, in transactions of
//      1,000), then --workers worker processes (this program with --work, the jobs library's
//      Worker, as `bulwark worker` runs it) lease and complete them all;
//   2. Bulwark on SQLite: the same with one embedded worker (as `bulwark serve` runs it);
//   3. graphile-worker and 4. pg-boss (bench/jobs/*.cjs, when --node-tools has them installed):
//      the same jobs, the same number of worker processes, the same concurrency each (pg-boss,
//      which polls, gets more at once: see pgboss.cjs).
// Jobs/s counts from the first enqueue to the last completion; the enqueue and the work are
// also timed apart. Target: ahead of both, and at least 5,000 jobs/s on PostgreSQL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/postgres_cluster.h"
#include "testing/temp_dir.h"

namespace bulwark::jobs {
namespace {

using Steady = std::chrono::steady_clock;
constexpr const char* kNoop = "bench.noop";

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

struct Options {
  int jobs = 100000;
  int workers = 4;
  int concurrency = 8;
  std::string node_tools;
  std::string self;
};

struct Result {
  std::string name;
  bool ok = false;
  std::string error;
  double enqueue_seconds = 0;
  double work_seconds = 0;
  double total() const { return enqueue_seconds + work_seconds; }
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "jobs_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Check(StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Die(what + ": " + value.status().ToString());
  return std::move(*value);
}

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

std::atomic<bool> g_stop{false};

// --work URL NAME CONCURRENCY: a worker process running no-op jobs until SIGTERM.
int WorkMain(const std::string& url, const std::string& name, int concurrency) {
  signal(SIGTERM, [](int) { g_stop = true; });
  auto db = Check(store::OpenDatabase(url, concurrency + 2), "open " + url);
  Worker worker(
      *db, SystemClock::Get(),
      {.name = name, .concurrency = concurrency, .idle_poll = std::chrono::milliseconds(50)});
  worker.Register(kNoop, [](const Job&, JobContext&) { return OkStatus(); });
  worker.Start();
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  worker.Stop();
  return 0;
}

double Enqueue(store::Database& db, int count) {
  JobQueue queue(db, SystemClock::Get());
  const auto start = Steady::now();
  for (int done = 0; done < count;) {
    const int batch = std::min(1000, count - done);
    Check(db.Transact(store::TxMode::kQueue,
                      [&](store::Transaction& tx) -> Status {
                        const std::vector<JobSpec> specs(batch, JobSpec{.kind = kNoop});
                        return queue.EnqueueMany(tx, specs).status();
                      }),
          "enqueue");
    done += batch;
  }
  return Since(start);
}

// The jobs done, as `count` less the jobs not yet done: the jobs left shrink as the run goes on,
// so polling costs less and less (graphile-worker's and pg-boss's scripts count the same way).
int64_t DoneCount(store::Database& db, int64_t count) {
  int64_t done = 0;
  Check(db.Transact(store::TxMode::kReadOnly,
                    [&](store::Transaction& tx) -> Status {
                      BW_ASSIGN_OR_RETURN(
                          store::ResultSet rows,
                          tx.Query("SELECT count(*) FROM jobs WHERE state IN ('queued', "
                                   "'leased', 'failed')"));
                      done = count - rows[0].Int(0);
                      return OkStatus();
                    }),
        "count done jobs");
  return done;
}

// Waits until `count` jobs are done, printing progress; false after `limit` seconds.
bool WaitDone(store::Database& db, int64_t count, double limit, const char* name) {
  const auto start = Steady::now();
  int64_t last_printed = -1;
  while (Since(start) < limit) {
    const int64_t done = DoneCount(db, count);
    if (done >= count) break;
    if (done / 10000 != last_printed / 10000) {
      std::fprintf(stderr, "  %s: %lld of %lld done\n", name, static_cast<long long>(done),
                   static_cast<long long>(count));
      last_printed = done;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return DoneCount(db, count) >= count;
}

Result BulwarkPostgres(testing::PostgresCluster& cluster, const Options& options) {
  Result r{.name = "Bulwark, PostgreSQL, " + std::to_string(options.workers) + " worker processes"};
  const std::string url = Check(cluster.CreateDatabase("bench_bulwark"), "create database");
  auto db = Check(store::OpenDatabase(url, 2), "open");
  Check(store::ApplyMigrations(*db).status(), "migrate");
  r.enqueue_seconds = Enqueue(*db, options.jobs);
  const auto start = Steady::now();
  std::vector<pid_t> children;
  for (int i = 0; i < options.workers; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string name = "bench-" + std::to_string(i);
      const std::string concurrency = std::to_string(options.concurrency);
      execl(options.self.c_str(), options.self.c_str(), "--work", url.c_str(), name.c_str(),
            concurrency.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    children.push_back(pid);
  }
  r.ok = WaitDone(*db, options.jobs, 600, "bulwark-postgresql");
  r.work_seconds = Since(start);
  for (pid_t pid : children) kill(pid, SIGTERM);
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  if (!r.ok) r.error = "not every job was done within 600 s";
  return r;
}

Result BulwarkSqlite(const Options& options) {
  Result r{.name = "Bulwark, SQLite, embedded worker"};
  testing::TempDir dir("jobs-bench");
  auto db = Check(store::OpenDatabase("sqlite:" + dir.path() + "/bench.db"), "open sqlite");
  Check(store::ApplyMigrations(*db).status(), "migrate");
  r.enqueue_seconds = Enqueue(*db, options.jobs);
  const auto start = Steady::now();
  Worker worker(*db, SystemClock::Get(),
                {.name = "embedded",
                 .concurrency = options.concurrency,
                 .idle_poll = std::chrono::milliseconds(50)});
  worker.Register(kNoop, [](const Job&, JobContext&) { return OkStatus(); });
  worker.Start();
  r.ok = WaitDone(*db, options.jobs, 600, "bulwark-sqlite");
  r.work_seconds = Since(start);
  worker.Stop();
  if (!r.ok) r.error = "not every job was done within 600 s";
  return r;
}

// Runs bench/jobs/<script> URL JOBS WORKERS CONCURRENCY; it prints "enqueue_seconds
// work_seconds" on its last line.
Result Node(testing::PostgresCluster& cluster, const Options& options, const std::string& name,
            const std::string& script, const std::string& database) {
  Result r{.name = name};
  const std::string url = Check(cluster.CreateDatabase(database), "create database");
  const std::string dir = std::filesystem::path(options.node_tools).parent_path().string();
  const std::string command = "NODE_PATH='" + options.node_tools + "/node_modules' node '" + dir +
                              "/" + script + "' '" + url + "' " + std::to_string(options.jobs) +
                              " " + std::to_string(options.workers) + " " +
                              std::to_string(options.concurrency);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    r.error = "could not start node";
    return r;
  }
  char line[512];
  std::string last;
  while (fgets(line, sizeof line, pipe) != nullptr) last = line;
  const int status = pclose(pipe);
  if (status != 0 ||
      std::sscanf(last.c_str(), "%lf %lf", &r.enqueue_seconds, &r.work_seconds) != 2) {
    r.error = "the script failed (exit " + std::to_string(status) + "): " + last;
    return r;
  }
  r.ok = true;
  return r;
}

void Print(const std::vector<Result>& results, int jobs) {
  std::printf("\n%-52s %12s %12s %12s\n", "", "enqueue/s", "work/s", "jobs/s");
  for (const Result& r : results) {
    if (!r.ok) {
      std::printf("%-52s failed: %s\n", r.name.c_str(), r.error.c_str());
      continue;
    }
    std::printf("%-52s %12.0f %12.0f %12.0f\n", r.name.c_str(), jobs / r.enqueue_seconds,
                jobs / r.work_seconds, jobs / r.total());
  }
  const Result& ours = results[0];
  std::printf("\n");
  for (size_t i = 2; i < results.size(); ++i) {
    if (!ours.ok || !results[i].ok) continue;
    std::printf("Bulwark (PostgreSQL) / %s: %.2fx jobs/s (enqueue %.2fx, work %.2fx)\n",
                results[i].name.c_str(), results[i].total() / ours.total(),
                results[i].enqueue_seconds / ours.enqueue_seconds,
                results[i].work_seconds / ours.work_seconds);
  }
  if (ours.ok) {
    const double rate = jobs / ours.total();
    std::printf("Target: at least 5,000 jobs/s on PostgreSQL: %.0f jobs/s, %s\n", rate,
                rate >= 5000 ? "met" : "NOT MET");
  }
}

int Main(int argc, char** argv) {
  Options options;
  options.self = std::filesystem::canonical("/proc/self/exe").string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--work" && i + 3 < argc) {
      return WorkMain(argv[i + 1], argv[i + 2], std::atoi(argv[i + 3]));
    } else if (arg == "--jobs") {
      options.jobs = std::atoi(next().c_str());
    } else if (arg == "--workers") {
      options.workers = std::atoi(next().c_str());
    } else if (arg == "--concurrency") {
      options.concurrency = std::atoi(next().c_str());
    } else if (arg == "--node-tools") {
      options.node_tools = std::filesystem::absolute(next()).string();
    } else if (arg == "--quick") {
      options.jobs = 10000;
    } else {
      Die("unknown argument " + arg);
    }
  }
  if (options.jobs < 1 || options.workers < 1 || options.concurrency < 1) {
    Die("--jobs, --workers and --concurrency must be positive");
  }
  if (!testing::PostgresAvailable()) Die(testing::PostgresUnavailableReason());
  testing::PostgresCluster cluster;
  Check(cluster.Start(), "start PostgreSQL");
  std::printf(
      "bench/jobs: %d no-op jobs; %d worker processes of concurrency %d on one "
      "PostgreSQL 15 cluster (fsync off)\n",
      options.jobs, options.workers, options.concurrency);
  std::fflush(stdout);
  std::vector<Result> results;
  results.push_back(BulwarkPostgres(cluster, options));
  results.push_back(BulwarkSqlite(options));
  if (!options.node_tools.empty()) {
    results.push_back(Node(cluster, options, "graphile-worker 0.16.6", "graphile.cjs", "graphile"));
    results.push_back(Node(
        cluster, options,
        "pg-boss 10.4.2 (" + std::to_string(options.concurrency) + " polling loops x 50 a process)",
        "pgboss.cjs", "pgboss"));
  }
  Print(results, options.jobs);
  for (const Result& r : results) {
    if (!r.ok) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bulwark::jobs

int main(int argc, char** argv) { return bulwark::jobs::Main(argc, argv); }
