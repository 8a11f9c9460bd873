#include "vuln/advisory_store.h"

#include <exception>
#include <filesystem>
#include <set>
#include <utility>

namespace bulwark::vuln {
namespace {

using store::ResultSet;
using store::Transaction;
using store::TxMode;
using store::Value;

// Rows per page in ForEach: enough to keep round trips few, few enough that a page of large
// records stays small.
constexpr int64_t kPageSize = 256;

Value OptionalTime(const std::optional<Time>& t) {
  if (!t) return std::monostate();
  return ToUnixMicros(*t);
}

Status WritePackages(Transaction& tx, const Advisory& advisory) {
  std::set<std::pair<std::string_view, std::string_view>> packages;
  for (const AffectedPackage& affected : advisory.affected) {
    // Entries without a package (GIT ranges only) have nothing to look up by.
    if (!affected.ecosystem.empty()) packages.emplace(affected.ecosystem, affected.name);
  }
  for (const auto& [ecosystem, name] : packages) {
    BW_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO advisory_packages (advisory_id, ecosystem, name) VALUES (?, ?, ?)",
                   {advisory.id, std::string(ecosystem), std::string(name)}));
  }
  return OkStatus();
}

StatusOr<UpsertOutcome> UpsertIn(Transaction& tx, const Advisory& advisory, std::string_view json,
                                 Time now) {
  BW_ASSIGN_OR_RETURN(ResultSet rows,
                      tx.Query("SELECT modified FROM advisories WHERE id = ?", {advisory.id}));
  int64_t modified = ToUnixMicros(advisory.modified);
  if (rows.empty()) {
    BW_RETURN_IF_ERROR(tx.Execute(
        "INSERT INTO advisories (id, modified, withdrawn, body, imported_at) VALUES (?, ?, ?, ?, "
        "?)",
        {advisory.id, modified, OptionalTime(advisory.withdrawn), std::string(json),
         ToUnixMicros(now)}));
    BW_RETURN_IF_ERROR(WritePackages(tx, advisory));
    return UpsertOutcome::kInserted;
  }
  if (rows[0].Int(0) >= modified) return UpsertOutcome::kUnchanged;
  BW_RETURN_IF_ERROR(tx.Execute(
      "UPDATE advisories SET modified = ?, withdrawn = ?, body = ?, imported_at = ? WHERE id = ?",
      {modified, OptionalTime(advisory.withdrawn), std::string(json), ToUnixMicros(now),
       advisory.id}));
  BW_RETURN_IF_ERROR(
      tx.Execute("DELETE FROM advisory_packages WHERE advisory_id = ?", {advisory.id}));
  BW_RETURN_IF_ERROR(WritePackages(tx, advisory));
  return UpsertOutcome::kUpdated;
}

// Accumulates records and writes them in batches, tallying the outcomes into a report.
class BatchWriter {
 public:
  BatchWriter(AdvisoryStore& store, ImportReport& report) : store_(store), report_(report) {}

  Status Add(Advisory&& advisory, std::string_view json) {
    bytes_ += json.size();
    batch_.push_back(AdvisoryRecord{std::move(advisory), std::string(json)});
    if (batch_.size() >= kImportBatchRecords || bytes_ >= kImportBatchBytes) return Flush();
    return OkStatus();
  }

  Status Flush() {
    if (batch_.empty()) return OkStatus();
    BW_ASSIGN_OR_RETURN(std::vector<UpsertOutcome> outcomes, store_.UpsertBatch(batch_));
    for (UpsertOutcome outcome : outcomes) {
      switch (outcome) {
        case UpsertOutcome::kInserted:
          ++report_.inserted;
          break;
        case UpsertOutcome::kUpdated:
          ++report_.updated;
          break;
        case UpsertOutcome::kUnchanged:
          ++report_.unchanged;
          break;
      }
    }
    batch_.clear();
    bytes_ = 0;
    return OkStatus();
  }

