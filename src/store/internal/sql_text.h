// SQL text helpers shared by the store backends.
//
// Statements are written in the common dialect with `?` placeholders. These helpers scan that
// text the way both SQLite and PostgreSQL tokenize it, far enough to tell code from
// single-quoted string literals, double-quoted identifiers, `-- line` comments and
// `/* block */` comments: a `?` or `;` inside any of those is not a placeholder or a statement
// separator. PostgreSQL's E'...' escape strings and dollar quoting are not part of the common
// dialect and are not recognized.
//
// Thread-safety: pure functions.
//
// Example:
//   PlaceholderSql pg = RewritePlaceholders("SELECT '?', id FROM t WHERE a = ? AND b = ?");
//   // pg.text == "SELECT '?', id FROM t WHERE a = $1 AND b = $2", pg.count == 2
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace bulwark::store::internal {

struct PlaceholderSql {
  std::string text;  // The SQL with each placeholder `?` replaced by `$1`, `$2`, ...
  int count = 0;     // How many placeholders there were.
};

// Rewrites `?` placeholders to PostgreSQL's numbered form.
PlaceholderSql RewritePlaceholders(std::string_view sql);

// True when `sql` holds more than one statement, that is, code follows a `;` separator.
// A trailing `;` or a trailing comment does not count.
bool HasMultipleStatements(std::string_view sql);

// True when `name` can stand unquoted in a statement as a table of the schema: lowercase
// letters, digits and underscores, starting with a letter.
bool IsPlainTableName(std::string_view name);

// Hashes std::string keys and std::string_view probes alike, so that a cache keyed by SQL text
// can be searched without copying the text:
//   std::unordered_map<std::string, Stmt, SqlTextHash, std::equal_to<>> cache;
struct SqlTextHash {
  using is_transparent = void;
  size_t operator()(std::string_view sql) const { return std::hash<std::string_view>()(sql); }
};

}  // namespace bulwark::store::internal
