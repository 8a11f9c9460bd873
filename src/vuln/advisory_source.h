// Reading OSV advisories from where feeds put them: a directory tree of records (a clone of an
// advisory database), a zip of records (OSV's per-ecosystem all.zip), or one JSON file holding
// a record or an array of records.
//
// ReadAdvisories streams: it holds at most one record in memory at a time, however large the
// source, and hands each valid record to `on_advisory` together with its JSON text as read.
// A bad record (malformed JSON, a failed validation, over kMaxRecordBytes, a corrupt zip entry)
// does not stop the reading: it goes to `on_problem` naming the file ("data/GO-2020-0001.json",
// "all.zip:GHSA-xxxx-xxxx-xxxx.json", "feed.json[12]") and the reason, and reading continues.
// Only a source that cannot be read at all (missing, not a directory/.zip/.json, not a zip)
// returns an error, as does an error returned by `on_advisory`, which stops the reading.
//
// Directories are walked recursively for `*.json` files in sorted order, skipping folders
// whose names begin with "." (such as .git); zip entries are read in name order too, so two
// readings of one source report the same records in the same order.
//
// Thread-safety: ReadAdvisories is reentrant; the callbacks run on the calling thread.
//
//   Status s = ReadAdvisories("osv/all.zip",
//       [&](Advisory&& advisory, std::string_view json) { return Keep(advisory, json); },
//       [&](const AdvisoryProblem& p) { std::cerr << p.file << ": " << p.reason << "\n"; });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/progress.h"
#include "base/status.h"
#include "vuln/advisory.h"

namespace bulwark::vuln {

// No OSV record comes near this (the largest real ones are a few hundred KiB); the cap keeps a
// hostile file or a zip bomb from taking the memory of the machine.
inline constexpr int64_t kMaxRecordBytes = 16 << 20;

// A record that could not be read, and why.
struct AdvisoryProblem {
  std::string file;
  std::string reason;
  friend bool operator==(const AdvisoryProblem&, const AdvisoryProblem&) = default;
};

// Reads every record at `path` (see above). `progress`, when given, has the number of records
// found added to its total and advances once per record, good or bad.
Status ReadAdvisories(const std::string& path,
                      const std::function<Status(Advisory&&, std::string_view json)>& on_advisory,
                      const std::function<void(const AdvisoryProblem&)>& on_problem,
                      Progress* progress = nullptr);

}  // namespace bulwark::vuln
