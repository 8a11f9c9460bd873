#include "vuln/internal/dpkg_ordering.h"

#include "vuln/internal/version_text.h"

namespace bulwark::vuln::internal {
namespace {

// A version split into its three parts; no part is checked.
struct DpkgParts {
  std::string_view epoch;  // "" when there is no colon, which compares as 0
  std::string_view upstream;
  std::string_view revision;  // "" when there is no hyphen, which compares as "0"
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// dpkg reads the epoch with strtol: a "+" sign, or a "-" on zero, leaves the number as it is.
std::string_view EpochNumber(std::string_view epoch) {
  if (epoch.size() < 2 || (epoch[0] != '+' && epoch[0] != '-')) return epoch;
  std::string_view digits = epoch.substr(1);
  if (DigitRunLength(digits) != digits.size()) return epoch;
  return epoch[0] == '+' || CompareDigitRuns(digits, "") == 0 ? digits : epoch;
}

DpkgParts Split(std::string_view v) {
  DpkgParts parts;
  // dpkg ignores blanks around the version, takes the epoch up to the first colon and the
  // revision after the last hyphen.
  while (!v.empty() && IsBlank(v.front())) v.remove_prefix(1);
  while (!v.empty() && IsBlank(v.back())) v.remove_suffix(1);
  if (size_t colon = v.find(':'); colon != std::string_view::npos) {
    parts.epoch = EpochNumber(v.substr(0, colon));
    v.remove_prefix(colon + 1);
  }
  if (size_t hyphen = v.rfind('-'); hyphen != std::string_view::npos) {
    parts.revision = v.substr(hyphen + 1);
    v = v.substr(0, hyphen);
  }
  parts.upstream = v;
  return parts;
}

// verrevcmp's weight of a non-digit character; the end of the string and digits weigh 0. dpkg
// reads `char`, which is signed on the platforms Debian compares on, so bytes >= 0x80 weigh
// 128..255: after the letters, before the other ASCII characters.
int Weight(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  char c = s[i];
  if (IsAsciiDigit(c)) return 0;
  if (IsAsciiAlpha(c)) return c;
  if (c == '~') return -1;
  return static_cast<signed char>(c) + 256;
}

// dpkg's verrevcmp.
int VerRevCompare(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !IsAsciiDigit(a[i])) || (j < b.size() && !IsAsciiDigit(b[j]))) {
      int wa = Weight(a, i), wb = Weight(b, j);
      if (wa != wb) return wa < wb ? -1 : 1;
      ++i;
      ++j;
    }
    size_t na = DigitRunLength(a.substr(i)), nb = DigitRunLength(b.substr(j));
    if (int c = CompareDigitRuns(a.substr(i, na), b.substr(j, nb)); c != 0) return c;
    i += na;
    j += nb;
  }
  return 0;
}

// CoarseKey's view of a part compared with verrevcmp: which side of a plain number it falls
// on, and its leading number.
struct LeadingNumber {
  enum Class : uint64_t { kTilde = 0, kNumber = 1, kOther = 2 };
  Class cls;
  std::string_view digits;  // the leading digit run, for kNumber
  std::string_view rest;    // what follows the digit run, for kNumber
};

LeadingNumber ReadLeadingNumber(std::string_view s) {
  // verrevcmp compares the leading non-digit run first: a "~" start sorts before the empty
  // run of a plain number, any other character after it.
  if (!s.empty() && !IsAsciiDigit(s[0])) {
    return {s[0] == '~' ? LeadingNumber::kTilde : LeadingNumber::kOther, {}, {}};
  }
  size_t n = DigitRunLength(s);
  return {LeadingNumber::kNumber, s.substr(0, n), s.substr(n)};
}

constexpr int kEpochBits = 4;
constexpr int kFirstBits = 14;
constexpr int kLaterBits = 10;
constexpr int kRevisionBits = 10;

class DpkgOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kDpkg; }
  std::string_view name() const override { return "dpkg"; }

  int Compare(std::string_view a, std::string_view b) const override {
    DpkgParts pa = Split(UpToNul(a)), pb = Split(UpToNul(b));
    if (int c = VerRevCompare(pa.epoch, pb.epoch); c != 0) return c;
    if (int c = VerRevCompare(pa.upstream, pb.upstream); c != 0) return c;
    return VerRevCompare(pa.revision, pb.revision);
  }

  bool IsValid(std::string_view v) const override {
    if (v.find('\0') != std::string_view::npos) return false;
    if (size_t colon = v.find(':'); colon != std::string_view::npos) {
      std::string_view epoch = EpochNumber(v.substr(0, colon));
      if (epoch.empty() || DigitRunLength(epoch) != epoch.size()) return false;
      if (CompareDigitRuns(epoch, "2147483647") > 0) return false;  // dpkg: "too big"
      v.remove_prefix(colon + 1);
    }
    std::string_view revision;
    if (size_t hyphen = v.rfind('-'); hyphen != std::string_view::npos) {
      revision = v.substr(hyphen + 1);
      if (revision.empty()) return false;
      v = v.substr(0, hyphen);
    }
    if (v.empty() || !IsAsciiDigit(v[0])) return false;
    for (char c : v) {
      if (!IsAsciiAlnum(c) && c != '.' && c != '-' && c != '+' && c != '~' && c != ':') {
        return false;
      }
    }
    for (char c : revision) {
      if (!IsAsciiAlnum(c) && c != '.' && c != '+' && c != '~') return false;
    }
    return true;
  }

  // Layout, most significant first: epoch class (2 bits) and value (4), whether the epoch is
  // exactly a number (2); the upstream version's class (2) and its first number (14); then,
  // for the second and third numbers, the separator before it (2: below ".", exactly ".", or
  // above it) and the number (10); then whether the upstream ends right after its third
  // number (2: below the end, as "~" is, exactly the end, or above it), and if so the
  // revision's class (2), leading number (10), and whether the revision ends there (2, as for
  // the upstream). A field that saturates or leaves the order open leaves every later field 0.
  uint64_t CoarseKey(std::string_view v) const override {
    DpkgParts parts = Split(UpToNul(v));
    KeyBuilder key;
    LeadingNumber epoch = ReadLeadingNumber(parts.epoch);
    key.Append(epoch.cls, 2);
    if (epoch.cls != LeadingNumber::kNumber) return key.key();
    uint64_t epoch_value = SaturatingDigitValue(epoch.digits, FieldMax(kEpochBits));
    key.Append(epoch_value, kEpochBits);
    if (epoch_value == FieldMax(kEpochBits)) return key.key();
    // "1~" < "1" < "1a": only an epoch that is exactly a number lets the upstream decide.
    if (!epoch.rest.empty()) {
      key.Append(epoch.rest[0] == '~' ? 0 : 2, 2);
      return key.key();
    }
    key.Append(1, 2);

    LeadingNumber upstream = ReadLeadingNumber(parts.upstream);
    key.Append(upstream.cls, 2);
    if (upstream.cls != LeadingNumber::kNumber) return key.key();
    uint64_t first = SaturatingDigitValue(upstream.digits, FieldMax(kFirstBits));
    key.Append(first, kFirstBits);
    if (first == FieldMax(kFirstBits)) return key.key();
    std::string_view rest = upstream.rest;
    for (int i = 0; i < 2; ++i) {
      // The non-digit run after the number: below ".", exactly ".", or above it.
      size_t run = 0;
      while (run < rest.size() && !IsAsciiDigit(rest[run])) ++run;
      if (int vs_dot = VerRevCompare(rest.substr(0, run), "."); vs_dot != 0) {
        key.Append(vs_dot < 0 ? 0 : 2, 2);
        return key.key();
      }
      key.Append(1, 2);
      rest.remove_prefix(run);
      size_t digits = DigitRunLength(rest);
      uint64_t number = SaturatingDigitValue(rest.substr(0, digits), FieldMax(kLaterBits));
      key.Append(number, kLaterBits);
      if (number == FieldMax(kLaterBits)) return key.key();
      rest.remove_prefix(digits);
    }
    // Only an upstream that ends here lets the revision decide.
    if (int vs_end = VerRevCompare(rest, ""); vs_end != 0) {
      key.Append(vs_end < 0 ? 0 : 2, 2);
      return key.key();
    }
    key.Append(1, 2);
    LeadingNumber revision = ReadLeadingNumber(parts.revision);
    key.Append(revision.cls, 2);
    if (revision.cls != LeadingNumber::kNumber) return key.key();
    uint64_t revision_value = SaturatingDigitValue(revision.digits, FieldMax(kRevisionBits));
    key.Append(revision_value, kRevisionBits);
    if (revision_value == FieldMax(kRevisionBits)) return key.key();
    int vs_end = VerRevCompare(revision.rest, "");
    key.Append(vs_end < 0 ? 0 : vs_end == 0 ? 1 : 2, 2);
    return key.key();
  }

  // Only a key that reached its last field, "the revision ends here", holds the whole version:
  // an epoch, three upstream numbers and a revision number, each exactly a number.
  bool CoarseKeyIsExact(uint64_t key) const override { return (key & 3) == 1; }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewDpkgOrdering() { return std::make_unique<DpkgOrdering>(); }

}  // namespace bulwark::vuln::internal
