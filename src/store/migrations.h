// Schema migrations: the ordered list of schema changes, and applying them.
//
// Each migration has a version (1, 2, 3, ...), a one-line description and SQL in the common
// dialect. The table `schema_migrations(version, description, applied_at)` records which ran.
// ApplyMigrations runs the missing ones in order, each in its own transaction together with
// its row in schema_migrations, so a crash leaves the schema at a whole version. Applying is
// idempotent and safe to call at every start; concurrent callers serialize.
//
// The schema belongs to the whole product: each module's tables are added here as new
// migrations; a migration that has shipped is never edited.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace bulwark::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;  // One or more statements separated by ";".
};

// The product's migrations, in order.
const std::vector<Migration>& Migrations();

// Applies every migration not yet applied; returns the schema version reached.
StatusOr<int> ApplyMigrations(Database& db);

// The highest applied version, 0 on an empty database.
StatusOr<int> SchemaVersion(Database& db);

}  // namespace bulwark::store
