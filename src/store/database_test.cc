// One suite, run against both backends: SQLite in a temporary folder and PostgreSQL in a
// fresh database of the test binary's shared throwaway cluster.
#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "store/internal/sql_text.h"
#include "store/migrations.h"
#include "testing/postgres_cluster.h"
#include "testing/status_assertions.h"
#include "testing/temp_dir.h"

namespace bulwark {

namespace store {

void PrintTo(const Blob& blob, std::ostream* os) {
  *os << "Blob(" << blob.bytes.size() << " bytes)";
}

namespace {

using ::bulwark::testing::PostgresCluster;
using ::bulwark::testing::TempDir;

// Runs one statement in its own read-write transaction.
Status Exec(Database& db, std::string_view sql, const std::vector<Value>& params = {}) {
  return db.Transact(TxMode::kReadWrite,
                     [&](Transaction& tx) { return tx.Execute(sql, params).status(); });
}

// Runs one query in its own read-only transaction.
StatusOr<ResultSet> Select(Database& db, std::string_view sql,
                           const std::vector<Value>& params = {}) {
  ResultSet rows;
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(rows, tx.Query(sql, params));
    return OkStatus();
  }));
  return rows;
}

StatusOr<int64_t> Count(Database& db, std::string_view table) {
  BW_ASSIGN_OR_RETURN(ResultSet rows, Select(db, "SELECT COUNT(*) FROM " + std::string(table)));
  if (rows.size() != 1) return InternalError("COUNT(*) returned no row");
  return rows[0].Int(0);
}

// Reads the counter, then writes it back plus one: a lost update unless transactions are
// serialized.
Status Increment(Database& db) {
  return db.Transact(TxMode::kReadWrite, [](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT n FROM counters WHERE name = ?", {std::string("c")}));
    if (rows.size() != 1) return InternalError("counter row missing");
    const int64_t n = rows[0].Int(0);
    return tx.Execute("UPDATE counters SET n = ? WHERE name = ?", {n + 1, std::string("c")})
        .status();
  });
}

int LatestVersion() { return Migrations().back().version; }

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      url_ = "sqlite:" + dir_.path() + "/bulwark.db";
    } else {
      if (!bulwark::testing::PostgresAvailable()) {
        GTEST_SKIP() << bulwark::testing::PostgresUnavailableReason();
      }
      ASSERT_OK_AND_ASSIGN(PostgresCluster * cluster, PostgresCluster::Shared());
      ASSERT_OK_AND_ASSIGN(url_, cluster->CreateDatabase());
    }
    ASSERT_OK_AND_ASSIGN(db_, OpenDatabase(url_));
    ASSERT_EQ(db_->backend(), GetParam());
  }

  // Another Database on the same store, as a second process would open it.
  StatusOr<std::unique_ptr<Database>> OpenAnother() { return OpenDatabase(url_); }

  Database& db() { return *db_; }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, MigrationsApplyOnceAndAreIdempotent) {
  ASSERT_OK_AND_ASSIGN(int before, SchemaVersion(db()));
  EXPECT_EQ(before, 0);

  ASSERT_OK_AND_ASSIGN(int reached, ApplyMigrations(db()));
  EXPECT_EQ(reached, LatestVersion());
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db()));
  EXPECT_EQ(version, LatestVersion());
  ASSERT_OK_AND_ASSIGN(ResultSet applied, Select(db(),
                                                 "SELECT version, description, applied_at "
                                                 "FROM schema_migrations ORDER BY version"));
  ASSERT_EQ(applied.size(), Migrations().size());
  for (size_t i = 0; i < applied.size(); ++i) {
    EXPECT_EQ(applied[i].Int(0), Migrations()[i].version);
    EXPECT_EQ(applied[i].Text(1), Migrations()[i].description);
    EXPECT_GT(applied[i].Int(2), int64_t{1'600'000'000} * 1'000'000);  // Microseconds.
  }

  ASSERT_OK_AND_ASSIGN(int again, ApplyMigrations(db()));
  EXPECT_EQ(again, LatestVersion());
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "schema_migrations"));
  EXPECT_EQ(rows, static_cast<int64_t>(Migrations().size()));
  ASSERT_OK_AND_ASSIGN(ResultSet reapplied,
                       Select(db(), "SELECT applied_at FROM schema_migrations ORDER BY version"));
  EXPECT_EQ(reapplied[0].Int(0), applied[0].Int(2));
}

