#include "store/internal/sql_text.h"

#include <algorithm>
#include <cctype>

namespace bulwark::store::internal {
namespace {

// If a quoted token or a comment starts at `i`, returns the index just past it (or the end of
// the text when it is unterminated); otherwise returns `i`.
size_t SkipQuotedOrComment(std::string_view sql, size_t i) {
  const size_t n = sql.size();
  const char c = sql[i];
  if (c == '\'' || c == '"') {
    // A doubled quote inside the token stands for the quote itself.
    size_t j = i + 1;
    while (j < n) {
      if (sql[j] == c) {
        if (j + 1 < n && sql[j + 1] == c) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    return n;
  }
  if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
    const size_t end = sql.find('\n', i + 2);
    return end == std::string_view::npos ? n : end + 1;
  }
  if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
    const size_t end = sql.find("*/", i + 2);
    return end == std::string_view::npos ? n : end + 2;
  }
  return i;
}

bool IsComment(std::string_view sql, size_t i) { return sql[i] == '-' || sql[i] == '/'; }

}  // namespace

PlaceholderSql RewritePlaceholders(std::string_view sql) {
  PlaceholderSql out;
  out.text.reserve(sql.size() + 16);
  size_t i = 0;
  while (i < sql.size()) {
    const size_t skipped = SkipQuotedOrComment(sql, i);
    if (skipped != i) {
      out.text.append(sql.substr(i, skipped - i));
      i = skipped;
      continue;
    }
    if (sql[i] == '?') {
      out.text.push_back('$');
      out.text.append(std::to_string(++out.count));
    } else {
      out.text.push_back(sql[i]);
    }
    ++i;
  }
  return out;
}

bool HasMultipleStatements(std::string_view sql) {
  bool after_separator = false;
  size_t i = 0;
  while (i < sql.size()) {
    const size_t skipped = SkipQuotedOrComment(sql, i);
    if (skipped != i) {
      if (after_separator && !IsComment(sql, i)) return true;
      i = skipped;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(sql[i]);
    if (c == ';') {
      after_separator = true;
    } else if (!std::isspace(c) && after_separator) {
      return true;
    }
    ++i;
  }
  return false;
}

bool IsPlainTableName(std::string_view name) {
  if (name.empty() || name.front() < 'a' || name.front() > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace bulwark::store::internal
