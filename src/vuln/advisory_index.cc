#include "vuln/advisory_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>

#include "vuln/advisory_source.h"
#include "vuln/internal/index_layout.h"
#include "vuln/version.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bulwark::vuln {

using internal::AdvisoryRecord;
using internal::EntryRecord;
using internal::IndexHeader;
using internal::IndexLayout;
using internal::IntervalRecord;
using internal::LexiconRecord;
using internal::LexiconVersion;
using internal::MatchTarget;
using internal::PackageRecord;
using internal::PackageSlot;
using internal::SpanBounds;
using internal::StrRef;
using internal::UpperKind;

namespace {

constexpr size_t kSchemeCount = static_cast<size_t>(VersionScheme::kHackage) + 1;
// Summaries are shown in reports, not searched; a bound keeps one huge record from bloating
// every index built from it.
constexpr size_t kMaxSummaryBytes = 1024;

// ---------------------------------------------------------------------------------------------
// Matching.

// A version's key in a lexicon: CoarseKey in its scheme, or the first 8 bytes big-endian when
// bytewise. Either way, a < b implies key(a) <= key(b).
uint64_t LexiconKey(uint8_t scheme, std::string_view version) {
  if (scheme == internal::kNoScheme) {
    uint64_t key = 0;
    for (size_t i = 0; i < 8; ++i) {
      key = (key << 8) | (i < version.size() ? static_cast<unsigned char>(version[i]) : 0u);
    }
    return key;
  }
  return OrderingFor(static_cast<VersionScheme>(scheme)).CoarseKey(version);
}

int LexiconCompare(uint8_t scheme, std::string_view a, std::string_view b) {
  // The same text is the same version in every order; installed versions are often exactly a
  // bound.
  if (a == b) return 0;
  if (scheme == internal::kNoScheme) {
    int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return OrderingFor(static_cast<VersionScheme>(scheme)).Compare(a, b);
}

// Where `version` falls among a lexicon's versions x0 < x1 < ...: 2i + 1 when it equals xi,
// 2i when it lies below xi and above x(i-1). A bound of rank r is at 2r + 1. Keys narrow the
// search to the versions sharing the installed version's key, ranks [lo, hi); only those are
// compared exactly, in a second step, so that a batch of lookups can read their text together.
struct KeyRange {
  uint32_t lo;
  uint32_t hi;
  bool settled;       // the keys alone place the version
  uint64_t position;  // when settled
};

KeyRange RangeOfKey(const IndexLayout& l, const LexiconRecord& lexicon, std::string_view version) {
  std::span<const uint64_t> keys =
      l.lexicon_keys.subspan(lexicon.version_begin, lexicon.version_count);
  uint64_t key = LexiconKey(lexicon.scheme, version);
  auto lo = std::lower_bound(keys.begin(), keys.end(), key);
  auto hi = std::upper_bound(lo, keys.end(), key);
  KeyRange range{static_cast<uint32_t>(lo - keys.begin()), static_cast<uint32_t>(hi - keys.begin()),
                 false, 0};
  if (range.hi == range.lo) {
    range.settled = true;
    range.position = 2 * static_cast<uint64_t>(range.lo);
  } else if (range.hi - range.lo == 1 && lexicon.scheme != internal::kNoScheme &&
             OrderingFor(static_cast<VersionScheme>(lexicon.scheme)).CoarseKeyIsExact(key)) {
    // A lexicon holds each version once, so an exact key names at most one of them.
    range.settled = true;
    range.position = 2 * static_cast<uint64_t>(range.lo) + 1;
  }
  return range;
}

// The position of `version`, comparing it with the versions of `range` by their text.
uint64_t Settle(const IndexLayout& l, const LexiconRecord& lexicon, std::string_view version,
                KeyRange range) {
  if (range.settled) return range.position;
  uint32_t lo = range.lo, hi = range.hi;
  while (lo < hi) {
    uint32_t rank = lo + (hi - lo) / 2;
    int c = LexiconCompare(
        lexicon.scheme, l.Str(l.lexicon_versions[lexicon.version_begin + rank].version), version);
    if (c == 0) return 2 * static_cast<uint64_t>(rank) + 1;
    if (c < 0) {
      lo = rank + 1;
    } else {
      hi = rank;
    }
  }
  return 2 * static_cast<uint64_t>(lo);
}

uint64_t PositionIn(const IndexLayout& l, uint32_t lexicon_index, std::string_view version) {
  const LexiconRecord& lexicon = l.lexicons[lexicon_index];
  return Settle(l, lexicon, version, RangeOfKey(l, lexicon, version));
}

uint64_t BoundPosition(uint32_t rank) { return 2 * static_cast<uint64_t>(rank) + 1; }

// One version's position in each lexicon it meets, computed on first use. A package's entries
// use one or two lexicons, so a handful of cached places is enough.
class Placement {
 public:
  Placement(const IndexLayout& l, std::string_view version) : l_(l), version_(version) {}

  // A position known without searching: a bound's, in its own lexicon.
  void Set(uint32_t lexicon, uint64_t position) { cached_[count_++] = {lexicon, position}; }

  uint64_t In(uint32_t lexicon) {
    for (size_t i = 0; i < count_; ++i) {
      if (cached_[i].lexicon == lexicon) return cached_[i].position;
    }
    uint64_t position = PositionIn(l_, lexicon, version_);
    if (count_ < cached_.size()) cached_[count_++] = {lexicon, position};
    return position;
  }

 private:
  struct Place {
    uint32_t lexicon;
    uint64_t position;
  };
  const IndexLayout& l_;
  std::string_view version_;
  std::array<Place, 4> cached_{};
  size_t count_ = 0;
};

constexpr uint32_t kListed = internal::kListedPart;

// The positions an interval covers (see LexiconRecord), as the index stores them in its spans.
SpanBounds SpanOf(const IntervalRecord& interval) {
  SpanBounds span{0, std::numeric_limits<uint32_t>::max()};
  if (!interval.lower_open) span.lower = 2 * interval.lower_rank + 1;
  switch (static_cast<UpperKind>(interval.upper_kind)) {
    case UpperKind::kNone:
      break;
    case UpperKind::kFixed:
    case UpperKind::kLimit:
      span.end = 2 * interval.upper_rank + 1;
      break;
    case UpperKind::kLastAffected:
      span.end = 2 * interval.upper_rank + 2;
      break;
  }
  return span;
}

bool InInterval(const IntervalRecord& interval, uint64_t position) {
  SpanBounds span = SpanOf(interval);
  return span.lower <= position && position < span.end;
}

// Which part of `entry` affects `v`: kListed for an explicitly listed version, an interval
// index, or nullopt.
std::optional<uint32_t> AffectingPart(const IndexLayout& l, const EntryRecord& entry,
                                      Placement& v) {
  if (entry.listed_count > 0) {
    uint64_t position = v.In(entry.listed_lexicon);
    if (position % 2 == 1) {
      std::span<const uint32_t> listed = l.listed.subspan(entry.listed_begin, entry.listed_count);
      if (std::binary_search(listed.begin(), listed.end(), static_cast<uint32_t>(position / 2))) {
        return kListed;
      }
    }
  }
  for (uint32_t i = 0; i < entry.interval_count; ++i) {
    const IntervalRecord& interval = l.intervals[entry.interval_begin + i];
    if (InInterval(interval, v.In(interval.lexicon))) return entry.interval_begin + i;
  }
  return std::nullopt;
}

// The smallest `fixed` bound of `entry` above `v` that is not itself affected by the entry.
std::string_view UpgradeTarget(const IndexLayout& l, const EntryRecord& entry, Placement& v) {
  const IntervalRecord* best = nullptr;
  for (uint32_t i = 0; i < entry.interval_count; ++i) {
    const IntervalRecord& interval = l.intervals[entry.interval_begin + i];
    if (static_cast<UpperKind>(interval.upper_kind) != UpperKind::kFixed) continue;
    uint64_t fixed = BoundPosition(interval.upper_rank);
    if (fixed <= v.In(interval.lexicon)) continue;
    if (best != nullptr &&
        (best->lexicon == interval.lexicon
             ? interval.upper_rank >= best->upper_rank
             : LexiconCompare(best->scheme, l.Str(interval.upper), l.Str(best->upper)) >= 0)) {
      continue;
    }
    Placement candidate(l, l.Str(interval.upper));
    candidate.Set(interval.lexicon, fixed);
    if (AffectingPart(l, entry, candidate).has_value()) continue;
    best = &interval;
  }
  return best == nullptr ? std::string_view() : l.Str(best->upper);
}

// The package record of a key whose PackageKeyHash is `hash`, found through the package table.
const PackageRecord* FindPackage(const IndexLayout& l, std::string_view ecosystem,
                                 std::string_view name, uint64_t hash) {
  size_t size = l.package_table.size();
  if (size == 0) return nullptr;
  auto tag = static_cast<uint32_t>(hash >> 32);
  size_t slot = hash & (size - 1);
  for (size_t probe = 0; probe < size; ++probe, slot = (slot + 1) & (size - 1)) {
    const PackageSlot& s = l.package_table[slot];
    if (s.package_plus_one == 0) return nullptr;
    if (s.tag != tag) continue;
    const PackageRecord& p = l.packages[s.package_plus_one - 1];
    if (l.Str(p.name) == name && l.Str(p.ecosystem) == ecosystem) return &p;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Validation of a loaded index.

Status Corrupt(const std::string& what) {
  return Status(StatusCode::kInvalidArgument, "the advisory index is corrupt (" + what +
                                                  "); rebuild it with `bulwark advisories index`");
}

bool RangeFits(uint64_t begin, uint64_t count, uint64_t size) {
  return begin <= size && count <= size - begin;
}

bool StrFits(StrRef ref, size_t blob_size) { return RangeFits(ref.offset, ref.size, blob_size); }

template <typename Record>
Status SectionSpan(std::string_view bytes, const internal::SectionExtent& extent,
                   std::span<const Record>* out, const char* name) {
  if (extent.offset % 8 != 0 || !RangeFits(extent.offset, extent.size, bytes.size()) ||
      extent.size % sizeof(Record) != 0 || extent.offset < sizeof(IndexHeader)) {
    return Corrupt(std::string("section ") + name + " is out of bounds");
  }
  *out = std::span<const Record>(reinterpret_cast<const Record*>(bytes.data() + extent.offset),
                                 extent.size / sizeof(Record));
  return Status();
}

// CRC-32 of the whole file, computed with the header's checksum field taken as zero.
uint32_t FileCrc32(std::string_view bytes) {
  IndexHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  header.crc32 = 0;
  uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(&header), sizeof(header));
  std::string_view body = bytes.substr(sizeof(IndexHeader));
  return static_cast<uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(body.data()), body.size()));
}

StatusOr<std::unique_ptr<IndexLayout>> Validate(std::shared_ptr<const void> owner,
                                                std::string_view bytes) {
  if (bytes.size() < sizeof(IndexHeader)) return Corrupt("shorter than its header");
  if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) {
    return Status(StatusCode::kInternal, "advisory index buffer is not 8-byte aligned");
  }
  IndexHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (std::memcmp(header.magic, internal::kIndexMagic, sizeof(header.magic)) != 0) {
    return Status(StatusCode::kInvalidArgument,
                  "not a Bulwark advisory index (build one with `bulwark advisories index`)");
  }
  if (header.byte_order != internal::kByteOrderMark) {
    return Status(StatusCode::kInvalidArgument,
                  "the advisory index was written on a machine of another byte order");
  }
  if (header.format_version != internal::kIndexFormatVersion) {
    return Status(StatusCode::kInvalidArgument,
                  "the advisory index has format version " + std::to_string(header.format_version) +
                      ", this bulwark reads version " +
                      std::to_string(internal::kIndexFormatVersion) + "; rebuild it");
  }
  if (header.file_size != bytes.size()) return Corrupt("truncated or padded");
  if (header.section_count != internal::kSectionCount) return Corrupt("wrong section count");
  if (FileCrc32(bytes) != header.crc32) {
    return Corrupt("checksum mismatch");
  }