TEST_P(DatabaseTest, ConcurrentMigratorsSerialize) {
  constexpr int kMigrators = 4;
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < kMigrators; ++i) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db, OpenAnother());
    dbs.push_back(std::move(db));
  }
  std::vector<StatusOr<int>> results(kMigrators, StatusOr<int>(InternalError("not run")));
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] { results[i] = ApplyMigrations(*dbs[i]); });
  }
  for (std::thread& t : threads) t.join();
  for (const StatusOr<int>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(*result, LatestVersion());
  }
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "schema_migrations"));
  EXPECT_EQ(rows, static_cast<int64_t>(Migrations().size()));
}

TEST_P(DatabaseTest, RefusesDatabaseNewerThanBinary) {
  ASSERT_OK(ApplyMigrations(db()));
  ASSERT_OK(Exec(db(), "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                 {int64_t{LatestVersion() + 1}, std::string("from the future"), int64_t{1}}));
  StatusOr<int> applied = ApplyMigrations(db());
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(applied.status().message().find("older than the database"), std::string::npos)
      << applied.status().message();
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(db()));
  EXPECT_EQ(version, LatestVersion() + 1);
}

TEST_P(DatabaseTest, RoundTripsEveryValueType) {
  ASSERT_OK(Exec(db(), "CREATE TABLE cells (id BIGINT PRIMARY KEY, i BIGINT, s TEXT, b BYTEA)"));
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  const std::vector<std::vector<Value>> rows = {
      {int64_t{1}, std::numeric_limits<int64_t>::min(), std::string(), Blob{}},
      {int64_t{2}, std::numeric_limits<int64_t>::max(), std::string("plain"), Blob{every_byte}},
      {int64_t{3}, int64_t{0},
       std::string("\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x90\x8e"),
       Blob{std::string("\0\0a\0b\0", 6)}},
      {int64_t{4}, int64_t{-1}, std::monostate(), std::monostate()},
      {int64_t{5}, std::monostate(), std::string("line\nbreak\ttab \\ 'single' \"double\""),
       Blob{std::string("\\x00")}},
  };
  ASSERT_OK(db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    for (const std::vector<Value>& row : rows) {
      BW_ASSIGN_OR_RETURN(int64_t changed,
                          tx.Execute("INSERT INTO cells (id, i, s, b) VALUES (?, ?, ?, ?)", row));
      if (changed != 1) return InternalError("insert changed " + std::to_string(changed));
    }
    return OkStatus();
  }));

  ASSERT_OK_AND_ASSIGN(ResultSet read, Select(db(), "SELECT id, i, s, b FROM cells ORDER BY id"));
  ASSERT_EQ(read.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(read[r].size(), 4u);
    for (size_t c = 0; c < 4; ++c) {
      EXPECT_EQ(read[r].cell(c), rows[r][c]) << "row " << r << " column " << c;
    }
  }
  // Accessors read NULL as zero values.
  EXPECT_TRUE(read[3].IsNull(2));
  EXPECT_EQ(read[3].Text(2), "");
  EXPECT_EQ(read[3].Bytes(3), "");
  EXPECT_EQ(read[4].Int(1), 0);
  EXPECT_EQ(read[1].Bytes(3), every_byte);
  EXPECT_EQ(read[1].Int(1), std::numeric_limits<int64_t>::max());

  // Aggregates come back as integers on both backends, and a filter on a blob matches.
  ASSERT_OK_AND_ASSIGN(ResultSet counted,
                       Select(db(), "SELECT COUNT(*) FROM cells WHERE b = ?", {Blob{every_byte}}));
  ASSERT_EQ(counted.size(), 1u);
  EXPECT_EQ(counted[0].cell(0), Value(int64_t{1}));
}