 private:
  AdvisoryStore& store_;
  ImportReport& report_;
  std::vector<AdvisoryRecord> batch_;
  size_t bytes_ = 0;
};

}  // namespace

AdvisoryStore::AdvisoryStore(store::Database& db, Clock& clock) : db_(db), clock_(clock) {}

StatusOr<UpsertOutcome> AdvisoryStore::Upsert(const Advisory& advisory, std::string_view json) {
  UpsertOutcome outcome = UpsertOutcome::kUnchanged;
  Time now = clock_.Now();
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(outcome, UpsertIn(tx, advisory, json, now));
    return OkStatus();
  }));
  return outcome;
}

StatusOr<std::vector<UpsertOutcome>> AdvisoryStore::UpsertBatch(
    const std::vector<AdvisoryRecord>& records) {
  std::vector<UpsertOutcome> outcomes;
  Time now = clock_.Now();
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    outcomes.clear();  // Transact may run this again after a conflict
    outcomes.reserve(records.size());
    for (const AdvisoryRecord& record : records) {
      BW_ASSIGN_OR_RETURN(UpsertOutcome outcome, UpsertIn(tx, record.advisory, record.json, now));
      outcomes.push_back(outcome);
    }
    return OkStatus();
  }));
  return outcomes;
}

Status AdvisoryStore::ForEach(const std::function<Status(Advisory&&)>& f) {
  std::string after;
  bool first = true;
  while (true) {
    ResultSet rows;
    BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      if (first) {
        BW_ASSIGN_OR_RETURN(
            rows, tx.Query("SELECT id, body FROM advisories ORDER BY id LIMIT ?", {kPageSize}));
      } else {
        BW_ASSIGN_OR_RETURN(rows, tx.Query("SELECT id, body FROM advisories WHERE id > ? "
                                           "ORDER BY id LIMIT ?",
                                           {after, kPageSize}));
      }
      return OkStatus();
    }));
    first = false;
    for (store::Row& row : rows) {
      std::string id = row.Text(0);
      StatusOr<Advisory> advisory = ParseOsvAdvisory(row.Text(1));
      if (!advisory.ok()) {
        return DataLossError("stored advisory " + id +
                             " no longer parses: " + advisory.status().message());
      }
      BW_RETURN_IF_ERROR(f(std::move(advisory).value()));
      after = std::move(id);
    }
    if (static_cast<int64_t>(rows.size()) < kPageSize) return OkStatus();
  }
}

StatusOr<std::optional<std::string>> AdvisoryStore::FindJson(std::string_view id) {
  std::optional<std::string> json;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT body FROM advisories WHERE id = ?", {std::string(id)}));
    json.reset();
    if (!rows.empty()) json = rows[0].Text(0);
    return OkStatus();
  }));
  return json;
}

StatusOr<int64_t> AdvisoryStore::Count() {
  int64_t count = 0;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT COUNT(*) FROM advisories"));
    count = rows.empty() ? 0 : rows[0].Int(0);
    return OkStatus();
  }));
  return count;
}

StatusOr<ImportReport> ImportAdvisories(const std::vector<std::string>& paths, AdvisoryStore& store,
                                        Progress* progress) {
  try {
    for (const std::string& path : paths) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) {
        return NotFoundError(path + ": no such file or directory");
      }
    }
    ImportReport report;
    BatchWriter writer(store, report);
    for (const std::string& path : paths) {
      BW_RETURN_IF_ERROR(ReadAdvisories(
          path,
          [&](Advisory&& advisory, std::string_view json) {
            ++report.read;
            return writer.Add(std::move(advisory), json);
          },
          [&](const AdvisoryProblem& problem) {
            ++report.read;
            report.problems.push_back(problem);
          },
          progress));
      BW_RETURN_IF_ERROR(writer.Flush());
    }
    return report;
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory importing advisories");
  } catch (const std::exception& e) {
    return InternalError(std::string("importing advisories: ") + e.what());
  }
}

}  // namespace bulwark::vuln
