#include "store/database.h"

#include <charconv>
#include <string>
#include <type_traits>

#include "store/internal/sql_text.h"
#include "store/postgres_database.h"
#include "store/sqlite_database.h"

namespace bulwark::store {
namespace {

// Reads text as an integer: decimal digits, or PostgreSQL's boolean spellings.
int64_t ParseInt(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  if (text == "t" || text == "true") return 1;
  return 0;
}

constexpr std::string_view kSqliteScheme = "sqlite:";

}  // namespace

bool Row::IsNull(size_t i) const { return std::holds_alternative<std::monostate>(cell(i)); }

std::optional<Time> Row::OptionalTime(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return FromUnixMicros(Int(i));
}

std::optional<std::string> Row::OptionalText(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

Value TimeOrNull(const std::optional<Time>& t) {
  if (!t) return std::monostate{};
  return ToUnixMicros(*t);
}

int64_t Row::Int(size_t i) const {
  return std::visit(
      [](const auto& v) -> int64_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          return v;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return ParseInt(v);
        } else if constexpr (std::is_same_v<T, Blob>) {
          return ParseInt(v.bytes);
        } else {
          return 0;
        }
      },
      cell(i));
}

std::string Row::Text(size_t i) const {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, Blob>) {
          return v.bytes;
        } else {
          return std::string();
        }
      },
      cell(i));
}

std::string Row::Bytes(size_t i) const { return Text(i); }

bool IsChannelName(std::string_view channel) {
  return channel.size() <= 63 && internal::IsPlainTableName(channel);
}

StatusOr<std::unique_ptr<Database>> OpenDatabase(const std::string& url, int pool_size) {
  if (pool_size < 1) {
    return InvalidArgumentError("database pool size must be at least 1, not " +
                                std::to_string(pool_size));
  }
  if (url.starts_with(kSqliteScheme)) {
    return OpenSqliteDatabase(url.substr(kSqliteScheme.size()), pool_size);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return OpenPostgresDatabase(url, pool_size);
  }
  // Only the scheme is echoed: the rest of a URL may hold a password.
  const size_t colon = url.find(':');
  const std::string scheme = colon == std::string::npos ? url : url.substr(0, colon);
  return InvalidArgumentError("unsupported database URL scheme \"" + scheme +
                              "\"; expected sqlite:PATH or postgresql://...");
}

}  // namespace bulwark::store