TEST_P(DatabaseTest, InsertManyWritesEveryValueTypeAndFailsOnADuplicate) {
  ASSERT_OK(Exec(db(), "CREATE TABLE cells (id BIGINT PRIMARY KEY, i BIGINT, s TEXT, b BYTEA)"));
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  std::vector<std::vector<Value>> rows = {
      {int64_t{1}, std::numeric_limits<int64_t>::min(), std::string(), Blob{}},
      {int64_t{2}, std::numeric_limits<int64_t>::max(), std::string("plain"), Blob{every_byte}},
      {int64_t{3}, std::monostate(), std::string("line\nbreak\ttab\r \\N \\ 'single' \"double\""),
       Blob{std::string("\\x00\t\n", 6)}},
      {int64_t{4}, int64_t{-1}, std::monostate(), std::monostate()},
  };
  // Enough rows for several of SQLite's statements.
  for (int64_t id = 5; id < 2000; ++id) {
    rows.push_back({id, id * 7, "row " + std::to_string(id), std::monostate()});
  }
  ASSERT_OK(db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(int64_t none, tx.InsertMany("cells (id, i, s, b)", {}));
    if (none != 0) return InternalError("nothing inserted " + std::to_string(none));
    BW_ASSIGN_OR_RETURN(int64_t inserted, tx.InsertMany("cells (id, i, s, b)", rows));
    if (inserted != static_cast<int64_t>(rows.size())) {
      return InternalError("inserted " + std::to_string(inserted));
    }
    return OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(ResultSet read, Select(db(), "SELECT id, i, s, b FROM cells ORDER BY id"));
  ASSERT_EQ(read.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < 4; ++c) {
      EXPECT_EQ(read[r].cell(c), rows[r][c]) << "row " << r << " column " << c;
    }
  }
  // A duplicate key fails the insert, and its transaction writes nothing.
  Status duplicate = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    return tx
        .InsertMany("cells (id, i, s, b)",
                    {{int64_t{9000}, int64_t{0}, std::monostate(), std::monostate()},
                     {int64_t{1}, int64_t{0}, std::monostate(), std::monostate()}})
        .status();
  });
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists) << duplicate.ToString();
  ASSERT_OK_AND_ASSIGN(int64_t count, Count(db(), "cells"));
  EXPECT_EQ(count, static_cast<int64_t>(rows.size()));
}

TEST_P(DatabaseTest, RollsBackWhenFunctionFails) {
  ASSERT_OK(Exec(db(), "CREATE TABLE items (id TEXT PRIMARY KEY)"));
  Status status = db().Transact(TxMode::kReadWrite, [](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id) VALUES (?)", {std::string("a")}));
    return InvalidArgumentError("changed my mind");
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "changed my mind");
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "items"));
  EXPECT_EQ(rows, 0);
}

// A signal's wait is bounded so that a missing wake fails the test instead of hanging it; no
// test here depends on how long a wake takes.
constexpr Duration kWake = std::chrono::seconds(10);
constexpr Duration kNoWake = std::chrono::milliseconds(200);

Status SignalIn(Database& db, const std::string& channel, bool commit) {
  return db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(tx.Signal(channel));
    BW_RETURN_IF_ERROR(tx.Signal(channel));  // once per transaction
    return commit ? OkStatus() : AbortedError("rolled back on purpose");
  });
}

