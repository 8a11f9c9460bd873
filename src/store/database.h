// Database: the one storage interface of Bulwark, with an SQLite and a PostgreSQL backend.
//
// Every module that persists anything talks to a Database through transactions. SQL is
// written once, in the common dialect both backends accept (TEXT, BIGINT, BYTEA for bytes,
// `INSERT ... ON CONFLICT`, `RETURNING`), with `?` placeholders; the PostgreSQL backend
// rewrites them to `$1, $2, ...`. Parameters are always bound, never spliced into SQL text.
//
// SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on;
// writes are serialized inside the process so that one writer never fails another, and
// commits are durable (synchronous=FULL). PostgreSQL is reached through a pool of libpq
// connections with per-connection prepared statements; read-write transactions are
// SERIALIZABLE.
//
// Transact() retries the whole function when the backend reports a serialization failure,
// a deadlock or a busy database, so the function must not have effects outside the
// transaction that cannot be repeated. The function must not call Transact() on the same
// Database (that would wait for a connection or the write lock it already holds).
//
// A failed statement fails its transaction, on both backends (PostgreSQL aborts the
// transaction; SQLite is made to behave the same): later statements in it return kInternal,
// and Transact() returns the first failure even if the function ignored it. To tolerate a
// duplicate, write `INSERT ... ON CONFLICT` rather than catching kAlreadyExists.
//
// Execute() with no parameters also accepts a script: several statements separated by `;`
// (this is how migrations run). The statements run in order inside the transaction, and the
// first failure stops the script.
//
// Thread-safety: a Database is safe to use from any number of threads; a Transaction belongs
// to the one thread running the function it was passed to.
//
// Example:
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase("sqlite:var/bulwark.db"));
//   BW_RETURN_IF_ERROR(ApplyMigrations(*db));
//   Status s = db->Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
//     BW_ASSIGN_OR_RETURN(ResultSet rows,
//                         tx.Query("SELECT name FROM organizations WHERE id = ?", {id}));
//     if (rows.empty()) return NotFoundError("no organization " + id);
//     return tx.Execute("UPDATE organizations SET name = ? WHERE id = ?", {name, id}).status();
//   });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark::store {

// Bytes, bound as a BLOB (SQLite) or BYTEA (PostgreSQL).
struct Blob {
  std::string bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};

// A bound parameter or a result cell. std::monostate is SQL NULL.
using Value = std::variant<std::monostate, int64_t, std::string, Blob>;

// One row of a result. Accessors convert leniently between the backends' representations
// (PostgreSQL returns text); asking for a column that does not exist is a programming error.
class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool IsNull(size_t i) const;
  int64_t Int(size_t i) const;        // NULL reads as 0.
  std::string Text(size_t i) const;   // NULL reads as "".
  std::string Bytes(size_t i) const;  // BLOB/BYTEA content; NULL reads as "".
  // NULL reads as nullopt; times are stored as microseconds since the epoch.
  std::optional<Time> OptionalTime(size_t i) const;
  std::optional<std::string> OptionalText(size_t i) const;
  const Value& cell(size_t i) const { return cells_.at(i); }

 private:
  std::vector<Value> cells_;
};

using ResultSet = std::vector<Row>;

// A time as a parameter: microseconds since the epoch, or NULL for none.
Value TimeOrNull(const std::optional<Time>& t);

