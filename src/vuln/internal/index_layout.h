// The flat records of an AdvisoryIndex, shared by the builder, the loader and the matcher.
// docs/vulnerability-index.md describes the same layout for people. All integers are
// little-endian (the loader refuses a file whose byte-order mark disagrees) and every record
// is a standard-layout struct of fixed-width fields, 8-byte aligned in the file.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>

namespace bulwark::vuln::internal {

// A string in the blob section.
struct StrRef {
  uint32_t offset;
  uint32_t size;
};

struct AdvisoryRecord {
  StrRef id;
  StrRef summary;
  uint32_t alias_begin;  // into aliases
  uint32_t alias_count;
};

// One (ecosystem, name) key; its entries are contiguous. Sorted by ecosystem, then name,
// bytewise.
struct PackageRecord {
  StrRef ecosystem;
  StrRef name;
  uint32_t entry_begin;
  uint32_t entry_count;
  uint32_t lexicon_begin;  // the package's lexicons, one per order its versions use
  uint32_t lexicon_count;
};

// A slot of the open-addressing table that finds a package by the hash of its key
// (PackageKeyHash). Empty slots hold package 0; a full one holds its package's index + 1 and the
// hash's high 32 bits, so most mismatches are decided without reading the strings.
struct PackageSlot {
  uint32_t package_plus_one;
  uint32_t tag;
};

inline constexpr uint8_t kNoScheme = 0xff;

// The distinct versions one package's bounds and listed versions use in one order: a scheme, or
// bytewise (kNoScheme) for the listed versions of ecosystems without one. Its versions are
// sorted in that order, no two equal in it, so a bound is named by its rank.
//
// A version's position in a lexicon of versions x0 < x1 < ... is 2i + 1 when it equals xi and
// 2i when it lies below xi and above x(i-1). Matching places the installed version once per
// lexicon; if it is one of the lexicon's versions, that version names the listed versions
// (points) it is; then it tries the lexicon's spans (the package's intervals in that order, as
// half-open ranges of positions).
struct LexiconRecord {
  uint32_t version_begin;  // into lexicon_versions and lexicon_keys
  uint32_t version_count;  // at most kMaxLexiconVersions
  uint32_t span_begin;     // into span_bounds and span_targets
  uint32_t span_count;
  uint8_t scheme;  // VersionScheme, or kNoScheme for bytewise
  uint8_t reserved[3];
};

// A version of a lexicon, and the points (listed versions) of its rank.
struct LexiconVersion {
  StrRef version;
  uint32_t point_begin;  // into points
  uint32_t point_count;
};

// Positions fit in 32 bits with room for an exclusive end above the last.
inline constexpr uint32_t kMaxLexiconVersions = 0x7ffffffe;

// What a point or a span stands for: its entry, the interval's index or kListedPart, and the
// entry's advisory.
struct MatchTarget {
  uint32_t entry;
  uint32_t part;
  uint32_t advisory;
};

// Positions [lower, end) of one interval: lower 0 when open, end 0xffffffff when unbounded. A
// lexicon's spans are in entry order, an entry's in the order of its intervals. Their targets
// are a parallel section, read only for the spans that hold the position, so that trying a
// package's spans reads 8 bytes a span.
struct SpanBounds {
  uint32_t lower;
  uint32_t end;
};

inline constexpr uint32_t kListedPart = 0xffffffff;

// One `affected` entry of one advisory.
struct EntryRecord {
  uint32_t advisory;
  uint8_t ecosystem_scheme;  // VersionScheme of the ecosystem, or kNoScheme
  uint8_t severity;          // SeverityLevel
  uint8_t has_score;
  uint8_t reserved;
  float score;
  StrRef ecosystem;  // as the advisory spells them
  StrRef name;
  uint32_t interval_begin;
  uint32_t interval_count;
  uint32_t listed_begin;    // into listed: the explicitly listed affected versions, as ranks
  uint32_t listed_count;    //   in listed_lexicon, ascending
  uint32_t listed_lexicon;  // the ecosystem's order, or bytewise without one
};

enum class UpperKind : uint8_t { kNone = 0, kFixed = 1, kLastAffected = 2, kLimit = 3 };

// One affected interval of a range. An open lower bound (lower_open = 1) means "from the first
// version"; upper_kind kNone means "no upper bound". The bounds are kept as text for reports
// and as ranks in `lexicon` for matching.
struct IntervalRecord {
  StrRef lower;
  StrRef upper;
  uint32_t lower_rank;
  uint32_t upper_rank;
  uint32_t lexicon;      // the package's lexicon for `scheme`
  uint8_t scheme;        // VersionScheme the bounds are compared in
  uint8_t lower_open;    // 1 when affected from the first version ("introduced": "0")
  uint8_t upper_kind;    // UpperKind
  uint8_t semver_range;  // 1 for a SEMVER range, 0 for ECOSYSTEM
};

inline constexpr char kIndexMagic[8] = {'B', 'W', 'V', 'X', 'I', 'D', 'X', '\n'};
inline constexpr uint32_t kIndexFormatVersion = 5;
inline constexpr uint32_t kByteOrderMark = 0x01020304;

enum Section : uint32_t {
  kBlob,
  kAdvisories,
  kAliases,
  kPackages,
  kPackageTable,
  kLexicons,
  kLexiconVersions,
  kLexiconKeys,
  kPoints,
  kSpanBounds,
  kSpanTargets,
  kEntries,
  kIntervals,
  kListedVersions,
  kSectionCount
};

struct SectionExtent {
  uint64_t offset;  // from the start of the file
  uint64_t size;    // bytes
};

struct IndexHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t byte_order;
  uint64_t file_size;
  uint32_t crc32;  // CRC-32 (zlib) of the whole file, this field taken as zero
  uint32_t section_count;
  SectionExtent sections[kSectionCount];
};

