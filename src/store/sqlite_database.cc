#include "store/sqlite_database.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/internal/connection_pool.h"
#include "store/internal/failed_statement.h"
#include "store/internal/retry.h"
#include "store/internal/sql_text.h"

namespace bulwark::store {
namespace {

using internal::AttemptResult;
using internal::FailedStatement;

// How long SQLite waits for another connection's lock before reporting SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;
// Distinct SQL texts cached per connection; past this the cache starts over.
constexpr size_t kMaxCachedStatements = 512;

bool IsBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Maps a failed (extended) result code to a Status; the message comes from `db`.
Status ErrorStatus(sqlite3* db, int rc) {
  const std::string message = sqlite3_errmsg(db);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return AlreadyExistsError(message);
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return FailedPreconditionError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return AbortedError("database is busy: " + message);
    default:
      return InternalError("sqlite: " + message);
  }
}

// One SQLite connection and its prepared statements.
class SqliteConnection {
 public:
  enum class Role { kWriter, kReader };

  // Takes ownership of `db`, which may be a handle whose opening failed.
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() {
    ClearStatements();
    sqlite3_close_v2(db_);
  }

  static StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path, Role role) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (role == Role::kWriter) flags |= SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto conn = std::make_unique<SqliteConnection>(db);
    if (rc != SQLITE_OK) {
      return InvalidArgumentError("cannot open SQLite database " + path + ": " +
                                  (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    if (role == Role::kWriter) {
      std::string mode;
      BW_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL", &mode).WithPrefix(path));
      if (mode != "wal") {
        return InvalidArgumentError("SQLite database " + path +
                                    " cannot use write-ahead logging (journal mode \"" + mode +
                                    "\"); use a file on a local file system");
      }
    } else {
      BW_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=ON", nullptr).WithPrefix(path));
    }
    BW_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=FULL", nullptr).WithPrefix(path));
    BW_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys=ON", nullptr).WithPrefix(path));
    // The writer reads pages through a shared memory map instead of a read() per page miss, and
    // has a page cache that holds the hot parts of the indexes (bench/ledger: large append
    // batches were spending most of their time copying pages in and out). Readers read with
    // pread: a mapped reader remaps whenever the file grows, and with many readers the unmaps
    // (and the TLB shootdowns they cost every thread) took more time than the reads
    // (bench/gateway).
    if (role == Role::kWriter) {
      BW_RETURN_IF_ERROR(conn->Exec("PRAGMA mmap_size=1073741824", nullptr).WithPrefix(path));
      BW_RETURN_IF_ERROR(conn->Exec("PRAGMA cache_size=-65536", nullptr).WithPrefix(path));
    }
    return conn;
  }

  sqlite3* handle() const { return db_; }
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Finds or prepares the statement for `sql` and returns SQLite's result code. When `sql`
  // holds several statements (or none), sets `*stmt` to null and `*script` to true instead;
  // scripts are not cached.
  int Prepare(std::string_view sql, sqlite3_stmt** stmt, bool* script) {
    *stmt = nullptr;
    *script = false;
    if (auto it = statements_.find(sql); it != statements_.end()) {
      *stmt = it->second;
      return SQLITE_OK;
    }
    if (sql.size() > static_cast<size_t>(INT_MAX)) return SQLITE_TOOBIG;
    const char* tail = nullptr;
    sqlite3_stmt* prepared = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &prepared, &tail);
    if (rc != SQLITE_OK) return rc;
    if (prepared == nullptr || HasMoreStatements(tail, sql.data() + sql.size())) {
      sqlite3_finalize(prepared);
      *script = true;
      return SQLITE_OK;
    }
    if (statements_.size() >= kMaxCachedStatements) ClearStatements();
    statements_.emplace(std::string(sql), prepared);
    *stmt = prepared;
    return SQLITE_OK;
  }

  // Runs every statement of `sql` in order, stopping at the first failure. Adds the rows
  // changed to `*changes`; sets `*transient` when the failure was a busy database.
  Status RunScript(std::string_view sql, int64_t* changes, bool* transient) {
    *transient = false;
    const int64_t before = sqlite3_total_changes64(db_);
    const char* next = sql.data();
    const char* const end = sql.data() + sql.size();
    while (next < end) {
      sqlite3_stmt* stmt = nullptr;
      const char* tail = nullptr;
      int rc = sqlite3_prepare_v2(db_, next, static_cast<int>(end - next), &stmt, &tail);
      if (rc != SQLITE_OK) {
        *transient = IsBusy(rc);
        return ErrorStatus(db_, rc);
      }
      if (stmt == nullptr) break;  // Only whitespace and comments were left.
      next = tail;
      do {
        rc = sqlite3_step(stmt);
      } while (rc == SQLITE_ROW);
      Status status = rc == SQLITE_DONE ? OkStatus() : ErrorStatus(db_, rc);
      sqlite3_finalize(stmt);
      if (!status.ok()) {
        *transient = IsBusy(rc);
        return status;
      }
    }
    *changes = sqlite3_total_changes64(db_) - before;
    return OkStatus();
  }

  // Runs a parameterless statement (BEGIN, COMMIT, ROLLBACK) and returns its result code.
  int Control(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    bool script = false;
    int rc = Prepare(sql, &stmt, &script);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

  // Ends an open transaction without committing; a failure leaves nothing to undo.
  void Rollback() {
    if (InTransaction()) Control("ROLLBACK");
  }

 private:
  // Runs a statement outside any transaction, keeping the first column of its last row.
  Status Exec(const char* sql, std::string* result) {
    char* error = nullptr;
    auto keep = [](void* out, int columns, char** values, char**) -> int {
      if (out != nullptr && columns > 0 && values[0] != nullptr) {
        *static_cast<std::string*>(out) = values[0];
      }
      return 0;
    };
    const int rc = sqlite3_exec(db_, sql, keep, result, &error);
    if (rc == SQLITE_OK) return OkStatus();
    Status status = ErrorStatus(db_, rc);
    sqlite3_free(error);
    return status;
  }

  // True when SQL text from `tail` to `end` holds a statement, not just separators, spaces
  // and comments. Text that does not even parse counts as a statement (the script path then
  // reports the error).
  bool HasMoreStatements(const char* tail, const char* end) {
    if (tail == nullptr || tail >= end) return false;
    sqlite3_stmt* next = nullptr;
    const int rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &next, nullptr);
    const bool more = rc != SQLITE_OK || next != nullptr;
    sqlite3_finalize(next);
    return more;
  }

  void ClearStatements() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    statements_.clear();
  }

  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*, internal::SqlTextHash, std::equal_to<>>
      statements_;
};

