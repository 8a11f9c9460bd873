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
#include <tuple>
#include <unordered_map>

#include "vuln/advisory_source.h"
#include "vuln/internal/index_layout.h"
#include "vuln/version.h"

namespace bulwark::vuln {

using internal::AdvisoryRecord;
using internal::EntryRecord;
using internal::IndexHeader;
using internal::IndexLayout;
using internal::IntervalRecord;
using internal::ListedVersion;
using internal::PackageRecord;
using internal::StrRef;
using internal::UpperKind;

namespace {

constexpr size_t kSchemeCount = static_cast<size_t>(VersionScheme::kHackage) + 1;
// Summaries are shown in reports, not searched; a bound keeps one huge record from bloating
// every index built from it.
constexpr size_t kMaxSummaryBytes = 1024;

// ---------------------------------------------------------------------------------------------
// Matching.

// The installed version's CoarseKey in each scheme, computed on first use.
class VersionKeys {
 public:
  explicit VersionKeys(std::string_view version) : version_(version) {}
  uint64_t Get(uint8_t scheme) {
    if (!known_[scheme]) {
      keys_[scheme] = OrderingFor(static_cast<VersionScheme>(scheme)).CoarseKey(version_);
      known_[scheme] = true;
    }
    return keys_[scheme];
  }
  std::string_view version() const { return version_; }