enum class Backend { kSqlite, kPostgres };

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs one statement that returns rows. The number of `?` placeholders must match
  // `params` (kInvalidArgument otherwise).
  StatusOr<ResultSet> Query(std::string_view sql, const std::vector<Value>& params = {}) {
    ResultSet rows;
    BW_RETURN_IF_ERROR(Run(sql, params, &rows));
    return rows;
  }
  // Runs a statement and returns the number of rows it changed. With no `params`, `sql` may
  // be a script of several `;`-separated statements (see above); the count is then the total
  // over the script.
  StatusOr<int64_t> Execute(std::string_view sql, const std::vector<Value>& params = {}) {
    return Run(sql, params, nullptr);
  }
  // Inserts many `rows` into `target` ("t (a, b, c)", the columns in the order of each row's
  // values) as fast as the backend takes them: COPY on PostgreSQL, INSERTs of a few hundred rows
  // of VALUES on SQLite. No conflict clause: a duplicate key fails, as an INSERT's would. Returns
  // the rows inserted.
  StatusOr<int64_t> InsertMany(std::string_view target,
                               const std::vector<std::vector<Value>>& rows) {
    if (rows.empty()) return 0;
    return RunInsertMany(target, rows);
  }
  // Wakes the listeners of `channel` (Database::Listen) once this transaction commits; nothing
  // when it rolls back. Several signals of one channel in a transaction wake them once.
  // `channel` is a name of lower-case letters, digits and '_' (InvalidArgument otherwise).
  virtual Status Signal(std::string_view channel) = 0;

 protected:
  // What each backend implements: runs `sql` (a script only when `rows` is null and there are
  // no `params`), collects result rows into `rows` when it is not null, and returns the rows
  // changed.
  virtual StatusOr<int64_t> Run(std::string_view sql, const std::vector<Value>& params,
                                ResultSet* rows) = 0;
  // InsertMany's work; `rows` is not empty.
  virtual StatusOr<int64_t> RunInsertMany(std::string_view target,
                                          const std::vector<std::vector<Value>>& rows) = 0;
};

// kReadWrite is SERIALIZABLE on PostgreSQL. kQueue is read-write at READ COMMITTED there, for
// transactions whose row locks give them the isolation they need, so that many writers of one
// row wait for one another instead of failing and being tried again: the job queue (`FOR UPDATE
// SKIP LOCKED`, conditional updates), and the recording of an evaluation's samples (each takes
// its evaluation's row before reading what the others recorded); on SQLite, whose one writer
// serializes everything, it is kReadWrite.
enum class TxMode { kReadOnly, kReadWrite, kQueue };

// Waits for the signals of one channel (Transaction::Signal). On PostgreSQL a signal reaches the
// listeners of every process on the database (LISTEN/NOTIFY, on a connection of the listener's
// own); on SQLite, those of this process only, so a process that must hear another still polls.
//
// Thread-safety: Wait from one thread at a time; Interrupt from any thread.
class Listener {
 public:
  virtual ~Listener() = default;
  // Returns true when a signal arrived since the last Wait, or when Interrupt was called; false
  // when `timeout` passed first. May return true with no signal (after the listener reconnected,
  // when one may have been missed): a listener treats a wake as "look again".
  virtual bool Wait(Duration timeout) = 0;
  // Ends the Wait under way, or the next one, at once.
  virtual void Interrupt() = 0;
};

// Whether `channel` may name a signal's channel: 1 to 63 of a-z, 0-9 and '_'.
bool IsChannelName(std::string_view channel);

class Database {
 public:
  virtual ~Database() = default;
  virtual Backend backend() const = 0;

  // Runs `fn` in a transaction; commits when it returns OK, rolls back otherwise and returns
  // its status. Retries `fn` on transient conflicts, up to a bounded number of attempts.
  // Errors from statements map to: unique violation -> kAlreadyExists, foreign-key or check
  // violation -> kFailedPrecondition, conflicts after the last retry -> kAborted, a lost
  // connection -> kUnavailable, anything else -> kInternal.
  virtual Status Transact(TxMode mode, const std::function<Status(Transaction&)>& fn) = 0;

  // Reclaims the row versions that updates and deletes left in `table` (a name from the schema)
  // and the index entries that point at them, which PostgreSQL keeps until a VACUUM and scans
  // walk over until then: runs VACUUM outside any transaction, or returns at once when another
  // VACUUM holds the table (it does the same work). SQLite frees them as it goes: nothing to do.
  virtual Status Vacuum(std::string_view table) = 0;

  // Listens for the signals of `channel` from now on. Unavailable when PostgreSQL cannot be
  // reached for the listener's connection.
  virtual StatusOr<std::unique_ptr<Listener>> Listen(std::string_view channel) = 0;
};

// Opens a database from a URL:
//   sqlite:PATH                    (the file is created if missing; its folder must exist)
//   postgresql://user@host:port/db (any libpq connection URI; also "postgres://")
// `pool_size` bounds PostgreSQL connections.
StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& url, int pool_size = 8);

}  // namespace bulwark::store
