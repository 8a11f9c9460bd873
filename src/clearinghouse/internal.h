// What the clearinghouse's source files share and nothing else uses: multi-row inserts, SQL
// placeholders, hashing.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssvc/ssvc.h"
#include "store/database.h"

namespace bulwark::clearinghouse::internal {

// Rows a multi-row INSERT writes at once: few statements, and well under every backend's limit
// of parameters in one statement.
inline constexpr size_t kRowsPerInsert = 200;

// One finding a new or revised advisory opened, as its operator's notice names it.
struct NoticeItem {
  std::string finding_id;
  std::string org_id;
  std::string org_name;
  std::string asset_id;
  std::string asset_name;
  std::string package;
  std::string version;
  std::string purl;
  std::string upgrade_to;
  std::string summary;
  std::string cves;  // space-separated
  std::string timeline;
  std::string cisa_level;
  int64_t rank = 0;
  std::optional<Time> deadline;
  std::string notice_id;  // set by IssueNotices: the notice that tells the finding's operator
};

// The timeline ssvc::Name spells `name`.
std::optional<ssvc::RemediationTimeline> ParseTimelineName(std::string_view name);

// The hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// "?, ?, ?" for n = 3.
std::string Placeholders(size_t n);

// Inserts `rows` (each of `columns` values) with `prefix` ("INSERT INTO t (a, b) VALUES") and
// `suffix` (" ON CONFLICT ..."), a few hundred rows a statement.
Status InsertRows(store::Transaction& tx, std::string_view prefix, size_t columns,
                  const std::vector<std::vector<store::Value>>& rows, std::string_view suffix = "");

}  // namespace bulwark::clearinghouse::internal
