// Keyset: how the directory's lists page in a requested order without OFFSET, and the opaque
// cursor that carries a page's last position to the next request.
//
// A list names the columns it may be sorted by (SortableColumn: the API's name and a SQL
// expression written here, never taken from a request). For a page, Keyset::Make resolves the
// requested SortOrder against them and decodes the cursor, then gives the ORDER BY
// (key, id), both in the requested direction, and the condition that keeps only the rows
// after the cursor. Cursor values are always bound parameters. The cursor format is in
// docs/page-cursors.md.
//
// Thread-safety: values; Keyset is immutable once made.
//
// Example:
//   BW_ASSIGN_OR_RETURN(Keyset keyset, Keyset::Make(kUserKeys, page.sort, page.after));
//   std::string sql = "SELECT id, email, " + std::string(keyset.key_sql()) +
//                     " FROM users WHERE org_id = ?";
//   keyset.AppendAfterCursor(sql, params);
//   sql += keyset.OrderBy() + " LIMIT 51";
//   ...
//   next_cursor = keyset.CursorAt(rows[49], /*key_index=*/2, /*id_index=*/0);
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "access/directory.h"
#include "base/status.h"
#include "store/database.h"

namespace bulwark::access::internal {

enum class KeyType { kText, kInteger };

// A column a list may be sorted by.
struct SortableColumn {
  std::string_view name;  // as the API names it
  std::string_view sql;   // the expression the rows are ordered by; must never be NULL
  KeyType type;
};

// What a cursor says: the sort it was made for, and the key and id of the last row shown.
struct Cursor {
  std::string sort;  // SortOrder::ToString()
  store::Value key;  // std::string or int64_t
  std::string id;
};

// base64url (no padding) of {"s":sort,"k":key,"i":id}.
std::string EncodeCursor(const Cursor& cursor);
// InvalidArgument, never a crash, for anything EncodeCursor did not make.
StatusOr<Cursor> DecodeCursor(std::string_view text);

class Keyset {
 public:
  // `columns` are the list's sortable columns; an empty sort column orders by `id_sql`.
  // InvalidArgument for a column not in `columns`, a malformed cursor, or a cursor made for
  // another sort.
  static StatusOr<Keyset> Make(std::span<const SortableColumn> columns, const SortOrder& sort,
                               std::string_view cursor, std::string_view id_sql = "id");

  // The expression to select with each row, so that CursorAt can read its key.
  std::string_view key_sql() const { return key_.sql; }
  // Appends " AND (...)" keeping the rows after the cursor, and its parameters; nothing on a
  // first page. REQUIRES: `sql` ends in a WHERE clause.
  void AppendAfterCursor(std::string& sql, std::vector<store::Value>& params) const;
  // " ORDER BY key, id" in the requested direction.
  std::string OrderBy() const;
  // The cursor of a page whose last row is `row`.
  std::string CursorAt(const store::Row& row, size_t key_index, size_t id_index) const;

 private:
  Keyset(SortableColumn key, std::string_view id_sql, SortOrder sort)
      : key_(key), id_sql_(id_sql), sort_(std::move(sort)) {}
  bool SortsById() const { return key_.sql == id_sql_; }

  SortableColumn key_;
  std::string_view id_sql_;
  SortOrder sort_;
  std::optional<Cursor> after_;
};

}  // namespace bulwark::access::internal