  auto layout = std::make_unique<IndexLayout>();
  layout->owner = std::move(owner);
  layout->bytes = bytes;
  std::span<const char> blob;
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kBlob], &blob, "blob"));
  layout->blob = std::string_view(blob.data(), blob.size());
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kAdvisories], &layout->advisories,
                                 "advisories"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kAliases], &layout->aliases, "aliases"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kPackages], &layout->packages, "packages"));
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kPackageTable],
                                 &layout->package_table, "package table"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kLexicons], &layout->lexicons, "lexicons"));
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kLexiconVersions],
                                 &layout->lexicon_versions, "lexicon versions"));
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kLexiconKeys],
                                 &layout->lexicon_keys, "lexicon keys"));
  if (layout->lexicon_keys.size() != layout->lexicon_versions.size()) {
    return Corrupt("lexicon versions and their keys differ in number");
  }
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kEntries], &layout->entries, "entries"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kIntervals], &layout->intervals, "intervals"));
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kListedVersions], &layout->listed,
                                 "listed versions"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kPoints], &layout->points, "points"));
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kSpanBounds],
                                 &layout->span_bounds, "span bounds"));
  BW_RETURN_IF_ERROR(SectionSpan(bytes, header.sections[internal::kSpanTargets],
                                 &layout->span_targets, "span targets"));
  if (layout->span_targets.size() != layout->span_bounds.size()) {
    return Corrupt("span bounds and their targets differ in number");
  }

  const IndexLayout& l = *layout;
  size_t blob_size = l.blob.size();
  for (const AdvisoryRecord& a : l.advisories) {
    if (!StrFits(a.id, blob_size) || !StrFits(a.summary, blob_size) ||
        !RangeFits(a.alias_begin, a.alias_count, l.aliases.size())) {
      return Corrupt("an advisory record points outside the index");
    }
  }
  for (StrRef alias : l.aliases) {
    if (!StrFits(alias, blob_size)) return Corrupt("an alias points outside the index");
  }
  for (size_t i = 0; i < l.packages.size(); ++i) {
    const PackageRecord& p = l.packages[i];
    if (!StrFits(p.ecosystem, blob_size) || !StrFits(p.name, blob_size) ||
        !RangeFits(p.entry_begin, p.entry_count, l.entries.size()) ||
        !RangeFits(p.lexicon_begin, p.lexicon_count, l.lexicons.size())) {
      return Corrupt("a package record points outside the index");
    }
    if (i > 0) {
      const PackageRecord& prev = l.packages[i - 1];
      if (std::tuple(l.Str(prev.ecosystem), l.Str(prev.name)) >=
          std::tuple(l.Str(p.ecosystem), l.Str(p.name))) {
        return Corrupt("packages are not sorted");
      }
    }
  }
  // The table is a power of two with room to spare, its slots name packages, and probing finds
  // every package: a lookup then never misses one that is there.
  size_t table_size = l.package_table.size();
  if ((table_size & (table_size - 1)) != 0 ||
      (l.packages.empty() ? table_size != 0 : table_size <= l.packages.size())) {
    return Corrupt("the package table has the wrong size");
  }
  for (const PackageSlot& slot : l.package_table) {
    if (slot.package_plus_one > l.packages.size()) return Corrupt("a package slot points outside");
  }
  for (const PackageRecord& p : l.packages) {
    std::string_view ecosystem = l.Str(p.ecosystem), name = l.Str(p.name);
    if (FindPackage(l, ecosystem, name, internal::PackageKeyHash(ecosystem, name)) != &p) {
      return Corrupt("the package table does not find a package");
    }
  }
  for (const LexiconRecord& lexicon : l.lexicons) {
    if ((lexicon.scheme >= kSchemeCount && lexicon.scheme != internal::kNoScheme) ||
        lexicon.version_count > internal::kMaxLexiconVersions ||
        !RangeFits(lexicon.version_begin, lexicon.version_count, l.lexicon_versions.size()) ||
        !RangeFits(lexicon.span_begin, lexicon.span_count, l.span_bounds.size())) {
      return Corrupt("a lexicon record is malformed");
    }
    for (uint32_t i = 1; i < lexicon.version_count; ++i) {
      if (l.lexicon_keys[lexicon.version_begin + i - 1] >
          l.lexicon_keys[lexicon.version_begin + i]) {
        return Corrupt("a lexicon is not sorted");
      }
    }
  }
  auto target_fits = [&](const MatchTarget& target) {
    return target.entry < l.entries.size() && target.advisory < l.advisories.size() &&
           (target.part == kListed || target.part < l.intervals.size());
  };
  for (const MatchTarget& point : l.points) {
    if (!target_fits(point)) return Corrupt("a listed version points outside the index");
  }
  for (const MatchTarget& target : l.span_targets) {
    if (!target_fits(target)) return Corrupt("an interval span points outside the index");
  }
  for (const LexiconVersion& v : l.lexicon_versions) {
    if (!StrFits(v.version, blob_size) ||
        !RangeFits(v.point_begin, v.point_count, l.points.size())) {
      return Corrupt("a lexicon version points outside the index");
    }
  }
  for (const EntryRecord& e : l.entries) {
    if (e.advisory >= l.advisories.size() ||
        (e.ecosystem_scheme >= kSchemeCount && e.ecosystem_scheme != internal::kNoScheme) ||
        e.severity > static_cast<uint8_t>(SeverityLevel::kCritical) ||
        !StrFits(e.ecosystem, blob_size) || !StrFits(e.name, blob_size) ||
        !RangeFits(e.interval_begin, e.interval_count, l.intervals.size()) ||
        !RangeFits(e.listed_begin, e.listed_count, l.listed.size()) ||
        (e.listed_count > 0 && e.listed_lexicon >= l.lexicons.size())) {
      return Corrupt("an affected-package record points outside the index");
    }
    for (uint32_t i = 0; i < e.listed_count; ++i) {
      uint32_t rank = l.listed[e.listed_begin + i];
      if (rank >= l.lexicons[e.listed_lexicon].version_count ||
          (i > 0 && l.listed[e.listed_begin + i - 1] >= rank)) {
        return Corrupt("listed versions are out of their lexicon or not sorted");
      }
    }
  }
  for (const IntervalRecord& r : l.intervals) {
    if (r.scheme >= kSchemeCount || r.upper_kind > static_cast<uint8_t>(UpperKind::kLimit) ||
        !StrFits(r.lower, blob_size) || !StrFits(r.upper, blob_size) ||
        r.lexicon >= l.lexicons.size() || l.lexicons[r.lexicon].scheme != r.scheme ||
        (!r.lower_open && r.lower_rank >= l.lexicons[r.lexicon].version_count) ||
        (r.upper_kind != static_cast<uint8_t>(UpperKind::kNone) &&
         r.upper_rank >= l.lexicons[r.lexicon].version_count)) {
      return Corrupt("an interval record is malformed");
    }
  }
  return layout;
}

