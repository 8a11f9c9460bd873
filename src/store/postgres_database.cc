#include "store/postgres_database.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <functional>
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

// Type OIDs from PostgreSQL's pg_type catalog (fixed since forever).
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;

// Distinct SQL texts prepared per connection; past this the connection starts over.
constexpr size_t kMaxCachedStatements = 512;

constexpr const char* kBeginReadWrite = "BEGIN ISOLATION LEVEL SERIALIZABLE";
constexpr const char* kBeginReadOnly = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
constexpr const char* kBeginQueue = "BEGIN ISOLATION LEVEL READ COMMITTED";

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// libpq messages end with a newline.
std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool Succeeded(const PGresult* result) {
  if (result == nullptr) return false;
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

struct PgError {
  Status status;
  bool transient = false;
};

// Classifies the failure of a command whose result is `result` (null when libpq had none).
PgError ErrorFrom(PGconn* conn, const PGresult* result) {
  if (result == nullptr || PQstatus(conn) == CONNECTION_BAD) {
    return {UnavailableError("lost the connection to PostgreSQL: " + Trimmed(PQerrorMessage(conn))),
            false};
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state != nullptr ? state : "";
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string message = primary != nullptr ? primary : Trimmed(PQresultErrorMessage(result));
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return {AbortedError("transaction conflict: " + message), true};
  }
  if (sqlstate == "23505") return {AlreadyExistsError(message)};
  if (sqlstate == "23503" || sqlstate == "23514" || sqlstate == "23502") {
    return {FailedPreconditionError(message)};
  }
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return {UnavailableError("PostgreSQL unavailable: " + message)};
  }
  if (sqlstate.empty()) return {InternalError("postgres: " + message)};
  return {InternalError("postgres: " + message + " (SQLSTATE " + sqlstate + ")")};
}

int64_t ParseInt64(const char* text, int length) {
  int64_t value = 0;
  std::from_chars(text, text + length, value);
  return value;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes BYTEA in its hex output form ("\x0a1b..."). Text in any other form is returned
// unchanged (the connection asks for hex, so this does not happen in practice).
Blob DecodeBytea(const char* text, int length) {
  const std::string_view in(text, static_cast<size_t>(length));
  if (in.size() < 2 || in[0] != '\\' || in[1] != 'x' || in.size() % 2 != 0) {
    return Blob{std::string(in)};
  }
  Blob out;
  out.bytes.reserve((in.size() - 2) / 2);
  for (size_t i = 2; i < in.size(); i += 2) {
    const int high = HexDigit(in[i]);
    const int low = HexDigit(in[i + 1]);
    if (high < 0 || low < 0) return Blob{std::string(in)};
    out.bytes.push_back(static_cast<char>(high << 4 | low));
  }
  return out;
}

void ReadRows(const PGresult* result, ResultSet* rows) {
  const int row_count = PQntuples(result);
  const int columns = PQnfields(result);
  std::vector<Oid> types(static_cast<size_t>(columns));
  for (int c = 0; c < columns; ++c) types[c] = PQftype(result, c);
  rows->reserve(rows->size() + static_cast<size_t>(row_count));
  for (int r = 0; r < row_count; ++r) {
    std::vector<Value> cells;
    cells.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result, r, c)) {
        cells.emplace_back(std::monostate());
        continue;
      }
      const char* text = PQgetvalue(result, r, c);
      const int length = PQgetlength(result, r, c);
      switch (types[c]) {
        case kInt8Oid:
        case kInt4Oid:
        case kInt2Oid:
          cells.emplace_back(ParseInt64(text, length));
          break;
        case kByteaOid:
          cells.emplace_back(DecodeBytea(text, length));
          break;
        default:
          cells.emplace_back(std::string(text, static_cast<size_t>(length)));
      }
    }
    rows->emplace_back(std::move(cells));
  }
}

// The rows a command changed (or returned), from its command tag.
int64_t AffectedRows(const PGresult* result) {
  const char* count = PQcmdTuples(const_cast<PGresult*>(result));
  if (count == nullptr || *count == '\0') return 0;
  return ParseInt64(count, static_cast<int>(std::char_traits<char>::length(count)));
}

// One libpq connection and the statements prepared on it.
class PgConnection {
 public:
  struct Prepared {
    std::string name;
    int param_count;
  };

  // Takes ownership of `conn`, which may be a failed connection.
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() { PQfinish(conn_); }