// Resets a cached statement after use, so it holds no lock and keeps no bound values.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;
  ~StatementReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

Status Bind(sqlite3_stmt* stmt, const std::vector<Value>& params) {
  const int expected = sqlite3_bind_parameter_count(stmt);
  if (expected != static_cast<int>(params.size())) {
    return InvalidArgumentError("statement has " + std::to_string(expected) + " placeholders but " +
                                std::to_string(params.size()) + " parameters were given");
  }
  for (int i = 0; i < expected; ++i) {
    const int index = i + 1;
    // The values outlive the statement's execution, so SQLite need not copy them.
    const int rc = std::visit(
        [&](const auto& v) -> int {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            return sqlite3_bind_int64(stmt, index, v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return sqlite3_bind_text64(stmt, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
          } else if constexpr (std::is_same_v<T, Blob>) {
            // data() is never null, so an empty blob binds as a zero-length blob, not NULL.
            return sqlite3_bind_blob64(stmt, index, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
          } else {
            return sqlite3_bind_null(stmt, index);
          }
        },
        params[i]);
    if (rc != SQLITE_OK) {
      return InvalidArgumentError("cannot bind parameter " + std::to_string(index) + ": " +
                                  sqlite3_errstr(rc));
    }
  }
  return OkStatus();
}

Value ReadColumn(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, i);
    case SQLITE_BLOB: {
      const void* data = sqlite3_column_blob(stmt, i);
      const int size = sqlite3_column_bytes(stmt, i);
      if (data == nullptr) return Blob{};
      return Blob{std::string(static_cast<const char*>(data), static_cast<size_t>(size))};
    }
    case SQLITE_NULL:
      return std::monostate();
    default: {  // TEXT, and REAL read as its text.
      const unsigned char* data = sqlite3_column_text(stmt, i);
      const int size = sqlite3_column_bytes(stmt, i);
      if (data == nullptr) return std::string();
      return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
    }
  }
}

