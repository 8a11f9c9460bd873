// The flat records of an AdvisoryIndex, shared by the builder, the loader and the matcher.
// docs/vulnerability-index.md describes the same layout for people. All integers are
// little-endian (the loader refuses a file whose byte-order mark disagrees) and every record
// is a standard-layout struct of fixed-width fields, 8-byte aligned in the file.
#pragma once

#include <cstdint>
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
};

inline constexpr uint8_t kNoScheme = 0xff;

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
  uint32_t version_begin;  // into versions: the explicitly listed affected versions
  uint32_t version_count;
};

enum class UpperKind : uint8_t { kNone = 0, kFixed = 1, kLastAffected = 2, kLimit = 3 };

// One affected interval of a range. An empty `lower` (lower_open = 1) means "from the first
// version"; upper_kind kNone means "no upper bound".
struct IntervalRecord {
  StrRef lower;
  StrRef upper;
  uint64_t lower_key;  // CoarseKey of lower under `scheme`
  uint64_t upper_key;
  uint8_t scheme;        // VersionScheme the bounds are compared in
  uint8_t lower_open;    // 1 when affected from the first version ("introduced": "0")
  uint8_t upper_kind;    // UpperKind
  uint8_t semver_range;  // 1 for a SEMVER range, 0 for ECOSYSTEM
  uint32_t reserved;
};

// An explicitly listed affected version, with its CoarseKey in the entry's ecosystem scheme (0
// when the ecosystem has none).
struct ListedVersion {
  StrRef version;
  uint64_t key;
};

inline constexpr char kIndexMagic[8] = {'B', 'W', 'V', 'X', 'I', 'D', 'X', '\n'};
inline constexpr uint32_t kIndexFormatVersion = 1;
inline constexpr uint32_t kByteOrderMark = 0x01020304;

enum Section : uint32_t {
  kBlob,
  kAdvisories,
  kAliases,
  kPackages,
  kEntries,
  kIntervals,
  kVersions,
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
static_assert(sizeof(AdvisoryRecord) == 24 && sizeof(PackageRecord) == 24 &&
              sizeof(EntryRecord) == 44 && sizeof(IntervalRecord) == 40 &&
              sizeof(ListedVersion) == 16 && sizeof(StrRef) == 8);
static_assert(std::is_trivially_copyable_v<IntervalRecord> &&
              std::is_standard_layout_v<IntervalRecord> && std::is_standard_layout_v<EntryRecord>);

// The sections of a validated index, pointing into memory the layout keeps alive.
struct IndexLayout {
  std::shared_ptr<const void> owner;  // a mapping or a heap buffer
  std::string_view bytes;
  std::string_view blob;
  std::span<const AdvisoryRecord> advisories;
  std::span<const StrRef> aliases;
  std::span<const PackageRecord> packages;
  std::span<const EntryRecord> entries;
  std::span<const IntervalRecord> intervals;
  std::span<const ListedVersion> versions;

  std::string_view Str(StrRef ref) const { return blob.substr(ref.offset, ref.size); }
};

}  // namespace bulwark::vuln::internal
