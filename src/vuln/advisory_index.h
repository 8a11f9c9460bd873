// AdvisoryIndex: every advisory's affected ranges, compiled for matching, in one flat block of
// memory that is also the on-disk format, so that `bulwark scan --index FILE` starts by
// mapping a file rather than parsing advisories.
//
// Building (AdvisoryIndexBuilder) turns each OSV `affected` entry into an entry under its
// PackageKey: the ranges' events sorted in the ecosystem's order and turned into intervals
// (introduced..fixed, introduced..last_affected, introduced..limit, introduced..), plus the
// explicitly listed versions. Withdrawn advisories are left out; when one id is added twice,
// the record with the newer `modified` wins. GIT ranges are not evaluated (they name commits,
// not versions) and never stop the ranges after them. Each package's bounds and listed
// versions are then sorted, per order they are compared in, into a lexicon, and every bound
// is stored by its rank there.
//
// Matching a package finds its key in a hash table, places the installed version among the
// lexicon's versions once (CoarseKeys first, the exact ordering only on a tie), and from then
// on compares integers: listed versions through the lexicon version they are, intervals as
// ranges of positions.
// MatchRefs works through many packages in groups whose memory reads overlap. A finding
// carries the interval that matched and the nearest fixed version above the installed one that
// is not itself affected ("upgrade to").
//
// The file format (docs/vulnerability-index.md): a header with a magic, a format version, a
// CRC-32 of the body and a table of sections; then the sections, 8-byte aligned. Load maps
// the file read-only and checks every offset and count before use, so a corrupt or hostile
// index is an error, never a crash.
//
// Thread-safety: an AdvisoryIndex is immutable; Match may run on many threads at once. The
// builder is single-threaded.
//
//   AdvisoryIndexBuilder builder;
//   for (const Advisory& a : advisories) BW_RETURN_IF_ERROR(builder.Add(a));
//   AdvisoryIndex index = std::move(builder).Finish();
//   BW_RETURN_IF_ERROR(index.Save("advisories.idx"));
//   BW_ASSIGN_OR_RETURN(AdvisoryIndex loaded, AdvisoryIndex::Load("advisories.idx"));
//   std::vector<Finding> findings = loaded.Match(packages);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/progress.h"
#include "base/status.h"
#include "vuln/advisory.h"
#include "vuln/package_key.h"
#include "vuln/severity.h"

namespace bulwark::vuln {

namespace internal {
struct IndexLayout;
}

// One affected component: which advisory, why, and what to upgrade to.
struct Finding {
  size_t package = 0;  // index of the matched package in the Match input
  std::string advisory_id;
  std::vector<std::string> aliases;  // CVE ids and other databases' ids
  std::string summary;
  SeverityLevel severity = SeverityLevel::kUnknown;
  std::optional<double> score;  // CVSS base score, when the severity came from one
  std::string ecosystem;        // the advisory's own spelling ("Debian:12")
  std::string package_name;     // the advisory's own spelling
  std::string installed_version;
  // The range that matched: "SEMVER" or "ECOSYSTEM" with its bounds, or "versions" when the
  // installed version is listed explicitly (then the bounds are empty).
  std::string range_type;
  std::string introduced;     // "0" when affected from the first version
  std::string fixed;          // exclusive upper bound, "" when none
  std::string last_affected;  // inclusive upper bound, "" when none
  std::string limit;          // exclusive upper limit, "" when none
  std::string upgrade_to;     // nearest fixed version above the installed one; "" if unknown
};

class AdvisoryIndex {
 public:
  AdvisoryIndex();
  AdvisoryIndex(AdvisoryIndex&&) noexcept;
  AdvisoryIndex& operator=(AdvisoryIndex&&) noexcept;
  ~AdvisoryIndex();

  // Maps and validates an index file. InvalidArgument for a file that is not an index, of
  // another format version, truncated, or failing its checksum or bounds checks; NotFound or
  // Unavailable when it cannot be opened.
  static StatusOr<AdvisoryIndex> Load(const std::string& path);

  // Validates an index held in memory (a copy is kept).
  static StatusOr<AdvisoryIndex> FromBytes(std::string_view bytes);

  // Writes the index atomically (a temporary file renamed over `path`).
  Status Save(const std::string& path) const;

  // The index's bytes, exactly as Save writes them.
  std::string_view bytes() const;

  size_t advisory_count() const;
  size_t package_count() const;

  // Findings for `packages`, ordered by package index, then advisory id. A package with an
  // empty version matches nothing.
  std::vector<Finding> Match(std::span<const PurlPackage> packages) const;

  // The matcher's own result: which affected entry of the index matched a package, and by
  // which part (an interval, or the list of versions). Twelve bytes pointing into the index,
  // so matching allocates nothing per finding; Describe turns one into a Finding.
  struct MatchRef {
    uint32_t package;  // index in the Match input
    uint32_t entry;
    uint32_t part;
  };
  // Appends the matches of `packages` to `out`, in the order of Match. Lookups of neighbouring
  // packages overlap their memory reads, so a whole SBOM at once is faster than one by one.
  void MatchRefs(std::span<const PurlPackage> packages, std::vector<MatchRef>* out) const;
  // REQUIRES: `ref` came from MatchRefs on this index, `package` being the one it names.
  Finding Describe(const MatchRef& ref, const PurlPackage& package) const;

  // The package keys the index holds, in key order.
  std::vector<PackageKey> PackageKeys() const;

 private:
  friend class AdvisoryIndexBuilder;
  explicit AdvisoryIndex(std::unique_ptr<internal::IndexLayout> layout);

  std::unique_ptr<internal::IndexLayout> layout_;
};

class AdvisoryIndexBuilder {
 public:
  AdvisoryIndexBuilder();
  ~AdvisoryIndexBuilder();
  AdvisoryIndexBuilder(const AdvisoryIndexBuilder&) = delete;
  AdvisoryIndexBuilder& operator=(const AdvisoryIndexBuilder&) = delete;

  // Adds one validated advisory (see ParseOsvAdvisory). InvalidArgument when an affected
  // package has no ecosystem or name; the builder is unchanged then.
  Status Add(const Advisory& advisory);

  // Advisories added and kept so far (withdrawn and superseded ones excluded).
  size_t advisory_count() const;
  size_t withdrawn_count() const { return withdrawn_; }

  AdvisoryIndex Finish() &&;

 private:
  struct State;
  std::unique_ptr<State> state_;
  size_t withdrawn_ = 0;
};

struct AdvisoryProblem;

// Builds an index from OSV sources (directories, zips, files; see ReadAdvisories). Records
// that cannot be read or added are appended to `problems` and skipped; an unreadable path is
// an error.
StatusOr<AdvisoryIndex> BuildIndexFromSources(const std::vector<std::string>& paths,
                                              std::vector<AdvisoryProblem>* problems,
                                              Progress* progress);

}  // namespace bulwark::vuln