TEST_P(DatabaseTest, ASignalWakesTheChannelsListenersWhenItsTransactionCommits) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Listener> jobs, db().Listen("jobs_test"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Listener> other, db().Listen("other_test"));
  EXPECT_FALSE(jobs->Wait(std::chrono::milliseconds(0)));

  EXPECT_EQ(SignalIn(db(), "jobs_test", /*commit=*/false).code(), StatusCode::kAborted);
  EXPECT_FALSE(jobs->Wait(kNoWake)) << "a rolled-back transaction's signal woke the listener";

  ASSERT_OK(SignalIn(db(), "jobs_test", /*commit=*/true));
  EXPECT_TRUE(jobs->Wait(kWake));
  EXPECT_FALSE(jobs->Wait(kNoWake)) << "one transaction's signals woke the listener twice";
  EXPECT_FALSE(other->Wait(kNoWake)) << "another channel's signal woke the listener";

  // A signal that came while nobody waited is not lost.
  ASSERT_OK(SignalIn(db(), "jobs_test", /*commit=*/true));
  EXPECT_TRUE(jobs->Wait(kWake));

  // Interrupt ends a wait at once, even one not yet begun.
  std::thread interrupter([&] { other->Interrupt(); });
  interrupter.join();
  EXPECT_TRUE(other->Wait(kWake));
}

TEST_P(DatabaseTest, SignalsRefuseBadChannelsAndReadOnlyTransactions) {
  EXPECT_EQ(db().Listen("Jobs; DROP TABLE x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db().Listen("").status().code(), StatusCode::kInvalidArgument);
  Status bad = db().Transact(TxMode::kReadWrite, [](Transaction& tx) { return tx.Signal("a-b"); });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  Status read_only =
      db().Transact(TxMode::kReadOnly, [](Transaction& tx) { return tx.Signal("jobs_test"); });
  EXPECT_FALSE(read_only.ok());
}

TEST_P(DatabaseTest, OnPostgresASignalReachesTheListenersOfOtherProcesses) {
  if (GetParam() != Backend::kPostgres) {
    GTEST_SKIP() << "on SQLite, signals reach the listeners of their own process only";
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> another, OpenAnother());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Listener> listener, another->Listen("jobs_test"));
  std::thread signaller([&] { EXPECT_OK(SignalIn(db(), "jobs_test", /*commit=*/true)); });
  EXPECT_TRUE(listener->Wait(kWake));
  signaller.join();
}

TEST_P(DatabaseTest, ConstraintViolationsMapToCodes) {
  ASSERT_OK(ApplyMigrations(db()));
  const std::string insert_org =
      "INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?)";
  ASSERT_OK(Exec(db(), insert_org,
                 {std::string("org1"), std::string("Acme"), std::string("vendor"), int64_t{1}}));

  // Unique violations, on the primary key and on a UNIQUE column.
  EXPECT_EQ(Exec(db(), insert_org,
                 {std::string("org1"), std::string("Other"), std::string("vendor"), int64_t{1}})
                .code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(Exec(db(), insert_org,
                 {std::string("org2"), std::string("Acme"), std::string("vendor"), int64_t{1}})
                .code(),
            StatusCode::kAlreadyExists);
  // A reference to a missing row.
  EXPECT_EQ(Exec(db(),
                 "INSERT INTO users (id, org_id, email, display_name, created_at) "
                 "VALUES (?, ?, ?, ?, ?)",
                 {std::string("u1"), std::string("no-such-org"), std::string("a@example.com"),
                  std::string("A"), int64_t{1}})
                .code(),
            StatusCode::kFailedPrecondition);
  // A missing required value.
  EXPECT_EQ(Exec(db(), insert_org,
                 {std::string("org3"), std::string("Nameless"), std::monostate(), int64_t{1}})
                .code(),
            StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(int64_t orgs, Count(db(), "organizations"));
  EXPECT_EQ(orgs, 1);
}

TEST_P(DatabaseTest, FailedStatementFailsTheWholeTransaction) {
  ASSERT_OK(Exec(db(), "CREATE TABLE items (id TEXT PRIMARY KEY)"));
  ASSERT_OK(Exec(db(), "INSERT INTO items (id) VALUES ('a')"));
  Status later;
  Status status = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    // The function ignores the failure; the transaction must not commit anyway.
    tx.Execute("INSERT INTO items (id) VALUES (?)", {std::string("a")}).status().IgnoreError();
    later = tx.Execute("INSERT INTO items (id) VALUES (?)", {std::string("b")}).status();
    return OkStatus();
  });
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
  EXPECT_FALSE(later.ok());
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "items"));
  EXPECT_EQ(rows, 1);
}