  static StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& url) {
    auto conn = std::make_unique<PgConnection>(PQconnectdb(url.c_str()));
    if (conn->conn_ == nullptr) return UnavailableError("cannot allocate a PostgreSQL connection");
    if (PQstatus(conn->conn_) != CONNECTION_OK) {
      return UnavailableError("cannot connect to PostgreSQL: " +
                              Trimmed(PQerrorMessage(conn->conn_)));
    }
    // Notices (such as "relation already exists, skipping") would go to stderr otherwise.
    PQsetNoticeProcessor(
        conn->conn_, [](void*, const char*) {}, nullptr);
    PgResult set(PQexec(conn->conn_, "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'"));
    if (!Succeeded(set.get())) return ErrorFrom(conn->conn_, set.get()).status;
    return conn;
  }

  PGconn* handle() const { return conn_; }
  bool Lost() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Connected, and not inside a transaction.
  bool Idle() const { return !Lost() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

  const Prepared* Find(std::string_view sql) const {
    auto it = statements_.find(sql);
    return it == statements_.end() ? nullptr : &it->second;
  }

  // Prepares `sql` (one statement, `?` placeholders) on the server and caches it.
  StatusOr<const Prepared*> Prepare(std::string_view sql, PgError* error) {
    if (statements_.size() >= kMaxCachedStatements) {
      PgResult dropped(PQexec(conn_, "DEALLOCATE ALL"));
      if (!Succeeded(dropped.get())) {
        *error = ErrorFrom(conn_, dropped.get());
        return error->status;
      }
      statements_.clear();
    }
    const internal::PlaceholderSql rewritten = internal::RewritePlaceholders(sql);
    std::string name = "bw" + std::to_string(next_statement_id_++);
    PgResult result(PQprepare(conn_, name.c_str(), rewritten.text.c_str(), 0, nullptr));
    if (!Succeeded(result.get())) {
      *error = ErrorFrom(conn_, result.get());
      return error->status;
    }
    auto entry = statements_.emplace(std::string(sql), Prepared{std::move(name), rewritten.count});
    return &entry.first->second;
  }

 private:
  PGconn* const conn_;
  std::unordered_map<std::string, Prepared, internal::SqlTextHash, std::equal_to<>> statements_;
  int64_t next_statement_id_ = 0;
};

using PgLease = internal::ConnectionPool<PgConnection>::Lease;

class PgTransaction final : public Transaction {
 public:
  PgTransaction(PgConnection& conn, bool read_only) : conn_(conn), read_only_(read_only) {}

  const FailedStatement& failure() const { return failure_; }

  // NOTIFY, which PostgreSQL delivers at the commit (and refuses in a read-only transaction).
  Status Signal(std::string_view channel) override {
    if (!IsChannelName(channel)) {
      return InvalidArgumentError("not a signal's channel name: " + std::string(channel));
    }
    if (read_only_) return FailedPreconditionError("a read-only transaction cannot signal");
    if (std::find(signalled_.begin(), signalled_.end(), channel) != signalled_.end()) {
      return OkStatus();
    }
    BW_RETURN_IF_ERROR(Run("SELECT pg_notify(?, '')", {std::string(channel)}, nullptr).status());
    signalled_.emplace_back(channel);
    return OkStatus();
  }

