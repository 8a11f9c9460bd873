#include "clearinghouse/internal.h"

#include <openssl/evp.h>

#include <algorithm>

#include "base/encoding.h"
#include "clearinghouse/service.h"

namespace bulwark::clearinghouse::internal {

using store::Transaction;
using store::Value;

std::optional<ssvc::RemediationTimeline> ParseTimelineName(std::string_view name) {
  for (ssvc::RemediationTimeline t : kTimelinesByUrgency) {
    if (ssvc::Name(t) == name) return t;
  }
  return std::nullopt;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

Status InsertRows(Transaction& tx, std::string_view prefix, size_t columns,
                  const std::vector<std::vector<Value>>& rows, std::string_view suffix) {
  const std::string one = "(" + Placeholders(columns) + ")";
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    const size_t end = std::min(rows.size(), start + kRowsPerInsert);
    std::string sql(prefix);
    std::vector<Value> params;
    params.reserve((end - start) * columns);
    for (size_t i = start; i < end; ++i) {
      sql += i == start ? " " : ", ";
      sql += one;
      params.insert(params.end(), rows[i].begin(), rows[i].end());
    }
    sql += suffix;
    BW_RETURN_IF_ERROR(tx.Execute(sql, params).status());
  }
  return OkStatus();
}

}  // namespace bulwark::clearinghouse::internal