TEST_P(DatabaseTest, ParametersAreNeverSpliced) {
  ASSERT_OK(Exec(db(), "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"));
  const std::vector<std::string> bodies = {
      "'; DROP TABLE notes; --", "what?", "?", "? ?", "$1", "it''s", "/* not a comment */"};
  for (size_t i = 0; i < bodies.size(); ++i) {
    ASSERT_OK(Exec(db(), "INSERT INTO notes (id, body) VALUES (?, ?)",
                   {static_cast<int64_t>(i), bodies[i]}));
  }
  for (size_t i = 0; i < bodies.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(ResultSet rows,
                         Select(db(), "SELECT id FROM notes WHERE body = ?", {bodies[i]}));
    ASSERT_EQ(rows.size(), 1u) << bodies[i];
    EXPECT_EQ(rows[0].Int(0), static_cast<int64_t>(i));
  }
  // A `?` inside a string literal or a comment is not a placeholder.
  ASSERT_OK_AND_ASSIGN(ResultSet literal,
                       Select(db(),
                              "SELECT '?', body, 'it''s ?' /* ? */ FROM notes -- ?\n"
                              "WHERE id = ?",
                              {int64_t{1}}));
  ASSERT_EQ(literal.size(), 1u);
  EXPECT_EQ(literal[0].Text(0), "?");
  EXPECT_EQ(literal[0].Text(1), "what?");
  EXPECT_EQ(literal[0].Text(2), "it's ?");
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "notes"));
  EXPECT_EQ(rows, static_cast<int64_t>(bodies.size()));
}