// The file format is these structs' bytes; docs/vulnerability-index.md states their sizes.
static_assert(sizeof(AdvisoryRecord) == 24 && sizeof(PackageRecord) == 32 &&
              sizeof(PackageSlot) == 8 && sizeof(LexiconRecord) == 20 &&
              sizeof(MatchTarget) == 12 && sizeof(SpanBounds) == 8 &&
              sizeof(LexiconVersion) == 16 && sizeof(EntryRecord) == 48 &&
              sizeof(IntervalRecord) == 32 && sizeof(StrRef) == 8);
static_assert(std::is_trivially_copyable_v<IntervalRecord> &&
              std::is_standard_layout_v<IntervalRecord> && std::is_standard_layout_v<EntryRecord>);

// The hash the package table is built and probed with: each string's 8-byte little-endian
// words and its length, multiplied in, then a final mix that spreads the result over the low
// bits. It is part of the file format: changing it means a new format version.
//
// The last 1 to 7 bytes of a string make one word, zero-padded. They are read with loads of fixed
// size, never a copy of variable length, whose store the following load of the word would wait
// for.
inline uint64_t TailWord(std::string_view s, size_t i) {
  size_t rest = s.size() - i;  // 0 to 7
  if (rest == 0) return 0;
  const char* p = s.data() + i;
  if (s.size() >= 8) {
    // The 8 bytes ending at the end of the string, shifted down past the ones already mixed.
    uint64_t word;
    std::memcpy(&word, s.data() + s.size() - 8, 8);
    return word >> (8 * (8 - rest));
  }
  uint64_t word = 0;
  size_t at = 0;
  if (rest & 4) {
    uint32_t four;
    std::memcpy(&four, p, 4);
    word = four;
    at = 4;
  }
  if (rest & 2) {
    uint16_t two;
    std::memcpy(&two, p + at, 2);
    word |= uint64_t{two} << (8 * at);
    at += 2;
  }
  if (rest & 1) word |= uint64_t{static_cast<unsigned char>(p[at])} << (8 * at);
  return word;
}

inline uint64_t PackageKeyHash(std::string_view ecosystem, std::string_view name) {
  constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15u;
  uint64_t h = 0x243f6a8885a308d3u;
  auto mix = [&h](uint64_t word) {
    h = (h ^ word) * kMultiplier;
    h ^= h >> 29;
  };
  for (std::string_view s : {ecosystem, name}) {
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      mix(word);
    }
    mix(TailWord(s, i));
    mix(s.size());
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  return h;
}

// The sections of a validated index, pointing into memory the layout keeps alive.
struct IndexLayout {
  std::shared_ptr<const void> owner;  // a mapping or a heap buffer
  std::string_view bytes;
  std::string_view blob;
  std::span<const AdvisoryRecord> advisories;
  std::span<const StrRef> aliases;
  std::span<const PackageRecord> packages;
  std::span<const PackageSlot> package_table;
  std::span<const LexiconRecord> lexicons;
  std::span<const LexiconVersion> lexicon_versions;
  // Each lexicon version's key: CoarseKey in the lexicon's scheme, or the first 8 bytes
  // big-endian when bytewise. Apart from the versions, so that a search reads fewer lines.
  std::span<const uint64_t> lexicon_keys;
  std::span<const MatchTarget> points;  // per lexicon version, in entry order
  std::span<const SpanBounds> span_bounds;
  std::span<const MatchTarget> span_targets;  // parallel to span_bounds
  std::span<const EntryRecord> entries;
  std::span<const IntervalRecord> intervals;
  std::span<const uint32_t> listed;

  std::string_view Str(StrRef ref) const { return blob.substr(ref.offset, ref.size); }
};

}  // namespace bulwark::vuln::internal