// Heap storage for an index, 8-byte aligned.
std::shared_ptr<const void> AlignedCopy(std::string_view bytes, std::string_view* view) {
  auto storage = std::make_shared<std::vector<uint64_t>>((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(storage->data(), bytes.data(), bytes.size());
  *view = std::string_view(reinterpret_cast<const char*>(storage->data()), bytes.size());
  return storage;
}

}  // namespace

// -----------------------------------------------------------------------------------------------
// AdvisoryIndex.

AdvisoryIndex::AdvisoryIndex() {
  // An empty index: no advisories. Built through the builder so the layout is valid.
  *this = AdvisoryIndexBuilder().Finish();
}
AdvisoryIndex::AdvisoryIndex(std::unique_ptr<IndexLayout> layout) : layout_(std::move(layout)) {}
AdvisoryIndex::AdvisoryIndex(AdvisoryIndex&&) noexcept = default;
AdvisoryIndex& AdvisoryIndex::operator=(AdvisoryIndex&&) noexcept = default;
AdvisoryIndex::~AdvisoryIndex() = default;

StatusOr<AdvisoryIndex> AdvisoryIndex::Load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable,
                  "cannot open advisory index " + path + ": " + std::strerror(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(StatusCode::kInvalidArgument, path + " is not a regular file");
  }
  auto size = static_cast<size_t>(st.st_size);
  if (size < sizeof(IndexHeader)) {
    ::close(fd);
    return Corrupt(path + " is shorter than an index header");
  }
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) {
    return Status(StatusCode::kUnavailable,
                  "cannot map advisory index " + path + ": " + std::strerror(errno));
  }
  std::shared_ptr<const void> owner(
      mapped, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  BW_ASSIGN_OR_RETURN(
      std::unique_ptr<IndexLayout> layout,
      Validate(std::move(owner), std::string_view(static_cast<const char*>(mapped), size)));
  return AdvisoryIndex(std::move(layout));
}

StatusOr<AdvisoryIndex> AdvisoryIndex::FromBytes(std::string_view bytes) {
  std::string_view view;
  std::shared_ptr<const void> owner = AlignedCopy(bytes, &view);
  BW_ASSIGN_OR_RETURN(std::unique_ptr<IndexLayout> layout, Validate(std::move(owner), view));
  return AdvisoryIndex(std::move(layout));
}

