#include "store/migrations.h"

#include <algorithm>
#include <string>

#include "base/clock.h"

namespace bulwark::store {
namespace {

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// Key of the PostgreSQL advisory lock that serializes creating schema_migrations ("bulwark").
constexpr int64_t kMigrationLockKey = 0x62756c7761726b;

int LatestKnownVersion() {
  int latest = 0;
  for (const Migration& m : Migrations()) latest = std::max(latest, m.version);
  return latest;
}

StatusOr<bool> MigrationsTableExists(Transaction& tx, Backend backend) {
  const std::string_view sql =
      backend == Backend::kSqlite
          ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
          : "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = ?";
  BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(sql, {std::string("schema_migrations")}));
  return !rows.empty() && rows[0].Int(0) > 0;
}

StatusOr<int> ReadVersion(Transaction& tx) {
  BW_ASSIGN_OR_RETURN(ResultSet rows,
                      tx.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return rows.empty() ? 0 : static_cast<int>(rows[0].Int(0));
}

Status CheckNotNewer(int version) {
  const int latest = LatestKnownVersion();
  if (version <= latest) return OkStatus();
  return FailedPreconditionError("the database schema is at version " + std::to_string(version) +
                                 " but this binary knows versions up to " + std::to_string(latest) +
                                 ": the binary is older than the database; run a newer release");
}

}  // namespace

StatusOr<int> SchemaVersion(Database& db) {
  int version = 0;
  const Backend backend = db.backend();
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(bool exists, MigrationsTableExists(tx, backend));
    if (!exists) return OkStatus();
    BW_ASSIGN_OR_RETURN(version, ReadVersion(tx));
    return OkStatus();
  }));
  return version;
}

StatusOr<int> ApplyMigrations(Database& db) {
  const Backend backend = db.backend();
  int version = 0;
  // Creating the table races between first starts; on PostgreSQL an advisory lock orders the
  // racers (on SQLite the write lock already does).
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
                         if (backend == Backend::kPostgres) {
                           BW_RETURN_IF_ERROR(
                               tx.Query("SELECT pg_advisory_xact_lock(?)", {kMigrationLockKey}));
                         }
                         BW_RETURN_IF_ERROR(tx.Execute(kCreateMigrationsTable));
                         BW_ASSIGN_OR_RETURN(version, ReadVersion(tx));
                         return OkStatus();
                       }).WithPrefix("preparing schema_migrations"));
  BW_RETURN_IF_ERROR(CheckNotNewer(version));

  for (const Migration& migration : Migrations()) {
    if (migration.version <= version) continue;
    BW_RETURN_IF_ERROR(
        db.Transact(TxMode::kReadWrite,
                    [&](Transaction& tx) -> Status {
                      if (backend == Backend::kPostgres) {
                        // LOCK TABLE, unlike a SELECT, does not fix the transaction's snapshot, so
                        // a caller that waited here reads the version its predecessor committed.
                        BW_RETURN_IF_ERROR(
                            tx.Execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE"));
                      }
                      BW_ASSIGN_OR_RETURN(int current, ReadVersion(tx));
                      BW_RETURN_IF_ERROR(CheckNotNewer(current));
                      if (current >= migration.version) {  // Another caller applied it meanwhile.
                        version = current;
                        return OkStatus();
                      }
                      BW_RETURN_IF_ERROR(tx.Execute(migration.sql));
                      BW_RETURN_IF_ERROR(tx.Execute(
                          "INSERT INTO schema_migrations (version, description, applied_at) "
                          "VALUES (?, ?, ?)",
                          {int64_t{migration.version}, std::string(migration.description),
                           ToUnixMicros(SystemClock::Get().Now())}));
                      version = migration.version;
                      return OkStatus();
                    })
            .WithPrefix("migration " + std::to_string(migration.version) + " (" +
                        std::string(migration.description) + ")"));
  }
  return version;
}

}  // namespace bulwark::store
