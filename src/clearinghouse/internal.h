// What the clearinghouse's source files share and nothing else uses: multi-row inserts, SQL
// placeholders, hashing.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace bulwark::clearinghouse::internal {

// Rows a multi-row INSERT writes at once: few statements, and well under every backend's limit
// of parameters in one statement.
inline constexpr size_t kRowsPerInsert = 200;

// The hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// "?, ?, ?" for n = 3.
std::string Placeholders(size_t n);

// Inserts `rows` (each of `columns` values) with `prefix` ("INSERT INTO t (a, b) VALUES") and
// `suffix` (" ON CONFLICT ..."), a few hundred rows a statement.
Status InsertRows(store::Transaction& tx, std::string_view prefix, size_t columns,
                  const std::vector<std::vector<store::Value>>& rows, std::string_view suffix = "");

}  // namespace bulwark::clearinghouse::internal