Status AdvisoryIndex::Save(const std::string& path) const {
  std::string temporary = path + ".tmp";
  FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr) {
    return Status(StatusCode::kUnavailable,
                  "cannot write " + temporary + ": " + std::strerror(errno));
  }
  std::string_view data = bytes();
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = (std::fflush(f) == 0) && ok;
  ok = (::fsync(fileno(f)) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status(StatusCode::kUnavailable, "cannot write " + path + ": " + std::strerror(errno));
  }
  return Status();
}

std::string_view AdvisoryIndex::bytes() const { return layout_->bytes; }
size_t AdvisoryIndex::advisory_count() const { return layout_->advisories.size(); }
size_t AdvisoryIndex::package_count() const { return layout_->packages.size(); }

std::vector<PackageKey> AdvisoryIndex::PackageKeys() const {
  std::vector<PackageKey> keys;
  keys.reserve(layout_->packages.size());
  for (const PackageRecord& p : layout_->packages) {
    keys.push_back({std::string(layout_->Str(p.ecosystem)), std::string(layout_->Str(p.name))});
  }
  return keys;
}

std::vector<Finding> AdvisoryIndex::Match(std::span<const PurlPackage> packages) const {
  std::vector<MatchRef> refs;
  MatchRefs(packages, &refs);
  std::vector<Finding> findings;
  findings.reserve(refs.size());
  for (const MatchRef& ref : refs) findings.push_back(Describe(ref, packages[ref.package]));
  return findings;
}

namespace {

// Calls `held(i)` for each of the lexicon's spans i that holds `position`, in order. Most spans
// of a package with many advisories hold nothing: four are tried at once where SSE2 is there.
template <typename Held>
void ForEachSpanHolding(const IndexLayout& l, const LexiconRecord& lexicon, uint64_t position,
                        Held&& held) {
  const SpanBounds* bounds = l.span_bounds.data() + lexicon.span_begin;
  uint32_t count = lexicon.span_count;
  // Positions stay below 2 * kMaxLexiconVersions + 2, so they fit in 32 bits.
  auto p = static_cast<uint32_t>(position);
  uint32_t i = 0;
#if defined(__SSE2__)
  // SSE2 compares signed 32-bit lanes; flipping the top bit of both sides orders them unsigned.
  const __m128i flip = _mm_set1_epi32(std::numeric_limits<int32_t>::min());
  const __m128i at = _mm_xor_si128(_mm_set1_epi32(static_cast<int32_t>(p)), flip);
  for (; i + 4 <= count; i += 4) {
    __m128 first = _mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bounds + i)));
    __m128 second =
        _mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bounds + i + 2)));
    __m128i lowers = _mm_xor_si128(
        _mm_castps_si128(_mm_shuffle_ps(first, second, _MM_SHUFFLE(2, 0, 2, 0))), flip);
    __m128i ends = _mm_xor_si128(
        _mm_castps_si128(_mm_shuffle_ps(first, second, _MM_SHUFFLE(3, 1, 3, 1))), flip);
    // Held when not lower > p and end > p.
    __m128i holds = _mm_andnot_si128(_mm_cmpgt_epi32(lowers, at), _mm_cmpgt_epi32(ends, at));
    for (int mask = _mm_movemask_ps(_mm_castsi128_ps(holds)); mask != 0; mask &= mask - 1) {
      held(i + static_cast<uint32_t>(__builtin_ctz(mask)));
    }
  }
#endif
  for (; i < count; ++i) {
    if (bounds[i].lower <= p && p < bounds[i].end) held(i);
  }
}

// The matches of one package found in the index: its version placed once in each of the
// package's lexicons (the first one's place is given), then the listed versions it is and the
// intervals it is in.
void MatchRecord(const IndexLayout& l, const PackageRecord& record, const PurlPackage& package,
                 uint64_t first_position, uint32_t package_index, std::vector<MatchTarget>* hits,
                 std::vector<AdvisoryIndex::MatchRef>* out) {
  hits->clear();
  for (uint32_t k = record.lexicon_begin; k < record.lexicon_begin + record.lexicon_count; ++k) {
    const LexiconRecord& lexicon = l.lexicons[k];
    uint64_t position =
        k == record.lexicon_begin ? first_position : PositionIn(l, k, package.version);
    if (position % 2 == 1) {
      const LexiconVersion& v = l.lexicon_versions[lexicon.version_begin + position / 2];
      std::span<const MatchTarget> points = l.points.subspan(v.point_begin, v.point_count);
      hits->insert(hits->end(), points.begin(), points.end());
    }
    const MatchTarget* targets = l.span_targets.data() + lexicon.span_begin;
    ForEachSpanHolding(l, lexicon, position, [&](uint32_t i) { hits->push_back(targets[i]); });
  }
  // In entry order, and within an entry in the order AffectingPart tries the parts.
  auto part_order = [](uint32_t part) { return part == kListed ? 0 : uint64_t{part} + 1; };
  std::sort(hits->begin(), hits->end(), [&](const MatchTarget& a, const MatchTarget& b) {
    return std::tuple(a.entry, part_order(a.part)) < std::tuple(b.entry, part_order(b.part));
  });
  // One finding per entry (its first part), and per advisory (its first entry).
  uint32_t last_entry = std::numeric_limits<uint32_t>::max();
  uint32_t last_advisory = std::numeric_limits<uint32_t>::max();
  for (const MatchTarget& hit : *hits) {
    if (hit.entry == last_entry) continue;
    last_entry = hit.entry;
    if (hit.advisory == last_advisory) continue;
    last_advisory = hit.advisory;
    out->push_back({package_index, hit.entry, hit.part});
  }
}

void Prefetch(const void* address) { __builtin_prefetch(address); }

}  // namespace