 private:
  std::string_view version_;
  std::array<uint64_t, kSchemeCount> keys_{};
  std::array<bool, kSchemeCount> known_{};
};

// Unequal keys decide (see VersionOrdering::CoarseKey); equal keys need the exact order.
int CompareKeyed(uint8_t scheme, uint64_t key_a, std::string_view a, uint64_t key_b,
                 std::string_view b) {
  if (key_a < key_b) return -1;
  if (key_a > key_b) return 1;
  return OrderingFor(static_cast<VersionScheme>(scheme)).Compare(a, b);
}

bool InInterval(const IndexLayout& l, const IntervalRecord& interval, VersionKeys& v) {
  uint64_t key = v.Get(interval.scheme);
  if (!interval.lower_open && CompareKeyed(interval.scheme, key, v.version(), interval.lower_key,
                                           l.Str(interval.lower)) < 0) {
    return false;
  }
  switch (static_cast<UpperKind>(interval.upper_kind)) {
    case UpperKind::kNone:
      return true;
    case UpperKind::kLastAffected:
      return CompareKeyed(interval.scheme, key, v.version(), interval.upper_key,
                          l.Str(interval.upper)) <= 0;
    case UpperKind::kFixed:
    case UpperKind::kLimit:
      return CompareKeyed(interval.scheme, key, v.version(), interval.upper_key,
                          l.Str(interval.upper)) < 0;
  }
  return false;
}

constexpr uint32_t kListed = std::numeric_limits<uint32_t>::max();

// Which part of `entry` affects `v`: kListed for an explicitly listed version, an interval
// index, or nullopt.
std::optional<uint32_t> AffectingPart(const IndexLayout& l, const EntryRecord& entry,
                                      VersionKeys& v) {
  if (entry.version_count > 0) {
    // Listed versions are sorted by key (all 0 without a scheme): only those with the
    // installed version's key can equal it.
    std::span<const ListedVersion> listed =
        l.versions.subspan(entry.version_begin, entry.version_count);
    uint64_t key =
        entry.ecosystem_scheme == internal::kNoScheme ? 0 : v.Get(entry.ecosystem_scheme);
    auto it = std::lower_bound(listed.begin(), listed.end(), key,
                               [](const ListedVersion& lv, uint64_t k) { return lv.key < k; });
    for (; it != listed.end() && it->key == key; ++it) {
      std::string_view text = l.Str(it->version);
      if (entry.ecosystem_scheme == internal::kNoScheme
              ? text == v.version()
              : OrderingFor(static_cast<VersionScheme>(entry.ecosystem_scheme))
                        .Compare(text, v.version()) == 0) {
        return kListed;
      }
    }
  }
  for (uint32_t i = 0; i < entry.interval_count; ++i) {
    if (InInterval(l, l.intervals[entry.interval_begin + i], v)) return entry.interval_begin + i;
  }
  return std::nullopt;
}

// The smallest `fixed` bound of `entry` above `v` that is not itself affected by the entry.
std::string_view UpgradeTarget(const IndexLayout& l, const EntryRecord& entry, VersionKeys& v) {
  const IntervalRecord* best = nullptr;
  for (uint32_t i = 0; i < entry.interval_count; ++i) {
    const IntervalRecord& interval = l.intervals[entry.interval_begin + i];
    if (static_cast<UpperKind>(interval.upper_kind) != UpperKind::kFixed) continue;
    std::string_view fixed = l.Str(interval.upper);
    if (CompareKeyed(interval.scheme, interval.upper_key, fixed, v.Get(interval.scheme),
                     v.version()) <= 0) {
      continue;
    }
    if (best != nullptr &&
        CompareKeyed(best->scheme,
                     OrderingFor(static_cast<VersionScheme>(best->scheme)).CoarseKey(fixed), fixed,
                     best->upper_key, l.Str(best->upper)) >= 0) {
      continue;
    }
    VersionKeys candidate(fixed);
    if (AffectingPart(l, entry, candidate).has_value()) continue;
    best = &interval;
  }
  return best == nullptr ? std::string_view() : l.Str(best->upper);
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
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kEntries], &layout->entries, "entries"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kIntervals], &layout->intervals, "intervals"));
  BW_RETURN_IF_ERROR(
      SectionSpan(bytes, header.sections[internal::kVersions], &layout->versions, "versions"));

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
        !RangeFits(p.entry_begin, p.entry_count, l.entries.size())) {
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
  for (const EntryRecord& e : l.entries) {
    if (e.advisory >= l.advisories.size() ||
        (e.ecosystem_scheme >= kSchemeCount && e.ecosystem_scheme != internal::kNoScheme) ||
        e.severity > static_cast<uint8_t>(SeverityLevel::kCritical) ||
        !StrFits(e.ecosystem, blob_size) || !StrFits(e.name, blob_size) ||
        !RangeFits(e.interval_begin, e.interval_count, l.intervals.size()) ||
        !RangeFits(e.version_begin, e.version_count, l.versions.size())) {
      return Corrupt("an affected-package record points outside the index");
    }
    for (uint32_t i = 1; i < e.version_count; ++i) {
      if (l.versions[e.version_begin + i - 1].key > l.versions[e.version_begin + i].key) {
        return Corrupt("listed versions are not sorted");
      }
    }
  }
  for (const IntervalRecord& r : l.intervals) {
    if (r.scheme >= kSchemeCount || r.upper_kind > static_cast<uint8_t>(UpperKind::kLimit) ||
        !StrFits(r.lower, blob_size) || !StrFits(r.upper, blob_size)) {
      return Corrupt("an interval record is malformed");
    }
  }
  for (const ListedVersion& v : l.versions) {
    if (!StrFits(v.version, blob_size)) return Corrupt("a listed version points outside");
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
  std::vector<Finding> findings;
  for (size_t i = 0; i < packages.size(); ++i) MatchPackage(packages[i], i, &findings);
  return findings;
}

void AdvisoryIndex::MatchPackageRefs(const PurlPackage& package, uint32_t package_index,
                                     std::vector<MatchRef>* out) const {
  if (package.version.empty()) return;
  const IndexLayout& l = *layout_;
  auto key =
      std::tuple(std::string_view(package.key.ecosystem), std::string_view(package.key.name));
  auto it = std::lower_bound(l.packages.begin(), l.packages.end(), key,
                             [&](const PackageRecord& p, const auto& k) {
                               return std::tuple(l.Str(p.ecosystem), l.Str(p.name)) < k;
                             });
  if (it == l.packages.end() || std::tuple(l.Str(it->ecosystem), l.Str(it->name)) != key) return;

  VersionKeys version(package.version);
  uint32_t last_advisory = std::numeric_limits<uint32_t>::max();
  for (uint32_t i = 0; i < it->entry_count; ++i) {
    uint32_t e = it->entry_begin + i;
    const EntryRecord& entry = l.entries[e];
    // Entries of one package are sorted by advisory; one finding per advisory.
    if (entry.advisory == last_advisory) continue;
    std::optional<uint32_t> part = AffectingPart(l, entry, version);
    if (!part) continue;
    last_advisory = entry.advisory;
    out->push_back({package_index, e, *part});
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
  VersionKeys version(package.version);
  f.upgrade_to = UpgradeTarget(l, entry, version);
  return f;
}

void AdvisoryIndex::MatchPackage(const PurlPackage& package, size_t package_index,
                                 std::vector<Finding>* out) const {
  std::vector<MatchRef> refs;
  MatchPackageRefs(package, static_cast<uint32_t>(package_index), &refs);
  for (const MatchRef& ref : refs) out->push_back(Describe(ref, package));
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
  std::vector<EntryRecord> entries;
  std::vector<StrRef> entry_key_ecosystem;  // parallel to entries
  std::vector<StrRef> entry_key_name;
  std::vector<IntervalRecord> intervals;
  std::vector<ListedVersion> versions;

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
// scheme, "introduced: 0" first, and at one version an introduction before an end.
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
    return (a->kind == RangeEvent::Kind::kIntroduced) && (b->kind != RangeEvent::Kind::kIntroduced);
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
          if (!interval.lower_open) {
            interval.lower = s.Intern(e->version);
            interval.lower_key = ordering.CoarseKey(e->version);
          }
          continue;
        }
        if (!open) continue;
        open = false;
        interval.upper = s.Intern(e->version);
        interval.upper_key = ordering.CoarseKey(e->version);
        interval.upper_kind = static_cast<uint8_t>(
            e->kind == RangeEvent::Kind::kFixed          ? UpperKind::kFixed
            : e->kind == RangeEvent::Kind::kLastAffected ? UpperKind::kLastAffected
                                                         : UpperKind::kLimit);
        s.intervals.push_back(interval);
      }
      if (open) s.intervals.push_back(interval);
    }
    entry.interval_count = static_cast<uint32_t>(s.intervals.size()) - entry.interval_begin;
    entry.version_begin = static_cast<uint32_t>(s.versions.size());
    for (const std::string& v : package.versions) {
      uint64_t key = ecosystem_scheme ? OrderingFor(*ecosystem_scheme).CoarseKey(v) : 0;
      s.versions.push_back({s.Intern(v), key});
    }
    entry.version_count = static_cast<uint32_t>(s.versions.size()) - entry.version_begin;
    std::sort(s.versions.begin() + entry.version_begin, s.versions.end(),
              [](const ListedVersion& a, const ListedVersion& b) { return a.key < b.key; });
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
  auto sort_key = [&](uint32_t i) {
    return std::tuple(s.Str(s.entry_key_ecosystem[i]), s.Str(s.entry_key_name[i]),
                      renumbered[s.entries[i].advisory]);
  };
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return sort_key(a) < sort_key(b); });
  std::vector<EntryRecord> entries;
  std::vector<PackageRecord> packages;
  // Intervals and listed versions in entry order, so one package's are contiguous and a
  // lookup reads one stretch of each section instead of one cache line per entry.
  std::vector<IntervalRecord> intervals;
  std::vector<ListedVersion> versions;
  entries.reserve(order.size());
  intervals.reserve(s.intervals.size());
  versions.reserve(s.versions.size());
  for (uint32_t i : order) {
    EntryRecord e = s.entries[i];
    e.advisory = renumbered[e.advisory];
    auto interval_begin = static_cast<uint32_t>(intervals.size());
    intervals.insert(intervals.end(), s.intervals.begin() + e.interval_begin,
                     s.intervals.begin() + e.interval_begin + e.interval_count);
    e.interval_begin = interval_begin;
    auto version_begin = static_cast<uint32_t>(versions.size());
    versions.insert(versions.end(), s.versions.begin() + e.version_begin,
                    s.versions.begin() + e.version_begin + e.version_count);
    e.version_begin = version_begin;
    if (packages.empty() || s.Str(packages.back().ecosystem) != s.Str(s.entry_key_ecosystem[i]) ||
        s.Str(packages.back().name) != s.Str(s.entry_key_name[i])) {
      packages.push_back({s.entry_key_ecosystem[i], s.entry_key_name[i],
                          static_cast<uint32_t>(entries.size()), 0});
    }
    ++packages.back().entry_count;
    entries.push_back(e);
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
      {internal::kEntries, entries.data(), entries.size() * sizeof(EntryRecord)},
      {internal::kIntervals, intervals.data(), intervals.size() * sizeof(IntervalRecord)},
      {internal::kVersions, versions.data(), versions.size() * sizeof(ListedVersion)},
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