TEST_P(DatabaseTest, WrongParameterCountIsInvalidArgument) {
  ASSERT_OK(Exec(db(), "CREATE TABLE items (id TEXT PRIMARY KEY)"));
  EXPECT_EQ(Exec(db(), "INSERT INTO items (id) VALUES (?)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Exec(db(), "INSERT INTO items (id) VALUES (?)", {std::string("a"), int64_t{1}}).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(DatabaseTest, ExecuteRunsScripts) {
  Status status = db().Transact(TxMode::kReadWrite, [](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(int64_t changed,
                        tx.Execute("CREATE TABLE s (a BIGINT PRIMARY KEY);\n"
                                   "-- a comment; with a separator in it\n"
                                   "INSERT INTO s VALUES (1); INSERT INTO s VALUES (2);\n"));
    if (changed != 2) return InternalError("script changed " + std::to_string(changed));
    return OkStatus();
  });
  ASSERT_OK(status);
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "s"));
  EXPECT_EQ(rows, 2);

  // A failing statement stops the script and fails the transaction.
  status =
      Exec(db(), "INSERT INTO s VALUES (3); INSERT INTO s VALUES (1); INSERT INTO s VALUES (4)");
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
  ASSERT_OK_AND_ASSIGN(rows, Count(db(), "s"));
  EXPECT_EQ(rows, 2);

  // Only a parameterless Execute takes several statements.
  EXPECT_EQ(Exec(db(), "INSERT INTO s VALUES (?); INSERT INTO s VALUES (6)", {int64_t{5}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Select(db(), "SELECT a FROM s; SELECT a FROM s").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(DatabaseTest, ReadOnlyTransactionsCannotWrite) {
  ASSERT_OK(Exec(db(), "CREATE TABLE items (id TEXT PRIMARY KEY)"));
  Status status = db().Transact(TxMode::kReadOnly, [](Transaction& tx) {
    return tx.Execute("INSERT INTO items (id) VALUES ('a')").status();
  });
  EXPECT_FALSE(status.ok());
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "items"));
  EXPECT_EQ(rows, 0);
}

TEST_P(DatabaseTest, ConcurrentIncrementsAreSerialized) {
  ASSERT_OK(Exec(db(), "CREATE TABLE counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL)"));
  ASSERT_OK(Exec(db(), "INSERT INTO counters (name, n) VALUES ('c', 0)"));
  constexpr int kThreads = 8;
  constexpr int kIncrements = 50;
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        Status status = Increment(db());
        if (!status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          errors.push_back(status.ToString());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  ASSERT_OK_AND_ASSIGN(ResultSet rows, Select(db(), "SELECT n FROM counters"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), kThreads * kIncrements);
}

// Writers running together may share a commit (SQLite groups them); each still gets its own
// outcome: a failed one leaves nothing, and a successful one is visible to every reader the
// moment Transact returns.
TEST_P(DatabaseTest, ConcurrentWritersKeepTheirOwnOutcomes) {
  ASSERT_OK(Exec(db(), "CREATE TABLE items (id TEXT PRIMARY KEY)"));
  ASSERT_OK(Exec(db(), "INSERT INTO items (id) VALUES ('taken')"));
  constexpr int kThreads = 8;
  constexpr int kWrites = 40;
  std::atomic<int> committed{0};
  std::mutex mu;
  std::vector<std::string> errors;
  auto fail = [&](std::string what) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(std::move(what));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        const int kind = i % 3;  // 0: commits; 1: its function fails; 2: a statement fails
        Status s = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
          BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id) VALUES (?)", {id}).status());
          if (kind == 1) return InvalidArgumentError("changed my mind");
          if (kind == 2) {
            return tx.Execute("INSERT INTO items (id) VALUES ('taken')").status();
          }
          return OkStatus();
        });
        if (kind == 0 && !s.ok()) fail(id + ": " + s.ToString());
        if (kind == 1 && s.code() != StatusCode::kInvalidArgument) fail(id + ": " + s.ToString());
        if (kind == 2 && s.code() != StatusCode::kAlreadyExists) fail(id + ": " + s.ToString());
        StatusOr<ResultSet> seen = Select(db(), "SELECT id FROM items WHERE id = '" + id + "'");
        if (!seen.ok()) {
          fail(seen.status().ToString());
        } else if (seen->size() != (kind == 0 ? 1u : 0u)) {
          fail(id + " is " + (seen->empty() ? "missing" : "present"));
        }
        if (kind == 0) ++committed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " wrong, first: " << errors.front();
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "items"));
  EXPECT_EQ(rows, committed.load() + 1);
}

TEST_P(DatabaseTest, ReadersDoNotWaitForWriter) {
  ASSERT_OK(Exec(db(), "CREATE TABLE items (id TEXT PRIMARY KEY)"));
  std::promise<void> written;
  std::promise<void> read;
  std::shared_future<void> read_done = read.get_future().share();
  std::once_flag signalled;
  Status writer_status;
  std::thread writer([&] {
    writer_status = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id) VALUES ('a')"));
      std::call_once(signalled, [&] { written.set_value(); });
      // Hold the write transaction open until the reader is done (bounded, in case it blocks).
      read_done.wait_for(std::chrono::seconds(10));
      return OkStatus();
    });
  });
  written.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  StatusOr<int64_t> during = Count(db(), "items");
  const auto waited = std::chrono::steady_clock::now() - start;
  read.set_value();
  writer.join();
  ASSERT_OK(writer_status);
  ASSERT_TRUE(during.ok()) << during.status().ToString();
  EXPECT_EQ(*during, 0) << "the reader saw an uncommitted row";
  EXPECT_LT(waited, std::chrono::seconds(2)) << "the reader waited for the writer";
  ASSERT_OK_AND_ASSIGN(int64_t after, Count(db(), "items"));
  EXPECT_EQ(after, 1);
}

