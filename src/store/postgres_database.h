// The PostgreSQL backend of Database, through libpq.
//
// A pool of up to `pool_size` connections, opened as needed (the first one when the database
// is opened, so that a wrong URL fails at once). Statements are prepared once per connection
// and cached by SQL text; `?` placeholders are rewritten to `$1..$n` and every parameter is
// bound (blobs in binary, everything else as text). Result cells come back as int64_t for
// integer columns, Blob for BYTEA and text otherwise.
//
// Read-write transactions are SERIALIZABLE; read-only ones are REPEATABLE READ READ ONLY, one
// consistent snapshot for the whole function, which like SQLite's WAL readers never fails
// with a serialization error. Serialization failures (40001) and deadlocks (40P01) retry the
// whole function. A lost connection is closed and replaced; if it was lost before the
// function ran the transaction is retried, otherwise Transact returns kUnavailable.
//
// Thread-safety: as for Database, safe from any thread.
//
// Example:
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
//                       OpenPostgresDatabase("postgresql://bulwark@db:5432/bulwark", 16));
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "store/database.h"

namespace bulwark::store {

// Connects to the server at `url` (any libpq connection URI). Most callers use OpenDatabase.
// REQUIRES: pool_size >= 1
StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& url, int pool_size);

}  // namespace bulwark::store