  // COPY ... FROM STDIN in its text format: a line a row, tab-separated, \\N for NULL.
  StatusOr<int64_t> RunInsertMany(std::string_view target,
                                  const std::vector<std::vector<Value>>& rows) override {
    BW_RETURN_IF_ERROR(failure_.CheckUsable());
    const size_t columns = rows.front().size();
    // The rows are checked before the COPY starts, so that a bad one leaves the transaction as
    // it was.
    for (const std::vector<Value>& row : rows) {
      if (row.size() != columns) {
        return failure_.Record(
            InvalidArgumentError("InsertMany: the rows have different numbers of values"), false);
      }
      for (const Value& v : row) {
        const auto* text = std::get_if<std::string>(&v);
        if (text != nullptr && std::memchr(text->data(), '\0', text->size()) != nullptr) {
          return failure_.Record(
              InvalidArgumentError("a text value contains a NUL byte; bind bytes as a Blob"),
              false);
        }
      }
    }
    PGconn* conn = conn_.handle();
    const std::string sql = "COPY " + std::string(target) + " FROM STDIN";
    PgResult started(PQexec(conn, sql.c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
      PgError error = ErrorFrom(conn, started.get());
      return failure_.Record(error.status, error.transient);
    }
    // The rows go in COPY's text format, a chunk at a time: the server reads one while the next
    // is written.
    constexpr size_t kChunk = 256 << 10;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string data;
    data.reserve(kChunk + (64 << 10));
    bool sent = true;
    auto send = [&] {
      if (sent && !data.empty()) {
        sent = PQputCopyData(conn, data.data(), static_cast<int>(data.size())) == 1;
      }
      data.clear();
    };
    for (const std::vector<Value>& row : rows) {
      for (size_t c = 0; c < columns; ++c) {
        if (c > 0) data += '\t';
        const Value& v = row[c];
        if (const auto* integer = std::get_if<int64_t>(&v)) {
          data += std::to_string(*integer);
        } else if (const auto* text = std::get_if<std::string>(&v)) {
          size_t plain = 0;  // where the run of characters that need no escape began
          for (size_t i = 0; i < text->size(); ++i) {
            std::string_view escaped;
            switch ((*text)[i]) {
              case '\\':
                escaped = "\\\\";
                break;
              case '\t':
                escaped = "\\t";
                break;
              case '\n':
                escaped = "\\n";
                break;
              case '\r':
                escaped = "\\r";
                break;
              default:
                continue;
            }
            data.append(*text, plain, i - plain).append(escaped);
            plain = i + 1;
          }
          data.append(*text, plain);
        } else if (const auto* blob = std::get_if<Blob>(&v)) {
          data += "\\\\x";  // bytea's hex input, its backslash escaped for COPY
          for (unsigned char b : blob->bytes) {
            data += kHex[b >> 4];
            data += kHex[b & 15];
          }
        } else {
          data += "\\N";
        }
      }
      data += '\n';
      if (data.size() >= kChunk) send();
    }
    send();
    if (PQputCopyEnd(conn, sent ? nullptr : "the client stopped sending") != 1) sent = false;
    int64_t inserted = 0;
    PgError first;
    while (PGresult* raw = PQgetResult(conn)) {
      PgResult result(raw);
      if (Succeeded(result.get())) {
        inserted += AffectedRows(result.get());
      } else if (first.status.ok()) {
        first = ErrorFrom(conn, result.get());
      }
    }
    if (first.status.ok() && (!sent || conn_.Lost())) first = ErrorFrom(conn, nullptr);
    if (!first.status.ok()) return failure_.Record(first.status, first.transient);
    return inserted;
  }

 private:
  StatusOr<int64_t> Run(std::string_view sql, const std::vector<Value>& params,
                        ResultSet* rows) override {
    BW_RETURN_IF_ERROR(failure_.CheckUsable());
    const PgConnection::Prepared* prepared = conn_.Find(sql);
    if (prepared == nullptr) {
      if (internal::HasMultipleStatements(sql)) {
        if (rows != nullptr || !params.empty()) {
          return failure_.Record(
              InvalidArgumentError("several statements in one call; only Execute without "
                                   "parameters runs a script"),
              false);
        }
        return RunScript(sql);
      }
      PgError error;
      StatusOr<const PgConnection::Prepared*> made = conn_.Prepare(sql, &error);
      if (!made.ok()) return failure_.Record(error.status, error.transient);
      prepared = *made;
    }
    if (prepared->param_count != static_cast<int>(params.size())) {
      return failure_.Record(
          InvalidArgumentError("statement has " + std::to_string(prepared->param_count) +
                               " placeholders but " + std::to_string(params.size()) +
                               " parameters were given"),
          false);
    }

    const size_t n = params.size();
    std::vector<std::string> integers(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const Value& param = params[i];
      if (const auto* integer = std::get_if<int64_t>(&param)) {
        integers[i] = std::to_string(*integer);
        values[i] = integers[i].c_str();
      } else if (const auto* text = std::get_if<std::string>(&param)) {
        // Text parameters travel as C strings; PostgreSQL text cannot hold NUL anyway.
        if (text->find('\0') != std::string::npos) {
          return failure_.Record(InvalidArgumentError("text parameter " + std::to_string(i + 1) +
                                                      " contains a NUL byte; bind bytes as a Blob"),
                                 false);
        }
        values[i] = text->c_str();
      } else if (const auto* blob = std::get_if<Blob>(&param)) {
        values[i] = blob->bytes.data();
        lengths[i] = static_cast<int>(blob->bytes.size());
        formats[i] = 1;
      }
    }
    PgResult result(PQexecPrepared(conn_.handle(), prepared->name.c_str(), static_cast<int>(n),
                                   values.data(), lengths.data(), formats.data(), 0));
    if (!Succeeded(result.get())) {
      PgError error = ErrorFrom(conn_.handle(), result.get());
      return failure_.Record(error.status, error.transient);
    }
    if (rows != nullptr) ReadRows(result.get(), rows);
    return AffectedRows(result.get());
  }

  // Sends a parameterless multi-statement script in one simple-protocol message; the server
  // runs its statements in order inside the open transaction and stops at the first error.
  StatusOr<int64_t> RunScript(std::string_view sql) {
    PGconn* conn = conn_.handle();
    if (PQsendQuery(conn, std::string(sql).c_str()) == 0) {
      PgError error = ErrorFrom(conn, nullptr);
      return failure_.Record(error.status, error.transient);
    }
    int64_t changed = 0;
    PgError first;
    while (PGresult* raw = PQgetResult(conn)) {
      PgResult result(raw);
      if (Succeeded(result.get())) {
        changed += AffectedRows(result.get());
      } else if (first.status.ok()) {
        first = ErrorFrom(conn, result.get());
      }
    }
    if (first.status.ok() && conn_.Lost()) first = ErrorFrom(conn, nullptr);
    if (!first.status.ok()) return failure_.Record(first.status, first.transient);
    return changed;
  }

  PgConnection& conn_;
  const bool read_only_;
  std::vector<std::string> signalled_;  // channels, once each
  FailedStatement failure_;
};

// LISTEN on a connection of its own, which Wait polls together with a pipe that Interrupt
// writes to. A lost connection is opened again at the next Wait, which then returns true: a
// signal may have been missed meanwhile.
class PgListener final : public Listener {
 public:
  PgListener(std::string url, std::string channel)
      : url_(std::move(url)), channel_(std::move(channel)) {}
  ~PgListener() override {
    if (conn_ != nullptr) PQfinish(conn_);
    if (pipe_[0] >= 0) close(pipe_[0]);
    if (pipe_[1] >= 0) close(pipe_[1]);
  }