void AdvisoryIndex::MatchRefs(std::span<const PurlPackage> packages,
                              std::vector<MatchRef>* out) const {
  const IndexLayout& l = *layout_;
  size_t table_size = l.package_table.size();
  if (table_size == 0) return;
  // Lookups go in groups, stage by stage. Each stage starts, for every lookup of the group, the
  // memory reads the next stage needs, so the group's cache misses overlap instead of following
  // one another. The stages only prefetch; the last one decides every match by itself.
  constexpr size_t kGroup = 16;
  // A tie between keys is settled by reading the text of at most this many versions at once.
  constexpr uint32_t kPrefetchedTies = 4;
  struct Lookup {
    uint64_t hash;
    const PackageRecord* record;  // the package, once found
    KeyRange range;               // the version's keys in the package's first lexicon
    uint64_t first_position;      // the version's place in it
  };
  std::array<Lookup, kGroup> group;
  std::vector<MatchTarget> hits;
  for (size_t base = 0; base < packages.size(); base += kGroup) {
    size_t n = std::min(kGroup, packages.size() - base);
    auto package = [&](size_t j) -> const PurlPackage& { return packages[base + j]; };
    // 1. Hash the keys; start reading their slots, and the next group's keys.
    for (size_t j = base + kGroup; j < std::min(base + 2 * kGroup, packages.size()); ++j) {
      Prefetch(packages[j].key.name.data());
    }
    for (size_t j = 0; j < n; ++j) {
      group[j].hash = internal::PackageKeyHash(package(j).key.ecosystem, package(j).key.name);
      Prefetch(l.package_table.data() + (group[j].hash & (table_size - 1)));
    }
    // 2. The key's first slot most likely holds the package; start reading it.
    for (size_t j = 0; j < n; ++j) {
      const PackageSlot& s = l.package_table[group[j].hash & (table_size - 1)];
      group[j].record =
          s.package_plus_one != 0 && s.tag == static_cast<uint32_t>(group[j].hash >> 32)
              ? &l.packages[s.package_plus_one - 1]
              : nullptr;
      if (group[j].record != nullptr) Prefetch(group[j].record);
    }
    // 3. Start reading that package's key text and first lexicon.
    for (size_t j = 0; j < n; ++j) {
      const PackageRecord* record = group[j].record;
      if (record == nullptr) continue;
      Prefetch(l.blob.data() + record->name.offset);
      if (record->lexicon_count > 0) Prefetch(l.lexicons.data() + record->lexicon_begin);
    }
    // 4. Find the package; start reading the middle of its keys, where the search begins, and
    // its spans.
    for (size_t j = 0; j < n; ++j) {
      const PackageRecord*& record = group[j].record;
      record = package(j).version.empty()
                   ? nullptr
                   : FindPackage(l, package(j).key.ecosystem, package(j).key.name, group[j].hash);
      if (record == nullptr || record->lexicon_count == 0) continue;
      const LexiconRecord& lexicon = l.lexicons[record->lexicon_begin];
      Prefetch(l.lexicon_keys.data() + lexicon.version_begin + lexicon.version_count / 2);
      Prefetch(l.span_bounds.data() + lexicon.span_begin);
    }
    // 5. Search the keys of the first lexicon. When versions share the installed version's key,
    // start reading their records.
    for (size_t j = 0; j < n; ++j) {
      const PackageRecord* record = group[j].record;
      if (record == nullptr || record->lexicon_count == 0) continue;
      const LexiconRecord& lexicon = l.lexicons[record->lexicon_begin];
      KeyRange& range = group[j].range;
      range = RangeOfKey(l, lexicon, package(j).version);
      if (range.settled) continue;
      Prefetch(l.lexicon_versions.data() + lexicon.version_begin + range.lo);
      Prefetch(l.lexicon_versions.data() + lexicon.version_begin +
               std::min(range.hi, range.lo + kPrefetchedTies) - 1);
    }
    // 6. Start reading those versions' text.
    for (size_t j = 0; j < n; ++j) {
      const PackageRecord* record = group[j].record;
      if (record == nullptr || record->lexicon_count == 0 || group[j].range.settled) continue;
      const LexiconRecord& lexicon = l.lexicons[record->lexicon_begin];
      const KeyRange& range = group[j].range;
      for (uint32_t rank = range.lo; rank < std::min(range.hi, range.lo + kPrefetchedTies);
           ++rank) {
        Prefetch(l.blob.data() + l.lexicon_versions[lexicon.version_begin + rank].version.offset);
      }
    }
    // 7. Place the version in the first lexicon; start reading the record of the lexicon
    // version it equals, which names the listed versions it is, and the targets of the spans
    // that hold it.
    for (size_t j = 0; j < n; ++j) {
      const PackageRecord* record = group[j].record;
      if (record == nullptr || record->lexicon_count == 0) continue;
      const LexiconRecord& lexicon = l.lexicons[record->lexicon_begin];
      uint64_t position = Settle(l, lexicon, package(j).version, group[j].range);
      group[j].first_position = position;
      if (position % 2 == 1) {
        Prefetch(l.lexicon_versions.data() + lexicon.version_begin + position / 2);
      }
      const MatchTarget* targets = l.span_targets.data() + lexicon.span_begin;
      ForEachSpanHolding(l, lexicon, position, [&](uint32_t i) { Prefetch(targets + i); });
    }
    // 8. Match.
    for (size_t j = 0; j < n; ++j) {
      if (group[j].record == nullptr) continue;
      MatchRecord(l, *group[j].record, package(j), group[j].first_position,
                  static_cast<uint32_t>(base + j), &hits, out);
    }
  }
}

Finding AdvisoryIndex::Describe(const MatchRef& ref, const PurlPackage& package) const {
  const IndexLayout& l = *layout_;
  const EntryRecord& entry = l.entries[ref.entry];
  const AdvisoryRecord& advisory = l.advisories[entry.advisory];
  Finding f;
  f.package = ref.package;
  f.advisory_id = l.Str(advisory.id);
  f.aliases.reserve(advisory.alias_count);
  for (uint32_t a = 0; a < advisory.alias_count; ++a) {
    f.aliases.emplace_back(l.Str(l.aliases[advisory.alias_begin + a]));
  }
  f.summary = l.Str(advisory.summary);
  f.severity = static_cast<SeverityLevel>(entry.severity);
  if (entry.has_score) f.score = static_cast<double>(entry.score);
  f.ecosystem = l.Str(entry.ecosystem);
  f.package_name = l.Str(entry.name);
  f.installed_version = package.version;
  if (ref.part == kListed) {
    f.range_type = "versions";
  } else {
    const IntervalRecord& interval = l.intervals[ref.part];
    f.range_type = interval.semver_range ? "SEMVER" : "ECOSYSTEM";
    f.introduced = interval.lower_open ? "0" : std::string(l.Str(interval.lower));
    std::string upper(l.Str(interval.upper));
    switch (static_cast<UpperKind>(interval.upper_kind)) {
      case UpperKind::kNone:
        break;
      case UpperKind::kFixed:
        f.fixed = std::move(upper);
        break;
      case UpperKind::kLastAffected:
        f.last_affected = std::move(upper);
        break;
      case UpperKind::kLimit:
        f.limit = std::move(upper);
        break;
    }
  }
  Placement version(l, package.version);
  f.upgrade_to = UpgradeTarget(l, entry, version);
  return f;
}

// -----------------------------------------------------------------------------------------------
// AdvisoryIndexBuilder.

struct AdvisoryIndexBuilder::State {
  std::string blob;
  std::unordered_map<std::string, StrRef> interned;
  std::vector<AdvisoryRecord> advisories;
  std::vector<Time> modified;
  std::vector<bool> superseded;
  std::unordered_map<std::string, uint32_t> by_id;
  std::vector<StrRef> aliases;
  // Entries and intervals as Add reads them; Finish groups them by package and fills in the
  // lexicons and ranks. An entry's listed_begin and listed_count point into listed_text here.
  std::vector<EntryRecord> entries;
  std::vector<StrRef> entry_key_ecosystem;  // parallel to entries
  std::vector<StrRef> entry_key_name;
  std::vector<IntervalRecord> intervals;
  std::vector<StrRef> listed_text;

  StrRef Append(std::string_view s) {
    StrRef ref{static_cast<uint32_t>(blob.size()), static_cast<uint32_t>(s.size())};
    blob.append(s);
    return ref;
  }
  // Short strings repeat (ecosystems, names, versions, aliases); store each once.
  StrRef Intern(std::string_view s) {
    auto [it, inserted] = interned.try_emplace(std::string(s), StrRef{});
    if (inserted) it->second = Append(s);
    return it->second;
  }
  std::string_view Str(StrRef ref) const {
    return std::string_view(blob).substr(ref.offset, ref.size);
  }
};

