// OpenTestDatabase: a fresh, migrated database for one test, on either backend.
//
// SQLite lives in the test's TempDir; PostgreSQL gets a new database in the shared throwaway
// cluster (postgres_cluster.h). A test skips first when PostgreSQL is not installed:
//
//   if (GetParam() == store::Backend::kPostgres && !PostgresAvailable())
//     GTEST_SKIP() << PostgresUnavailableReason();
//   auto db = OpenTestDatabase(GetParam(), dir_);
//   ASSERT_TRUE(db.ok()) << db.status().ToString();
#pragma once

#include <memory>
#include <string>

#include "store/database.h"
#include "testing/temp_dir.h"

namespace bulwark::testing {

StatusOr<std::unique_ptr<store::Database>> OpenTestDatabase(store::Backend backend,
                                                            const TempDir& dir);

// "Sqlite" or "Postgres", for parameterized test names.
std::string BackendName(store::Backend backend);

}  // namespace bulwark::testing