  Status Open() {
    if (pipe2(pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
      return UnavailableError("cannot make a pipe for a listener: " +
                              std::string(std::strerror(errno)));
    }
    return Connect();
  }

  bool Wait(Duration timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    if (conn_ == nullptr) {
      if (Connect().ok()) return true;
      PollUntil(deadline, -1);  // a pause before the next try, unless interrupted
      return DrainPipe();
    }
    if (TakeNotifications()) return true;
    while (true) {
      const int socket = PQsocket(conn_);
      if (!PollUntil(deadline, socket)) return false;
      if (DrainPipe()) return true;
      if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
        PQfinish(conn_);
        conn_ = nullptr;
        return true;
      }
      if (TakeNotifications()) return true;
    }
  }

  void Interrupt() override {
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = write(pipe_[1], &byte, 1);
  }

 private:
  Status Connect() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = PQconnectdb(url_.c_str());
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      Status error = UnavailableError(
          "cannot connect to PostgreSQL to listen: " +
          (conn_ == nullptr ? std::string("out of memory") : Trimmed(PQerrorMessage(conn_))));
      if (conn_ != nullptr) PQfinish(conn_);
      conn_ = nullptr;
      return error;
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    PgResult listened(PQexec(conn_, ("LISTEN " + channel_).c_str()));
    if (!Succeeded(listened.get())) {
      Status error = ErrorFrom(conn_, listened.get()).status.WithPrefix("LISTEN");
      PQfinish(conn_);
      conn_ = nullptr;
      return error;
    }
    return OkStatus();
  }

  // Consumes the notifications received; true when there was one.
  bool TakeNotifications() {
    bool any = false;
    while (PGnotify* notification = PQnotifies(conn_)) {
      any = true;
      PQfreemem(notification);
    }
    return any;
  }

  // Waits until the pipe (or `socket`, when not -1) is readable or `deadline` passes; false
  // when it passed.
  bool PollUntil(std::chrono::steady_clock::time_point deadline, int socket) {
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fds[2] = {{.fd = pipe_[0], .events = POLLIN, .revents = 0},
                       {.fd = socket, .events = POLLIN, .revents = 0}};
      const int ready = poll(fds, socket >= 0 ? 2 : 1, static_cast<int>(left.count()) + 1);
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  // Empties the pipe; true when Interrupt had written to it.
  bool DrainPipe() {
    char bytes[64];
    bool any = false;
    while (read(pipe_[0], bytes, sizeof bytes) > 0) any = true;
    return any;
  }

  const std::string url_;
  const std::string channel_;
  PGconn* conn_ = nullptr;
  int pipe_[2] = {-1, -1};
};

class PgDatabase final : public Database {
 public:
  PgDatabase(const std::string& url, int pool_size, std::unique_ptr<PgConnection> first)
      : url_(url), pool_(pool_size, [url] { return PgConnection::Connect(url); }) {
    pool_.AddIdle(std::move(first));
  }