TEST_P(DatabaseTest, ReadersSeeWholeTransactionsWhileWriterWrites) {
  ASSERT_OK(Exec(db(), "CREATE TABLE pairs (id BIGINT PRIMARY KEY)"));
  constexpr int kTransactions = 60;
  constexpr int kReaders = 3;
  std::atomic<bool> writing{true};
  Status writer_status;
  std::thread writer([&] {
    for (int i = 0; i < kTransactions && writer_status.ok(); ++i) {
      writer_status = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
        BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO pairs (id) VALUES (?)", {int64_t{2 * i}}));
        return tx.Execute("INSERT INTO pairs (id) VALUES (?)", {int64_t{2 * i + 1}}).status();
      });
    }
    writing = false;
  });
  std::mutex mu;
  std::vector<std::string> problems;
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      do {
        int64_t first_count = 0;
        int64_t second_count = 0;
        Status status = db().Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
          BW_ASSIGN_OR_RETURN(ResultSet a, tx.Query("SELECT COUNT(*) FROM pairs"));
          std::this_thread::yield();
          BW_ASSIGN_OR_RETURN(ResultSet b, tx.Query("SELECT COUNT(*) FROM pairs"));
          first_count = a[0].Int(0);
          second_count = b[0].Int(0);
          return OkStatus();
        });
        std::lock_guard<std::mutex> lock(mu);
        ++reads;
        if (!status.ok()) {
          problems.push_back(status.ToString());
        } else if (first_count % 2 != 0 || first_count < last || first_count != second_count) {
          problems.push_back("inconsistent counts " + std::to_string(first_count) + ", " +
                             std::to_string(second_count) + " after " + std::to_string(last));
        }
        last = first_count;
      } while (writing);
    });
  }
  writer.join();
  for (std::thread& t : readers) t.join();
  ASSERT_OK(writer_status);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
  EXPECT_GE(reads.load(), kReaders);
  ASSERT_OK_AND_ASSIGN(int64_t rows, Count(db(), "pairs"));
  EXPECT_EQ(rows, 2 * kTransactions);
}

TEST_P(DatabaseTest, SecondDatabaseOnSameStoreWritesConcurrently) {
  ASSERT_OK(Exec(db(), "CREATE TABLE counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL)"));
  ASSERT_OK(Exec(db(), "INSERT INTO counters (name, n) VALUES ('c', 0)"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> other, OpenAnother());
  constexpr int kThreadsPerDatabase = 2;
  constexpr int kIncrements = 50;
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (Database* target : {db_.get(), other.get()}) {
    for (int t = 0; t < kThreadsPerDatabase; ++t) {
      threads.emplace_back([&, target] {
        for (int i = 0; i < kIncrements; ++i) {
          Status status = Increment(*target);
          if (!status.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            errors.push_back(status.ToString());
          }
        }
      });
    }
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  ASSERT_OK_AND_ASSIGN(ResultSet rows, Select(*other, "SELECT n FROM counters"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), 2 * kThreadsPerDatabase * kIncrements);
}

TEST_P(DatabaseTest, LostConnectionsAreReplaced) {
  if (GetParam() != Backend::kPostgres) GTEST_SKIP() << "only PostgreSQL has connections to lose";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> admin, OpenAnother());
  auto terminate = [&](int64_t pid) {
    return Exec(*admin, "SELECT pg_terminate_backend(?, 5000)", {pid});
  };
  auto backend_pid = [](Transaction& tx, int64_t* pid) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT pg_backend_pid()"));
    *pid = rows.at(0).Int(0);
    return OkStatus();
  };

  // A connection that died while idle in the pool is replaced before the function runs.
  int64_t pid = 0;
  ASSERT_OK(
      db().Transact(TxMode::kReadOnly, [&](Transaction& tx) { return backend_pid(tx, &pid); }));
  ASSERT_OK(terminate(pid));
  int64_t new_pid = 0;
  ASSERT_OK(
      db().Transact(TxMode::kReadOnly, [&](Transaction& tx) { return backend_pid(tx, &new_pid); }));
  EXPECT_NE(new_pid, pid);

  // A connection lost inside the function fails the transaction as unavailable.
  Status status = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(backend_pid(tx, &pid));
    BW_RETURN_IF_ERROR(terminate(pid));
    return tx.Query("SELECT 1").status();
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  ASSERT_OK(
      db().Transact(TxMode::kReadOnly, [&](Transaction& tx) { return backend_pid(tx, &pid); }));
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

TEST(OpenDatabaseTest, RejectsUnusableUrls) {
  TempDir dir;
  EXPECT_EQ(OpenDatabase("mysql://root@localhost/db").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite::memory:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite:" + dir.path() + "/missing/folder/db").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite:" + dir.path() + "/db", 0).status().code(),
            StatusCode::kInvalidArgument);
  // Nothing listens on port 1.
  EXPECT_EQ(OpenDatabase("postgresql://bulwark@127.0.0.1:1/postgres").status().code(),
            StatusCode::kUnavailable);
}

