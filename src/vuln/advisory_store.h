// AdvisoryStore: the OSV advisories Bulwark knows, persisted in the product database, and
// ImportAdvisories, which fills it from feeds (see advisory_source.h).
//
// Each advisory is kept as the JSON text it arrived in (table `advisories`, with its id,
// `modified` and `withdrawn` times), plus one row per affected (ecosystem, name) in
// `advisory_packages` for lookups by package. An advisory is replaced only by a record of the
// same id with a strictly newer `modified`; the same or an older one leaves the stored record
// as it is, so re-importing a feed, or importing an older copy of it, changes nothing.
//
// Imports write in transactions of up to kImportBatchRecords records (and kImportBatchBytes of
// JSON): one transaction per record is far too slow for feeds of 100,000 records, and one for
// the whole feed would hold the database's write lock for minutes. A failed batch rolls back
// whole, so a failing import never loses what was stored before it.
//
// Thread-safety: an AdvisoryStore may be used from several threads; each call is its own
// transaction (or sequence of transactions, for ForEach).
//
//   AdvisoryStore store(db, SystemClock::Get());
//   StatusOr<ImportReport> report = ImportAdvisories({"osv/Go/all.zip"}, store, nullptr);
//   BW_ASSIGN_OR_RETURN(std::optional<std::string> json, store.FindJson("GO-2020-0001"));
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/progress.h"
#include "base/status.h"
#include "store/database.h"
#include "vuln/advisory.h"
#include "vuln/advisory_source.h"

namespace bulwark::vuln {

inline constexpr size_t kImportBatchRecords = 1000;
inline constexpr size_t kImportBatchBytes = 32 << 20;

enum class UpsertOutcome {
  kInserted,   // the id was new
  kUpdated,    // the stored record was older and was replaced
  kUnchanged,  // the stored record was as new or newer and stays
};

// A parsed advisory with the JSON text it was parsed from.
struct AdvisoryRecord {
  Advisory advisory;
  std::string json;
};

class AdvisoryStore {
 public:
  // `db` must be migrated; `clock` stamps imported_at. Both must outlive the store.
  AdvisoryStore(store::Database& db, Clock& clock);

  // REQUIRES: `json` is the text `advisory` was parsed from.
  StatusOr<UpsertOutcome> Upsert(const Advisory& advisory, std::string_view json);

  // Upserts all of `records` in one transaction: all of them or none. The outcomes are in the
  // order of `records`; a later record with the id of an earlier one is compared against it.
  StatusOr<std::vector<UpsertOutcome>> UpsertBatch(const std::vector<AdvisoryRecord>& records);

  // Calls `f` with every stored advisory, in id order, reading a page at a time. `f` runs
  // outside any transaction (it may use the store); an error from it stops the walk and is
  // returned. A stored record that no longer parses is DataLoss naming its id.
  Status ForEach(const std::function<Status(Advisory&&)>& f);

  // The stored JSON text of advisory `id`, or nullopt.
  StatusOr<std::optional<std::string>> FindJson(std::string_view id);

  StatusOr<int64_t> Count();

 private:
  store::Database& db_;
  Clock& clock_;
};

struct ImportReport {
  int64_t read = 0;  // records read, including the skipped ones
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  std::vector<AdvisoryProblem> problems;  // the records skipped, and why
};

// Reads every source in `paths` (see ReadAdvisories) into `store`. All paths are checked to
// exist before anything is written. Bad records are reported, not fatal; an error is returned
// only when a source cannot be read or the database fails, and the batches written before it
// stay stored.
StatusOr<ImportReport> ImportAdvisories(const std::vector<std::string>& paths, AdvisoryStore& store,
                                        Progress* progress);

}  // namespace bulwark::vuln