AdvisoryIndexBuilder::AdvisoryIndexBuilder() : state_(std::make_unique<State>()) {}
AdvisoryIndexBuilder::~AdvisoryIndexBuilder() = default;

size_t AdvisoryIndexBuilder::advisory_count() const {
  return static_cast<size_t>(
      std::count(state_->superseded.begin(), state_->superseded.end(), false));
}

namespace {

// A range's events in the order the OSV evaluation walks them: by version in the range's
// scheme, "introduced: 0" first. At one version an introduction comes first, then a fix or
// limit, then a last_affected: walking them, a fix at a version leaves it unaffected whatever
// last_affected says, so the interval closes there exclusively.
int TieOrder(RangeEvent::Kind kind) {
  switch (kind) {
    case RangeEvent::Kind::kIntroduced:
      return 0;
    case RangeEvent::Kind::kFixed:
    case RangeEvent::Kind::kLimit:
      return 1;
    case RangeEvent::Kind::kLastAffected:
      return 2;
  }
  return 2;
}

std::vector<const RangeEvent*> SortedEvents(const AffectedRange& range,
                                            const VersionOrdering& ordering) {
  std::vector<const RangeEvent*> events;
  for (const RangeEvent& e : range.events) events.push_back(&e);
  auto is_zero = [](const RangeEvent* e) {
    return e->kind == RangeEvent::Kind::kIntroduced && e->version == "0";
  };
  std::stable_sort(events.begin(), events.end(), [&](const RangeEvent* a, const RangeEvent* b) {
    if (is_zero(a) != is_zero(b)) return is_zero(a);
    if (is_zero(a)) return false;
    int c = ordering.Compare(a->version, b->version);
    if (c != 0) return c < 0;
    return TieOrder(a->kind) < TieOrder(b->kind);
  });
  return events;
}

}  // namespace

Status AdvisoryIndexBuilder::Add(const Advisory& advisory) {
  State& s = *state_;
  std::vector<PackageKey> keys;
  for (const AffectedPackage& package : advisory.affected) {
    BW_ASSIGN_OR_RETURN(PackageKey key, KeyForAffected(package.ecosystem, package.name));
    keys.push_back(std::move(key));
  }
  // u32 offsets address the blob; refuse to grow past them rather than wrap.
  if (s.blob.size() > (uint64_t{1} << 32) - (uint64_t{64} << 20)) {
    return Status(StatusCode::kResourceExhausted, "the advisory index is full (4 GiB of text)");
  }

  auto existing = s.by_id.find(advisory.id);
  if (existing != s.by_id.end()) {
    if (advisory.modified <= s.modified[existing->second]) return Status();
    s.superseded[existing->second] = true;
  }
  if (advisory.withdrawn.has_value()) {
    ++withdrawn_;
    if (existing != s.by_id.end()) s.by_id.erase(existing);
    return Status();
  }

  auto number = static_cast<uint32_t>(s.advisories.size());
  AdvisoryRecord record{};
  record.id = s.Append(advisory.id);
  record.summary = s.Append(std::string_view(advisory.summary).substr(0, kMaxSummaryBytes));
  record.alias_begin = static_cast<uint32_t>(s.aliases.size());
  for (const std::string& alias : advisory.aliases) s.aliases.push_back(s.Intern(alias));
  record.alias_count = static_cast<uint32_t>(advisory.aliases.size());
  s.advisories.push_back(record);
  s.modified.push_back(advisory.modified);
  s.superseded.push_back(false);
  s.by_id[advisory.id] = number;

  for (size_t p = 0; p < advisory.affected.size(); ++p) {
    const AffectedPackage& package = advisory.affected[p];
    std::optional<VersionScheme> ecosystem_scheme = SchemeForEcosystem(package.ecosystem);
    AssessedSeverity severity = AssessSeverity(advisory, &package);
    EntryRecord entry{};
    entry.advisory = number;
    entry.ecosystem_scheme =
        ecosystem_scheme ? static_cast<uint8_t>(*ecosystem_scheme) : internal::kNoScheme;
    entry.severity = static_cast<uint8_t>(severity.level);
    entry.has_score = severity.score.has_value();
    entry.score = static_cast<float>(severity.score.value_or(0));
    entry.ecosystem = s.Intern(package.ecosystem);
    entry.name = s.Intern(package.name);
    entry.interval_begin = static_cast<uint32_t>(s.intervals.size());
    for (const AffectedRange& range : package.ranges) {
      std::optional<VersionScheme> scheme;
      if (range.type == AffectedRange::Type::kSemver) scheme = VersionScheme::kSemVer;
      if (range.type == AffectedRange::Type::kEcosystem) scheme = ecosystem_scheme;
      if (!scheme) continue;  // GIT ranges, and ecosystems without an order
      const VersionOrdering& ordering = OrderingFor(*scheme);
      bool open = false;
      IntervalRecord interval{};
      for (const RangeEvent* e : SortedEvents(range, ordering)) {
        if (e->kind == RangeEvent::Kind::kIntroduced) {
          if (open) continue;
          open = true;
          interval = IntervalRecord{};
          interval.scheme = static_cast<uint8_t>(*scheme);
          interval.semver_range = range.type == AffectedRange::Type::kSemver;
          interval.lower_open = e->version == "0";
          if (!interval.lower_open) interval.lower = s.Intern(e->version);
          continue;
        }
        if (!open) continue;
        open = false;
        interval.upper = s.Intern(e->version);
        interval.upper_kind = static_cast<uint8_t>(
            e->kind == RangeEvent::Kind::kFixed          ? UpperKind::kFixed
            : e->kind == RangeEvent::Kind::kLastAffected ? UpperKind::kLastAffected
                                                         : UpperKind::kLimit);
        s.intervals.push_back(interval);
      }
      if (open) s.intervals.push_back(interval);
    }
    entry.interval_count = static_cast<uint32_t>(s.intervals.size()) - entry.interval_begin;
    entry.listed_begin = static_cast<uint32_t>(s.listed_text.size());
    for (const std::string& v : package.versions) s.listed_text.push_back(s.Intern(v));
    entry.listed_count = static_cast<uint32_t>(s.listed_text.size()) - entry.listed_begin;
    s.entries.push_back(entry);
    s.entry_key_ecosystem.push_back(s.Intern(keys[p].ecosystem));
    s.entry_key_name.push_back(s.Intern(keys[p].name));
  }
  return Status();
}