// The signals of this process's committed transactions: a count per channel that each commit
// with a signal of the channel raises, and the listeners waiting for it.
class SignalHub {
 public:
  void Raise(const std::vector<std::string>& channels) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::string& channel : channels) ++counts_[channel];
    }
    raised_.notify_all();
  }

 private:
  friend class SqliteListener;
  std::mutex mu_;
  std::condition_variable raised_;
  std::unordered_map<std::string, uint64_t> counts_;  // GUARDED_BY(mu_)
};

class SqliteListener final : public Listener {
 public:
  SqliteListener(std::shared_ptr<SignalHub> hub, std::string channel)
      : hub_(std::move(hub)), channel_(std::move(channel)) {
    std::lock_guard<std::mutex> lock(hub_->mu_);
    seen_ = hub_->counts_[channel_];
  }

  bool Wait(Duration timeout) override {
    std::unique_lock<std::mutex> lock(hub_->mu_);
    const bool woken = hub_->raised_.wait_for(
        lock, timeout, [&] { return interrupted_ || hub_->counts_[channel_] != seen_; });
    seen_ = hub_->counts_[channel_];
    interrupted_ = false;
    return woken;
  }

  void Interrupt() override {
    {
      std::lock_guard<std::mutex> lock(hub_->mu_);
      interrupted_ = true;
    }
    hub_->raised_.notify_all();
  }

 private:
  const std::shared_ptr<SignalHub> hub_;
  const std::string channel_;
  uint64_t seen_ = 0;         // GUARDED_BY(hub_->mu_)
  bool interrupted_ = false;  // GUARDED_BY(hub_->mu_)
};

class SqliteTransaction final : public Transaction {
 public:
  // `signals` collects the channels signalled; null in a read-only transaction.
  SqliteTransaction(SqliteConnection& conn, std::vector<std::string>* signals)
      : conn_(conn), signals_(signals) {}

  const FailedStatement& failure() const { return failure_; }

  Status Signal(std::string_view channel) override {
    if (!IsChannelName(channel)) {
      return InvalidArgumentError("not a signal's channel name: " + std::string(channel));
    }
    if (signals_ == nullptr) {
      return FailedPreconditionError("a read-only transaction cannot signal");
    }
    if (std::find(signals_->begin(), signals_->end(), channel) == signals_->end()) {
      signals_->emplace_back(channel);
    }
    return OkStatus();
  }

  // Rows of VALUES to a statement: well under SQLite's 32,766 parameters.
  StatusOr<int64_t> RunInsertMany(std::string_view target,
                                  const std::vector<std::vector<Value>>& rows) override {
    const size_t columns = rows.front().size();
    const size_t per_statement = std::max<size_t>(1, 6000 / std::max<size_t>(1, columns));
    std::string one = "(";
    for (size_t c = 0; c < columns; ++c) one += c == 0 ? "?" : ", ?";
    one += ")";
    int64_t inserted = 0;
    for (size_t begin = 0; begin < rows.size(); begin += per_statement) {
      const size_t end = std::min(rows.size(), begin + per_statement);
      std::string sql = "INSERT INTO " + std::string(target) + " VALUES ";
      std::vector<Value> params;
      params.reserve((end - begin) * columns);
      for (size_t r = begin; r < end; ++r) {
        if (rows[r].size() != columns) {
          return InvalidArgumentError("InsertMany: the rows have different numbers of values");
        }
        sql += r == begin ? "" : ", ";
        sql += one;
        params.insert(params.end(), rows[r].begin(), rows[r].end());
      }
      BW_ASSIGN_OR_RETURN(int64_t n, Run(sql, params, nullptr));
      inserted += n;
    }
    return inserted;
  }

