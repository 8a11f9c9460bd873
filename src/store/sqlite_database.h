// The SQLite backend of Database: an embedded database in one file.
//
// The file runs in WAL mode with synchronous=FULL (an acknowledged commit survives a crash
// of the process or the machine), foreign keys on, and a busy timeout so that another process
// writing the same file makes this one wait rather than fail. Inside the process, read-write
// transactions take one writer connection under a mutex (`BEGIN IMMEDIATE`), so writers queue
// instead of failing each other. Writers that queue while one runs share its commit (group
// commit): each runs in its own savepoint of one SQLite transaction, a failed one rolls back
// to its savepoint alone, and the others return once the shared COMMIT (one disk flush) is
// done, so an acknowledged write is as durable as before. Read-only transactions run on a pool
// of query-only reader
// connections, concurrently with each other and with the writer. A transaction that still
// meets SQLITE_BUSY or SQLITE_LOCKED is retried whole. Each connection caches its prepared
// statements by SQL text.
//
// Thread-safety: as for Database, safe from any thread.
//
// Example:
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenSqliteDatabase("var/bulwark.db", 4));
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "store/database.h"

namespace bulwark::store {

// Opens (creating if missing) the database file at `path`, whose folder must exist.
// `max_readers` bounds the reader connections. Most callers use OpenDatabase("sqlite:PATH").
// REQUIRES: max_readers >= 1
StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path, int max_readers);

}  // namespace bulwark::store