AdvisoryIndex AdvisoryIndexBuilder::Finish() && {
  State& s = *state_;
  // Live advisories, numbered in id order.
  std::vector<uint32_t> live;
  for (uint32_t i = 0; i < s.advisories.size(); ++i) {
    if (!s.superseded[i]) live.push_back(i);
  }
  std::sort(live.begin(), live.end(), [&](uint32_t a, uint32_t b) {
    return s.Str(s.advisories[a].id) < s.Str(s.advisories[b].id);
  });
  std::vector<uint32_t> renumbered(s.advisories.size(), std::numeric_limits<uint32_t>::max());
  std::vector<AdvisoryRecord> advisories;
  advisories.reserve(live.size());
  for (uint32_t i : live) {
    renumbered[i] = static_cast<uint32_t>(advisories.size());
    advisories.push_back(s.advisories[i]);
  }

  // Live entries, grouped by package key, then by advisory id.
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < s.entries.size(); ++i) {
    if (!s.superseded[s.entries[i].advisory]) order.push_back(i);
  }
  auto package_of = [&](uint32_t i) {
    return std::tuple(s.Str(s.entry_key_ecosystem[i]), s.Str(s.entry_key_name[i]));
  };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::tuple(package_of(a), renumbered[s.entries[a].advisory]) <
           std::tuple(package_of(b), renumbered[s.entries[b].advisory]);
  });
  std::vector<EntryRecord> entries;
  std::vector<PackageRecord> packages;
  std::vector<LexiconRecord> lexicons;
  std::vector<LexiconVersion> lexicon_versions;
  std::vector<uint64_t> lexicon_keys;
  // Intervals and listed versions in entry order, so one package's are contiguous and a
  // lookup reads one stretch of each section instead of one cache line per entry.
  std::vector<IntervalRecord> intervals;
  std::vector<uint32_t> listed;
  std::vector<MatchTarget> points;
  std::vector<SpanBounds> span_bounds;
  std::vector<MatchTarget> span_targets;
  entries.reserve(order.size());
  intervals.reserve(s.intervals.size());
  listed.reserve(s.listed_text.size());
  for (size_t begin = 0, end = 0; begin < order.size(); begin = end) {
    end = begin + 1;
    while (end < order.size() && package_of(order[end]) == package_of(order[begin])) ++end;
    std::span<const uint32_t> package_entries(order.data() + begin, end - begin);

    // The package's lexicons: the distinct versions of its bounds and listed versions, one set
    // per order they are compared in. Interned strings are equal exactly when their references
    // are (an empty string may share its offset with the next one, so the size counts too).
    std::map<uint8_t, std::vector<StrRef>> members;
    for (uint32_t i : package_entries) {
      const EntryRecord& e = s.entries[i];
      for (uint32_t k = e.interval_begin; k < e.interval_begin + e.interval_count; ++k) {
        // Every interval names its scheme's lexicon, even one with no bounds ("introduced":
        // "0" alone), whose lexicon may then be empty.
        const IntervalRecord& interval = s.intervals[k];
        std::vector<StrRef>& bounds = members[interval.scheme];
        if (!interval.lower_open) bounds.push_back(interval.lower);
        if (interval.upper_kind != static_cast<uint8_t>(UpperKind::kNone)) {
          bounds.push_back(interval.upper);
        }
      }
      for (uint32_t k = e.listed_begin; k < e.listed_begin + e.listed_count; ++k) {
        members[e.ecosystem_scheme].push_back(s.listed_text[k]);
      }
    }
    std::map<uint8_t, uint32_t> lexicon_of;                            // scheme -> lexicon
    std::map<std::tuple<uint8_t, uint32_t, uint32_t>, uint32_t> rank;  // (scheme, ref) -> rank
    auto ref_order = [](StrRef a, StrRef b) {
      return std::tuple(a.offset, a.size) < std::tuple(b.offset, b.size);
    };
    auto same_ref = [](StrRef a, StrRef b) { return a.offset == b.offset && a.size == b.size; };
    for (auto& [scheme, refs] : members) {
      std::sort(refs.begin(), refs.end(), ref_order);
      refs.erase(std::unique(refs.begin(), refs.end(), same_ref), refs.end());
      std::vector<std::pair<uint64_t, StrRef>> keyed;
      keyed.reserve(refs.size());
      for (StrRef ref : refs) keyed.emplace_back(LexiconKey(scheme, s.Str(ref)), ref);
      uint8_t order_scheme = scheme;
      // Stable, because a scheme's order need not be transitive (Maven's is not): merge sort
      // stays within bounds for any deterministic comparison, std::sort's partitions do not.
      std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        return LexiconCompare(order_scheme, s.Str(a.second), s.Str(b.second)) < 0;
      });
      LexiconRecord lexicon{};
      lexicon.version_begin = static_cast<uint32_t>(lexicon_versions.size());
      lexicon.scheme = scheme;
      for (const auto& [key, ref] : keyed) {
        // Versions equal in the order ("1.0" and "1.0.0" in some schemes) share a rank.
        bool same = lexicon.version_count > 0 && lexicon_keys.back() == key &&
                    LexiconCompare(scheme, s.Str(lexicon_versions.back().version), s.Str(ref)) == 0;
        if (!same) {
          lexicon_versions.push_back({ref, 0, 0});
          lexicon_keys.push_back(key);
          ++lexicon.version_count;
        }
        rank[{scheme, ref.offset, ref.size}] = lexicon.version_count - 1;
      }
      lexicon_of[scheme] = static_cast<uint32_t>(lexicons.size());
      lexicons.push_back(lexicon);
    }

    packages.push_back({s.entry_key_ecosystem[package_entries[0]],
                        s.entry_key_name[package_entries[0]], static_cast<uint32_t>(entries.size()),
                        static_cast<uint32_t>(package_entries.size()),
                        static_cast<uint32_t>(lexicons.size() - lexicon_of.size()),
                        static_cast<uint32_t>(lexicon_of.size())});
    // Each lexicon's points and spans, in entry order.
    std::map<uint32_t, std::vector<std::pair<uint32_t, MatchTarget>>> lexicon_points;
    std::map<uint32_t, std::vector<std::pair<SpanBounds, MatchTarget>>> lexicon_spans;
    for (uint32_t i : package_entries) {
      auto entry_number = static_cast<uint32_t>(entries.size());
      EntryRecord e = s.entries[i];
      e.advisory = renumbered[e.advisory];
      auto interval_begin = static_cast<uint32_t>(intervals.size());
      for (uint32_t k = e.interval_begin; k < e.interval_begin + e.interval_count; ++k) {
        IntervalRecord interval = s.intervals[k];
        interval.lexicon = lexicon_of[interval.scheme];
        if (!interval.lower_open) {
          interval.lower_rank = rank[{interval.scheme, interval.lower.offset, interval.lower.size}];
        }
        if (interval.upper_kind != static_cast<uint8_t>(UpperKind::kNone)) {
          interval.upper_rank = rank[{interval.scheme, interval.upper.offset, interval.upper.size}];
        }
        intervals.push_back(interval);
      }
      e.interval_begin = interval_begin;
      auto listed_begin = static_cast<uint32_t>(listed.size());
      for (uint32_t k = e.listed_begin; k < e.listed_begin + e.listed_count; ++k) {
        StrRef text = s.listed_text[k];
        listed.push_back(rank[{e.ecosystem_scheme, text.offset, text.size}]);
      }
      std::sort(listed.begin() + listed_begin, listed.end());
      listed.erase(std::unique(listed.begin() + listed_begin, listed.end()), listed.end());
      e.listed_begin = listed_begin;
      e.listed_count = static_cast<uint32_t>(listed.size()) - listed_begin;
      // An entry without listed versions still names a lexicon, so every record validates.
      e.listed_lexicon = e.listed_count > 0 ? lexicon_of[e.ecosystem_scheme] : 0;
      for (uint32_t k = e.listed_begin; k < e.listed_begin + e.listed_count; ++k) {
        lexicon_points[e.listed_lexicon].push_back(
            {listed[k], {entry_number, kListed, e.advisory}});
      }
      for (uint32_t k = e.interval_begin; k < e.interval_begin + e.interval_count; ++k) {
        const IntervalRecord& interval = intervals[k];
        lexicon_spans[interval.lexicon].emplace_back(SpanOf(interval),
                                                     MatchTarget{entry_number, k, e.advisory});
      }
      entries.push_back(e);
    }
    for (auto& [lexicon, lexicon_point_list] : lexicon_points) {
      // By rank; stable, so each rank's points stay in entry order.
      std::stable_sort(lexicon_point_list.begin(), lexicon_point_list.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [point_rank, target] : lexicon_point_list) {
        LexiconVersion& v = lexicon_versions[lexicons[lexicon].version_begin + point_rank];
        if (v.point_count == 0) v.point_begin = static_cast<uint32_t>(points.size());
        ++v.point_count;
        points.push_back(target);
      }
    }
    for (auto& [lexicon, lexicon_span_list] : lexicon_spans) {
      lexicons[lexicon].span_begin = static_cast<uint32_t>(span_bounds.size());
      lexicons[lexicon].span_count = static_cast<uint32_t>(lexicon_span_list.size());
      for (const auto& [bounds, target] : lexicon_span_list) {
        span_bounds.push_back(bounds);
        span_targets.push_back(target);
      }
    }
  }

  // The blob, laid out for matching: what lookups read (each package's key, then the text of
  // its lexicons' versions, package by package) first and together, so that a lookup's text
  // shares pages and lines with its neighbours; advisories' ids, summaries and the rest after.
  // Superseded advisories' ids and summaries are left behind.
  {
    std::string blob;
    blob.reserve(s.blob.size());
    std::unordered_map<uint64_t, StrRef> moved;
    auto move = [&](StrRef& ref) {
      auto [it, inserted] = moved.try_emplace((uint64_t{ref.offset} << 32) | ref.size);
      if (inserted) {
        it->second = {static_cast<uint32_t>(blob.size()), ref.size};
        blob.append(s.Str(ref));
      }
      ref = it->second;
    };
    for (PackageRecord& package : packages) {
      move(package.ecosystem);
      move(package.name);
      for (uint32_t k = package.lexicon_begin; k < package.lexicon_begin + package.lexicon_count;
           ++k) {
        for (uint32_t v = 0; v < lexicons[k].version_count; ++v) {
          move(lexicon_versions[lexicons[k].version_begin + v].version);
        }
      }
    }
    for (AdvisoryRecord& advisory : advisories) {
      move(advisory.id);
      move(advisory.summary);
    }
    for (StrRef& alias : s.aliases) move(alias);
    for (EntryRecord& entry : entries) {
      move(entry.ecosystem);
      move(entry.name);
    }
    for (IntervalRecord& interval : intervals) {
      move(interval.lower);
      move(interval.upper);
    }
    s.blob = std::move(blob);
  }

  // The package table: open addressing, at most half full.
  size_t table_size = 0;
  if (!packages.empty()) {
    table_size = 2;
    while (table_size < 2 * packages.size()) table_size *= 2;
  }
  std::vector<PackageSlot> table(table_size);
  for (size_t p = 0; p < packages.size(); ++p) {
    uint64_t hash = internal::PackageKeyHash(s.Str(packages[p].ecosystem), s.Str(packages[p].name));
    size_t slot = hash & (table_size - 1);
    while (table[slot].package_plus_one != 0) slot = (slot + 1) & (table_size - 1);
    table[slot] = {static_cast<uint32_t>(p + 1), static_cast<uint32_t>(hash >> 32)};
  }

  // Lay the sections out, then copy each once into aligned storage.
  struct Piece {
    internal::Section section;
    const void* data;
    size_t size;
  };
  const Piece pieces[] = {
      {internal::kBlob, s.blob.data(), s.blob.size()},
      {internal::kAdvisories, advisories.data(), advisories.size() * sizeof(AdvisoryRecord)},
      {internal::kAliases, s.aliases.data(), s.aliases.size() * sizeof(StrRef)},
      {internal::kPackages, packages.data(), packages.size() * sizeof(PackageRecord)},
      {internal::kPackageTable, table.data(), table.size() * sizeof(PackageSlot)},
      {internal::kLexicons, lexicons.data(), lexicons.size() * sizeof(LexiconRecord)},
      {internal::kLexiconVersions, lexicon_versions.data(),
       lexicon_versions.size() * sizeof(LexiconVersion)},
      {internal::kEntries, entries.data(), entries.size() * sizeof(EntryRecord)},
      {internal::kIntervals, intervals.data(), intervals.size() * sizeof(IntervalRecord)},
      {internal::kListedVersions, listed.data(), listed.size() * sizeof(uint32_t)},
      {internal::kLexiconKeys, lexicon_keys.data(), lexicon_keys.size() * sizeof(uint64_t)},
      {internal::kPoints, points.data(), points.size() * sizeof(MatchTarget)},
      {internal::kSpanBounds, span_bounds.data(), span_bounds.size() * sizeof(SpanBounds)},
      {internal::kSpanTargets, span_targets.data(), span_targets.size() * sizeof(MatchTarget)},
  };
  IndexHeader header{};
  std::memcpy(header.magic, internal::kIndexMagic, sizeof(header.magic));
  header.format_version = internal::kIndexFormatVersion;
  header.byte_order = internal::kByteOrderMark;
  header.section_count = internal::kSectionCount;
  uint64_t size = sizeof(IndexHeader);
  for (const Piece& piece : pieces) {
    size = (size + 7) / 8 * 8;
    header.sections[piece.section] = {size, piece.size};
    size += piece.size;
  }
  size = (size + 7) / 8 * 8;
  header.file_size = size;
  auto storage = std::make_shared<std::vector<uint64_t>>(size / 8);
  char* base = reinterpret_cast<char*>(storage->data());
  for (const Piece& piece : pieces) {
    if (piece.size > 0)
      std::memcpy(base + header.sections[piece.section].offset, piece.data, piece.size);
  }
  std::string_view view(base, size);
  std::memcpy(base, &header, sizeof(header));
  header.crc32 = FileCrc32(view);
  std::memcpy(base, &header, sizeof(header));
  state_.reset();

  StatusOr<std::unique_ptr<IndexLayout>> layout = Validate(std::move(storage), view);
  // What we just wrote must validate; anything else is a bug of ours.
  assert(layout.ok());
  return AdvisoryIndex(std::move(layout).value());
}

StatusOr<AdvisoryIndex> BuildIndexFromSources(const std::vector<std::string>& paths,
                                              std::vector<AdvisoryProblem>* problems,
                                              Progress* progress) {
  AdvisoryIndexBuilder builder;
  for (const std::string& path : paths) {
    BW_RETURN_IF_ERROR(ReadAdvisories(
        path,
        [&](Advisory&& advisory, std::string_view) {
          if (Status added = builder.Add(advisory); !added.ok()) {
            problems->push_back({advisory.id, added.message()});
          }
          return Status();
        },
        [&](const AdvisoryProblem& problem) { problems->push_back(problem); }, progress));
  }
  return std::move(builder).Finish();
}

}  // namespace bulwark::vuln