 private:
  // Runs one statement (or, for Execute without parameters, a script). Collects rows into
  // `rows` when it is not null. Returns the rows changed, or read for a read-only statement.
  StatusOr<int64_t> Run(std::string_view sql, const std::vector<Value>& params,
                        ResultSet* rows) override {
    BW_RETURN_IF_ERROR(failure_.CheckUsable());
    sqlite3_stmt* stmt = nullptr;
    bool script = false;
    int rc = conn_.Prepare(sql, &stmt, &script);
    if (rc != SQLITE_OK) return Fail(rc);
    if (script) {
      if (rows != nullptr || !params.empty()) {
        return failure_.Record(
            InvalidArgumentError("several statements in one call; only Execute without "
                                 "parameters runs a script"),
            false);
      }
      int64_t changes = 0;
      bool transient = false;
      Status status = conn_.RunScript(sql, &changes, &transient);
      if (!status.ok()) return failure_.Record(std::move(status), transient);
      return changes;
    }
    StatementReset reset(stmt);
    if (Status bound = Bind(stmt, params); !bound.ok()) {
      return failure_.Record(std::move(bound), false);
    }
    const int columns = sqlite3_column_count(stmt);
    int64_t rows_read = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      ++rows_read;
      if (rows == nullptr) continue;
      std::vector<Value> cells;
      cells.reserve(static_cast<size_t>(columns));
      for (int i = 0; i < columns; ++i) cells.push_back(ReadColumn(stmt, i));
      rows->emplace_back(std::move(cells));
    }
    if (rc != SQLITE_DONE) return Fail(rc);
    if (sqlite3_stmt_readonly(stmt)) return rows_read;
    return sqlite3_changes64(conn_.handle());
  }

  Status Fail(int rc) { return failure_.Record(ErrorStatus(conn_.handle(), rc), IsBusy(rc)); }

  SqliteConnection& conn_;
  std::vector<std::string>* const signals_;
  FailedStatement failure_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, std::unique_ptr<SqliteConnection> writer, int max_readers)
      : writer_(std::move(writer)), readers_(max_readers, [path] {
          return SqliteConnection::Open(path, SqliteConnection::Role::kReader);
        }) {}

  Backend backend() const override { return Backend::kSqlite; }

  Status Transact(TxMode mode, const std::function<Status(Transaction&)>& fn) override {
    std::vector<std::string> signals;  // of the last attempt
    Status status = internal::RunWithRetries([&]() -> AttemptResult {
      signals.clear();
      if (mode != TxMode::kReadOnly) return Write(fn, &signals);
      StatusOr<internal::ConnectionPool<SqliteConnection>::Lease> reader = readers_.Acquire();
      if (!reader.ok()) return {reader.status(), false};
      return Attempt(**reader, "BEGIN", fn);
    });
    if (status.ok() && !signals.empty()) signals_->Raise(signals);
    return status;
  }

  StatusOr<std::unique_ptr<Listener>> Listen(std::string_view channel) override {
    if (!IsChannelName(channel)) {
      return InvalidArgumentError("not a signal's channel name: " + std::string(channel));
    }
    return std::unique_ptr<Listener>(
        std::make_unique<SqliteListener>(signals_, std::string(channel)));
  }

  Status Vacuum(std::string_view table) override {
    if (!internal::IsPlainTableName(table)) {
      return InvalidArgumentError("not a table of the schema: " + std::string(table));
    }
    return OkStatus();
  }

 private:
  static AttemptResult Attempt(SqliteConnection& conn, std::string_view begin,
                               const std::function<Status(Transaction&)>& fn) {
    int rc = conn.Control(begin);
    if (rc != SQLITE_OK) {
      AttemptResult result{ErrorStatus(conn.handle(), rc).WithPrefix("beginning a transaction"),
                           IsBusy(rc)};
      conn.Rollback();
      return result;
    }
    SqliteTransaction tx(conn, nullptr);
    Status status = fn(tx);
    if (status.ok() && tx.failure().failed()) status = tx.failure().first();
    if (!status.ok()) {
      conn.Rollback();
      return {std::move(status), tx.failure().transient()};
    }
    rc = conn.Control("COMMIT");
    if (rc != SQLITE_OK) {
      AttemptResult result{ErrorStatus(conn.handle(), rc).WithPrefix("committing"), IsBusy(rc)};
      conn.Rollback();
      return result;
    }
    return {OkStatus(), false};
  }

  // Group commit. Write transactions that queue for the writer while one runs join one SQLite
  // transaction, each inside its own savepoint, and share its COMMIT: one disk flush for the
  // group instead of one each. A member whose work fails rolls back to its savepoint and
  // returns at once; the others return when the group committed, with the commit's outcome
  // (all retry when it failed transiently). The last member to finish while nobody waits
  // commits, and so does any member once the group is kMaxGroup strong or kMaxGroupTime old.
  struct Group {
    std::condition_variable done_cv;
    bool done = false;  // GUARDED_BY(writer_mu_)
    AttemptResult result{OkStatus(), false};
  };
  static constexpr int kMaxGroup = 256;
  static constexpr std::chrono::milliseconds kMaxGroupTime{5};

  AttemptResult Write(const std::function<Status(Transaction&)>& fn,
                      std::vector<std::string>* signals) {
    waiting_.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock<std::mutex> lock(writer_mu_);
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    if (!group_) {
      const int rc = writer_->Control("BEGIN IMMEDIATE");
      if (rc != SQLITE_OK) {
        AttemptResult result{
            ErrorStatus(writer_->handle(), rc).WithPrefix("beginning a transaction"), IsBusy(rc)};
        writer_->Rollback();
        return result;
      }
      group_ = std::make_shared<Group>();
      group_size_ = 0;
      group_started_ = std::chrono::steady_clock::now();
    }
    std::shared_ptr<Group> group = group_;
    AttemptResult mine{OkStatus(), false};
    if (const int rc = writer_->Control("SAVEPOINT member"); rc != SQLITE_OK) {
      EndGroup(lock,
               {ErrorStatus(writer_->handle(), rc).WithPrefix("beginning a transaction"), true});
      return group->result;
    }
    SqliteTransaction tx(*writer_, signals);
    Status status = fn(tx);
    if (status.ok() && tx.failure().failed()) status = tx.failure().first();
    if (!status.ok()) {
      mine = {std::move(status), tx.failure().transient()};
      // Some errors end the whole SQLite transaction; then the group's work is lost and its
      // members retry.
      if (!writer_->InTransaction() || writer_->Control("ROLLBACK TO member") != SQLITE_OK ||
          writer_->Control("RELEASE member") != SQLITE_OK) {
        EndGroup(lock, {AbortedError("a transaction sharing the commit failed; retrying"), true});
        return mine;
      }
    } else if (const int rc = writer_->Control("RELEASE member"); rc != SQLITE_OK) {
      EndGroup(lock, {ErrorStatus(writer_->handle(), rc).WithPrefix("committing"), true});
      return group->result;
    } else {
      ++group_size_;
    }
    if (waiting_.load(std::memory_order_relaxed) == 0 || group_size_ >= kMaxGroup ||
        std::chrono::steady_clock::now() - group_started_ >= kMaxGroupTime) {
      CommitGroup(lock);
    }
    if (!mine.status.ok()) return mine;
    group->done_cv.wait(lock, [&] { return group->done; });
    return group->result;
  }

  // Commits the open group (rolls it back when no member's work is in it) and wakes its members.
  void CommitGroup(std::unique_lock<std::mutex>& lock) {
    const int rc = group_size_ == 0 ? SQLITE_OK : writer_->Control("COMMIT");
    EndGroup(lock, rc == SQLITE_OK
                       ? AttemptResult{OkStatus(), false}
                       : AttemptResult{ErrorStatus(writer_->handle(), rc).WithPrefix("committing"),
                                       IsBusy(rc)});
  }

  // Ends the open group with `result` (rolling back what is not committed) and wakes its
  // members.
  void EndGroup(std::unique_lock<std::mutex>&, AttemptResult result) {
    writer_->Rollback();
    group_->result = std::move(result);
    group_->done = true;
    group_->done_cv.notify_all();
    group_.reset();
  }

  std::mutex writer_mu_;
  const std::unique_ptr<SqliteConnection> writer_;       // GUARDED_BY(writer_mu_)
  std::shared_ptr<Group> group_;                         // GUARDED_BY(writer_mu_)
  int group_size_ = 0;                                   // GUARDED_BY(writer_mu_)
  std::chrono::steady_clock::time_point group_started_;  // GUARDED_BY(writer_mu_)
  std::atomic<int> waiting_{0};                          // writers queued for writer_mu_
  internal::ConnectionPool<SqliteConnection> readers_;
  const std::shared_ptr<SignalHub> signals_ = std::make_shared<SignalHub>();
};

}  // namespace

StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path, int max_readers) {
  if (path.empty() || path == ":memory:" || path.starts_with("file:")) {
    return InvalidArgumentError(
        "SQLite database URL must name a file (sqlite:PATH); in-memory and URI names are not "
        "supported because the reader connections must share it");
  }
  if (max_readers < 1) return InvalidArgumentError("SQLite needs at least one reader connection");
  BW_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                      SqliteConnection::Open(path, SqliteConnection::Role::kWriter));
  return std::unique_ptr<Database>(
      std::make_unique<SqliteDatabase>(path, std::move(writer), max_readers));
}

}  // namespace bulwark::store
