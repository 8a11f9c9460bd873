#include "testing/test_database.h"

#include "store/migrations.h"
#include "testing/postgres_cluster.h"

namespace bulwark::testing {

StatusOr<std::unique_ptr<store::Database>> OpenTestDatabase(store::Backend backend,
                                                            const TempDir& dir) {
  std::string url = "sqlite:" + dir.path() + "/test.db";
  if (backend == store::Backend::kPostgres) {
    BW_ASSIGN_OR_RETURN(PostgresCluster * cluster, PostgresCluster::Shared());
    BW_ASSIGN_OR_RETURN(url, cluster->CreateDatabase());
  }
  BW_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::OpenDatabase(url));
  BW_RETURN_IF_ERROR(store::ApplyMigrations(*db).status());
  return db;
}

std::string BackendName(store::Backend backend) {
  return backend == store::Backend::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace bulwark::testing