  Backend backend() const override { return Backend::kPostgres; }

  Status Transact(TxMode mode, const std::function<Status(Transaction&)>& fn) override {
    const char* begin = mode == TxMode::kReadWrite ? kBeginReadWrite
                        : mode == TxMode::kQueue   ? kBeginQueue
                                                   : kBeginReadOnly;
    return internal::RunWithRetries([&]() -> AttemptResult {
      StatusOr<PgLease> lease = pool_.Acquire();
      if (!lease.ok()) return {lease.status(), false};
      return Attempt(*lease, begin, fn);
    });
  }

  StatusOr<std::unique_ptr<Listener>> Listen(std::string_view channel) override {
    if (!IsChannelName(channel)) {
      return InvalidArgumentError("not a signal's channel name: " + std::string(channel));
    }
    auto listener = std::make_unique<PgListener>(url_, std::string(channel));
    BW_RETURN_IF_ERROR(listener->Open());
    return std::unique_ptr<Listener>(std::move(listener));
  }

  Status Vacuum(std::string_view table) override {
    if (!internal::IsPlainTableName(table)) {
      return InvalidArgumentError("not a table of the schema: " + std::string(table));
    }
    BW_ASSIGN_OR_RETURN(PgLease lease, pool_.Acquire());
    PGconn* pg = lease->handle();
    if (!lease->Idle()) {
      lease.MarkBroken();
      return UnavailableError("a pooled PostgreSQL connection was unusable");
    }
    PgResult result(PQexec(pg, ("VACUUM (SKIP_LOCKED) " + std::string(table)).c_str()));
    if (!Succeeded(result.get())) {
      PgError error = ErrorFrom(pg, result.get());
      if (!lease->Idle()) lease.MarkBroken();
      return error.status.WithPrefix("vacuuming " + std::string(table));
    }
    return OkStatus();
  }

 private:
  static AttemptResult Attempt(PgLease& lease, const char* begin,
                               const std::function<Status(Transaction&)>& fn) {
    PgConnection& conn = *lease;
    PGconn* pg = conn.handle();
    if (!conn.Idle()) {
      lease.MarkBroken();
      return {UnavailableError("a pooled PostgreSQL connection was unusable"), true};
    }
    PgResult started(PQexec(pg, begin));
    if (!Succeeded(started.get())) {
      PgError error = ErrorFrom(pg, started.get());
      lease.MarkBroken();
      // Nothing ran yet: a connection that died while idle in the pool (a server restart)
      // is replaced and the transaction tried again.
      return {error.status.WithPrefix("beginning a transaction"), conn.Lost() || error.transient};
    }

    PgTransaction tx(conn, begin == kBeginReadOnly);
    Status status = fn(tx);
    if (status.ok() && tx.failure().failed()) status = tx.failure().first();
    if (conn.Lost()) {
      lease.MarkBroken();
      if (status.ok()) status = ErrorFrom(pg, nullptr).status;
      return {status, false};
    }
    if (!status.ok()) {
      PgResult rolled_back(PQexec(pg, "ROLLBACK"));
      if (!conn.Idle()) lease.MarkBroken();
      return {status, tx.failure().transient()};
    }

    PgResult committed(PQexec(pg, "COMMIT"));
    if (!Succeeded(committed.get())) {
      PgError error = ErrorFrom(pg, committed.get());
      if (conn.Lost()) {
        lease.MarkBroken();
        return {UnavailableError("lost the connection to PostgreSQL while committing; the "
                                 "transaction may or may not have committed"),
                false};
      }
      if (!conn.Idle()) lease.MarkBroken();
      return {error.status.WithPrefix("committing"), error.transient};
    }
    if (std::string_view(PQcmdStatus(committed.get())) == "ROLLBACK") {
      return {AbortedError("PostgreSQL rolled the transaction back instead of committing"), false};
    }
    return {OkStatus(), false};
  }

  const std::string url_;
  internal::ConnectionPool<PgConnection> pool_;
};

}  // namespace

StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url, int pool_size) {
  if (pool_size < 1) return InvalidArgumentError("PostgreSQL pool size must be at least 1");
  BW_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> first, PgConnection::Connect(url));
  return std::unique_ptr<Database>(std::make_unique<PgDatabase>(url, pool_size, std::move(first)));
}

}  // namespace bulwark::store