TEST(RowTest, AccessorsConvertLeniently) {
  Row row({int64_t{42}, std::string("17"), std::string("t"), Blob{std::string("a\0b", 3)},
           std::monostate()});
  EXPECT_EQ(row.size(), 5u);
  EXPECT_EQ(row.Text(0), "42");
  EXPECT_EQ(row.Int(1), 17);
  EXPECT_EQ(row.Int(2), 1);
  EXPECT_EQ(row.Bytes(3), std::string("a\0b", 3));
  EXPECT_TRUE(row.IsNull(4));
  EXPECT_FALSE(row.IsNull(0));
  EXPECT_EQ(row.Int(4), 0);
  EXPECT_EQ(row.Text(4), "");
}

TEST(SqlTextTest, RewritesPlaceholdersOutsideLiteralsAndComments) {
  internal::PlaceholderSql sql = internal::RewritePlaceholders(
      "SELECT '?', \"a?\" FROM t -- ?\nWHERE a = ? /* ? */ AND b = 'it''s ?' AND c = ?");
  EXPECT_EQ(sql.text,
            "SELECT '?', \"a?\" FROM t -- ?\nWHERE a = $1 /* ? */ AND b = 'it''s ?' AND c = $2");
  EXPECT_EQ(sql.count, 2);
  EXPECT_EQ(internal::RewritePlaceholders("VALUES (?,?,?)").text, "VALUES ($1,$2,$3)");
}

TEST(SqlTextTest, TellsScriptsFromSingleStatements) {
  EXPECT_FALSE(internal::HasMultipleStatements("SELECT 1"));
  EXPECT_FALSE(internal::HasMultipleStatements("SELECT 1;  \n"));
  EXPECT_FALSE(internal::HasMultipleStatements("SELECT 1; -- done"));
  EXPECT_FALSE(internal::HasMultipleStatements("SELECT ';x'"));
  EXPECT_FALSE(internal::HasMultipleStatements("SELECT 1 /* ; SELECT 2 */"));
  EXPECT_TRUE(internal::HasMultipleStatements("SELECT 1; SELECT 2"));
  EXPECT_TRUE(internal::HasMultipleStatements("CREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT)"));
  EXPECT_TRUE(internal::HasMultipleStatements("SELECT 1;'a'"));
}

TEST(SqlTextTest, PlainTableNames) {
  EXPECT_TRUE(internal::IsPlainTableName("jobs"));
  EXPECT_TRUE(internal::IsPlainTableName("job_schedules2"));
  for (const char* name : {"", "Jobs", "2jobs", "_jobs", "jobs; DROP TABLE jobs", "\"jobs\"",
                           "public.jobs", "jobs "}) {
    EXPECT_FALSE(internal::IsPlainTableName(name)) << name;
  }
}

}  // namespace
}  // namespace store
}  // namespace bulwark
