#include "access/internal/keyset.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/json.h"

namespace bulwark::access {

std::string SortOrder::ToString() const {
  if (column.empty()) return "";
  return (descending ? "-" : "") + column;
}

StatusOr<SortOrder> ParseSortOrder(std::string_view text,
                                   std::span<const std::string_view> columns) {
  SortOrder sort;
  if (text.empty()) return sort;
  std::string_view column = text;
  if (column.front() == '-') {
    sort.descending = true;
    column.remove_prefix(1);
  }
  if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
    std::string allowed;
    for (std::string_view c : columns) {
      if (!allowed.empty()) allowed += ", ";
      allowed += c;
    }
    return Status(StatusCode::kInvalidArgument,
                  "cannot sort by '" + std::string(column.substr(0, 64)) + "'; sort by one of " +
                      allowed +
                      " (ascending), or the same with a '-' "
                      "prefix (descending)",
                  {{"parameter", "sort"}, {"allowed", allowed}});
  }
  sort.column = std::string(column);
  return sort;
}

namespace internal {
namespace {

// Cursors are short; anything much longer was not made here.
constexpr size_t kMaxCursorLength = 2048;

Status BadCursor() {
  return Status(StatusCode::kInvalidArgument,
                "the cursor is not one this server made; send next_cursor back as it came, or "
                "leave cursor out to start from the first page",
                {{"parameter", "cursor"}});
}

std::string SortName(const std::string& sort) {
  return sort.empty() ? "the default order" : "sort=" + sort;
}

}  // namespace

std::string EncodeCursor(const Cursor& cursor) {
  boost::json::object o;
  o["s"] = cursor.sort;
  if (const auto* text = std::get_if<std::string>(&cursor.key)) {
    o["k"] = *text;
  } else {
    o["k"] = std::get<int64_t>(cursor.key);
  }
  o["i"] = cursor.id;
  std::string out = Base64Encode(boost::json::serialize(o));
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  out.erase(out.find_last_not_of('=') + 1);
  return out;
}

StatusOr<Cursor> DecodeCursor(std::string_view text) {
  if (text.empty() || text.size() > kMaxCursorLength || text.size() % 4 == 1) return BadCursor();
  std::string b64(text);
  for (char& c : b64) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return BadCursor();
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (b64.size() % 4 != 0) b64 += '=';
  StatusOr<std::string> json = Base64Decode(b64);
  if (!json.ok()) return BadCursor();
  StatusOr<boost::json::value> value = ParseJson(*json);
  if (!value.ok() || !value->is_object()) return BadCursor();
  const boost::json::object& o = value->as_object();
  const boost::json::value* s = o.if_contains("s");
  const boost::json::value* k = o.if_contains("k");
  const boost::json::value* i = o.if_contains("i");
  if (o.size() != 3 || s == nullptr || !s->is_string() || k == nullptr || i == nullptr ||
      !i->is_string() || i->as_string().empty()) {
    return BadCursor();
  }
  Cursor cursor;
  cursor.sort = std::string(s->as_string());
  cursor.id = std::string(i->as_string());
  if (k->is_string()) {
    cursor.key = std::string(k->as_string());
  } else if (k->is_int64()) {
    cursor.key = k->as_int64();
  } else {
    return BadCursor();
  }
  return cursor;
}

StatusOr<Keyset> Keyset::Make(std::span<const SortableColumn> columns, const SortOrder& sort,
                              std::string_view cursor, std::string_view id_sql) {
  SortableColumn key{"", id_sql, KeyType::kText};
  if (!sort.column.empty()) {
    auto it = std::find_if(columns.begin(), columns.end(),
                           [&](const SortableColumn& c) { return c.name == sort.column; });
    if (it == columns.end()) {
      std::vector<std::string_view> names;
      for (const SortableColumn& c : columns) names.push_back(c.name);
      return ParseSortOrder(sort.column, names).status();
    }
    key = *it;
  }
  Keyset keyset(key, id_sql, sort.column.empty() ? SortOrder{} : sort);
  if (cursor.empty()) return keyset;
  BW_ASSIGN_OR_RETURN(Cursor after, DecodeCursor(cursor));
  if (after.sort != keyset.sort_.ToString()) {
    return Status(StatusCode::kInvalidArgument,
                  "the cursor was made for " + SortName(after.sort.substr(0, 64)) +
                      ", and this request asks for " + SortName(keyset.sort_.ToString()) +
                      "; a cursor continues only the order it was made for, so send the same "
                      "sort or leave cursor out to start from the first page",
                  {{"parameter", "cursor"}});
  }
  bool key_fits = key.type == KeyType::kText ? std::holds_alternative<std::string>(after.key)
                                             : std::holds_alternative<int64_t>(after.key);
  if (!key_fits) return BadCursor();
  keyset.after_ = std::move(after);
  return keyset;
}

void Keyset::AppendAfterCursor(std::string& sql, std::vector<store::Value>& params) const {
  if (!after_) return;
  const char* beyond = sort_.descending ? " < " : " > ";
  std::string id(id_sql_);
  if (SortsById()) {
    sql += " AND " + id + beyond + "?";
    params.emplace_back(after_->id);
    return;
  }
  std::string key(key_.sql);
  sql += " AND (" + key + beyond + "? OR (" + key + " = ? AND " + id + beyond + "?))";
  params.push_back(after_->key);
  params.push_back(after_->key);
  params.emplace_back(after_->id);
}

std::string Keyset::OrderBy() const {
  const char* direction = sort_.descending ? " DESC" : " ASC";
  std::string out = " ORDER BY ";
  if (!SortsById()) out += std::string(key_.sql) + direction + ", ";
  out += std::string(id_sql_) + direction;
  return out;
}

std::string Keyset::CursorAt(const store::Row& row, size_t key_index, size_t id_index) const {
  Cursor cursor;
  cursor.sort = sort_.ToString();
  if (key_.type == KeyType::kText) {
    cursor.key = row.Text(key_index);
  } else {
    cursor.key = row.Int(key_index);
  }
  cursor.id = row.Text(id_index);
  return EncodeCursor(cursor);
}

}  // namespace internal
}  // namespace bulwark::access
