// PostgresCluster: a throwaway PostgreSQL 15 server for tests.
//
// Start() creates a cluster in a fresh temporary directory (initdb, trust authentication,
// superuser `bulwark`), configured for speed rather than durability (fsync, synchronous
// commit and full-page writes off), listening on 127.0.0.1 at a free port with its unix
// socket inside the data directory. PostgreSQL refuses to run as root, so when the tests run
// as root the directory is handed to the `postgres` user and initdb and pg_ctl run through
// `runuser -u postgres`. The destructor stops the server (immediate mode) and deletes the
// directory.
//
// Starting a cluster takes seconds, so a test binary shares one: Shared() starts it on first
// use and stops it when the process exits. Each test then isolates itself in a database of
// its own from CreateDatabase(). When the binaries are missing, tests skip (see the example).
//
// Thread-safety: Shared() and CreateDatabase() are safe from any thread; Start() and the
// destructor belong to one thread.
//
// Example:
//   if (!PostgresAvailable()) GTEST_SKIP() << PostgresUnavailableReason();
//   StatusOr<PostgresCluster*> cluster = PostgresCluster::Shared();
//   ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
//   StatusOr<std::string> url = (*cluster)->CreateDatabase();
//   ASSERT_TRUE(url.ok()) << url.status().ToString();
//   auto db = store::OpenDatabase(*url);
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "testing/temp_dir.h"

namespace bulwark::testing {

// Where the server binaries are: $BULWARK_PG_BINDIR, or /usr/lib/postgresql/15/bin.
std::string PostgresBinDir();

// True when initdb, pg_ctl and postgres are installed (and, when running as root, the
// `postgres` user and runuser exist to run them).
bool PostgresAvailable();

// Why PostgresAvailable() is false, for a test's skip message.
std::string PostgresUnavailableReason();

class PostgresCluster {
 public:
  PostgresCluster() = default;
  // Stops the server if it runs and removes its directory.
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // Creates and starts the cluster. On failure the message includes the server's log.
  // REQUIRES: not started yet.
  Status Start();

  // postgresql://bulwark@127.0.0.1:PORT/postgres
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  // The data directory (also holds the unix socket).
  const std::string& data_dir() const { return data_dir_; }

  // Creates an empty database and returns its URL. An empty `name` picks a unique one;
  // otherwise `name` must be lowercase letters, digits and underscores.
  StatusOr<std::string> CreateDatabase(std::string_view name = "");

  // The cluster shared by every test of this process, started on the first call and stopped
  // at exit. A failure to start is remembered and returned to every caller.
  static StatusOr<PostgresCluster*> Shared();

 private:
  // The last lines of the cluster's logs, for error messages.
  std::string LogTail() const;

  std::unique_ptr<TempDir> dir_;
  std::string data_dir_;
  std::string url_;
  int port_ = 0;
  bool running_ = false;
  std::atomic<int> next_database_{0};
};

}  // namespace bulwark::testing
