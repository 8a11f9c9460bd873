// The SemVer family: four orderings that share a parser shape and differ in the details each
// ecosystem's own implementation chose.
//
//   semver  SemVer 2.0.0 as node-semver compares it (npm, crates.io, Hex, ...): strict
//           MAJOR.MINOR.PATCH without leading zeros, an optional leading "=" and/or "v",
//           surrounding ASCII whitespace trimmed; build metadata ignored.
//   go      golang.org/x/mod/semver: "v1" and "v1.2" are shorthands for v1.0.0 and v1.2.0
//           (without prerelease or build); build metadata (e.g. "+incompatible") ignored;
//           pseudo-versions are prereleases and order as such. The "v" is optional here
//           because OSV's Go advisories write versions without it.
//   nuget   NuGetVersion.TryParse and VersionComparer.Default of NuGet.Versioning (the rules of
//           learn.microsoft.com's "Package versioning"): one to four numbers, missing ones 0
//           and leading zeros allowed ("1.01" is 1.1.0, "1.0.0.0" is 1.0.0), each number
//           with ASCII whitespace around it allowed as System.Version allows it; the whole
//           string trimmed of Unicode whitespace as .NET's String.Trim does; release labels
//           as SemVer's (a numeric one without leading zeros), compared as int.TryParse reads
//           them: a label of an optional '-' and digits within 32 bits is a number ("-1" <
//           "0"), any other one (digits beyond 32 bits too) text compared case-insensitively,
//           and numbers below text; build metadata ignored. NuGet rejects version numbers
//           beyond 32 bits; like the rest of the family, we accept them.
//   pub     Dart's pub_semver: leading zeros allowed, and build metadata orders: a version with
//           build metadata is greater than the same version without, and build identifiers
//           compare like prerelease ones. A leading "v" is tolerated.
//
// Numbers of any length compare exactly (the reference implementations limit them to 53, 63
// or 31 bits and reject or misorder longer ones; we don't), except NuGet's release labels,
// where the 32-bit limit is what makes a label a number or text, and so decides the order.
//
// Strings that are not versions of the scheme sort below every valid version. Among
// themselves they compare bytewise, except for Go, where x/mod/semver makes all invalid
// strings equal to each other and we do the same.
#include <optional>

#include "base/text.h"
#include "vuln/internal/language_ordering.h"

namespace bulwark::vuln::internal {
namespace {

enum class Flavor { kNpm, kGo, kNuGet, kPub };

struct SemVer {
  std::string_view major;
  std::string_view minor;  // empty means 0 (NuGet and Go shorthands)
  std::string_view patch;
  std::string_view revision;    // NuGet's fourth number; empty means 0
  std::string_view prerelease;  // without the '-'; empty when absent
  std::string_view build;       // without the '+'; empty when absent
};

bool IsIdentifierChar(char c) { return IsAsciiAlnum(c) || c == '-'; }

// Takes the digits at the front of `rest`; empty if there are none.
std::string_view TakeDigits(std::string_view& rest) {
  size_t n = 0;
  while (n < rest.size() && IsAsciiDigit(rest[n])) ++n;
  std::string_view digits = rest.substr(0, n);
  rest.remove_prefix(n);
  return digits;
}

// A SemVer numeric identifier: "0" or digits without a leading zero.
bool IsCanonicalNumber(std::string_view digits) {
  return !digits.empty() && (digits[0] != '0' || digits.size() == 1);
}

// Calls f on each '.'-separated identifier of `list`; stops early and returns false when f
// does.
template <typename F>
bool ForEachIdentifier(std::string_view list, F f) {
  while (true) {
    size_t dot = list.find('.');
    if (!f(list.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    list.remove_prefix(dot + 1);
  }
}

// Identifiers of [0-9A-Za-z-]+; with `canonical_numbers`, a numeric one has no leading zero.
bool ValidIdentifiers(std::string_view list, bool canonical_numbers) {
  return ForEachIdentifier(list, [&](std::string_view id) {
    if (id.empty()) return false;
    for (char c : id) {
      if (!IsIdentifierChar(c)) return false;
    }
    return !canonical_numbers || !AllDigits(id) || IsCanonicalNumber(id);
  });
}

// Splits "[-prerelease][+build]" at the end of a version into `v`; false if malformed.
bool ParseLabels(std::string_view rest, bool canonical_numbers, SemVer& v) {
  if (!rest.empty() && rest[0] == '-') {
    size_t plus = rest.find('+');
    v.prerelease = rest.substr(1, plus == std::string_view::npos ? plus : plus - 1);
    if (!ValidIdentifiers(v.prerelease, canonical_numbers)) return false;
    rest.remove_prefix(plus == std::string_view::npos ? rest.size() : plus);
  }
  if (!rest.empty() && rest[0] == '+') {
    v.build = rest.substr(1);
    // Build identifiers may have leading zeros in every member of the family.
    if (!ValidIdentifiers(v.build, false)) return false;
    rest = {};
  }
  return rest.empty();
}

std::optional<SemVer> ParseNpm(std::string_view s) {
  s = TrimAsciiWhitespace(s);
  if (!s.empty() && s[0] == '=') s.remove_prefix(1);
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  SemVer v;
  std::string_view* parts[] = {&v.major, &v.minor, &v.patch};
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (s.empty() || s[0] != '.') return std::nullopt;
      s.remove_prefix(1);
    }
    *parts[i] = TakeDigits(s);
    if (!IsCanonicalNumber(*parts[i])) return std::nullopt;
  }
  if (!ParseLabels(s, true, v)) return std::nullopt;
  return v;
}

std::optional<SemVer> ParseGo(std::string_view s) {
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  SemVer v;
  v.major = TakeDigits(s);
  if (!IsCanonicalNumber(v.major)) return std::nullopt;
  if (s.empty()) return v;  // "v1" is v1.0.0
  if (s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  v.minor = TakeDigits(s);
  if (!IsCanonicalNumber(v.minor)) return std::nullopt;
  if (s.empty()) return v;  // "v1.2" is v1.2.0
  if (s[0] != '.') return std::nullopt;
  s.remove_prefix(1);
  v.patch = TakeDigits(s);
  if (!IsCanonicalNumber(v.patch)) return std::nullopt;
  if (!ParseLabels(s, true, v)) return std::nullopt;
  return v;
}

// .NET's String.Trim: drops what char.IsWhiteSpace calls whitespace, here in UTF-8, at both
// ends (ASCII \t..\r and space, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
// U+202F, U+205F, U+3000).
std::string_view TrimDotNetWhitespace(std::string_view s) {
  // The length of the whitespace character that `s` starts with (at the front) or ends with
  // (at the back), or 0.
  auto space_at = [](std::string_view s, bool front) -> size_t {
    static constexpr std::string_view kMultiByte[] = {
        "\xc2\x85",     "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81",
        "\xe2\x80\x82", "\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
        "\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
        "\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80"};
    if (s.empty()) return 0;
    char c = front ? s.front() : s.back();
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    for (std::string_view w : kMultiByte) {
      if (front ? s.starts_with(w) : s.ends_with(w)) return w.size();
    }
    return 0;
  };
  while (size_t n = space_at(s, true)) s.remove_prefix(n);
  while (size_t n = space_at(s, false)) s.remove_suffix(n);
  return s;
}

// The whitespace int.TryParse allows around a number (NumberStyles.Integer).
bool IsDotNetNumberSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// NuGetVersion.TryParse: the numbers end at the first '-' or '+'; System.Version reads two to
// four of them (NuGet adds ".0" to one), each an int.TryParse number: digits, with whitespace
// around them allowed.
std::optional<SemVer> ParseNuGet(std::string_view s) {
  s = TrimDotNetWhitespace(s);
  size_t labels = s.find_first_of("-+");
  std::string_view numbers = s.substr(0, labels);
  s.remove_prefix(numbers.size());
  SemVer v;
  std::string_view* parts[] = {&v.major, &v.minor, &v.patch, &v.revision};
  for (int count = 0;; ++count) {
    if (count == 4) return std::nullopt;
    size_t dot = numbers.find('.');
    std::string_view part = numbers.substr(0, dot);
    while (!part.empty() && IsDotNetNumberSpace(part.front())) part.remove_prefix(1);
    while (!part.empty() && IsDotNetNumberSpace(part.back())) part.remove_suffix(1);
    if (!AllDigits(part)) return std::nullopt;
    *parts[count] = part;
    if (dot == std::string_view::npos) break;
    numbers.remove_prefix(dot + 1);
  }
  if (!ParseLabels(s, true, v)) return std::nullopt;
  return v;
}

std::optional<SemVer> ParsePub(std::string_view s) {
  if (!s.empty() && s[0] == 'v') s.remove_prefix(1);
  SemVer v;
  std::string_view* parts[] = {&v.major, &v.minor, &v.patch};
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (s.empty() || s[0] != '.') return std::nullopt;
      s.remove_prefix(1);
    }
    *parts[i] = TakeDigits(s);
    if (parts[i]->empty()) return std::nullopt;
  }
  if (!ParseLabels(s, false, v)) return std::nullopt;
  return v;
}

std::optional<SemVer> Parse(Flavor flavor, std::string_view s) {
  switch (flavor) {
    case Flavor::kNpm:
      return ParseNpm(s);
    case Flavor::kGo:
      return ParseGo(s);
    case Flavor::kNuGet:
      return ParseNuGet(s);
    case Flavor::kPub:
      return ParsePub(s);
  }
  return std::nullopt;
}

// A NuGet release label's value when VersionComparer takes it for a number: when int.TryParse
// reads it, that is when it is an optional '-' and digits within 32 bits.
std::optional<int64_t> NuGetNumericLabel(std::string_view label) {
  bool negative = !label.empty() && label[0] == '-';
  std::string_view digits = label.substr(negative ? 1 : 0);
  if (!AllDigits(digits)) return std::nullopt;
  int64_t value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > int64_t{1} << 31) return std::nullopt;
  }
  if (negative) value = -value;
  if (value < -(int64_t{1} << 31) || value >= int64_t{1} << 31) return std::nullopt;
  return value;
}

// VersionComparer's CompareRelease: numbers by value and below text; text case-insensitively.
int CompareNuGetLabel(std::string_view a, std::string_view b) {
  std::optional<int64_t> a_number = NuGetNumericLabel(a), b_number = NuGetNumericLabel(b);
  if (a_number && b_number) return (*a_number > *b_number) - (*a_number < *b_number);
  if (a_number || b_number) return a_number ? -1 : 1;
  return CompareBytesIgnoreCase(a, b);
}

// One prerelease (or, for Pub, build) identifier against another: numeric ones by value and
// below alphanumeric ones; alphanumeric ones bytewise. NuGet has rules of its own.
int CompareIdentifier(Flavor flavor, std::string_view a, std::string_view b) {
  if (flavor == Flavor::kNuGet) return CompareNuGetLabel(a, b);
  bool a_numeric = AllDigits(a), b_numeric = AllDigits(b);
  if (a_numeric && b_numeric) return CompareDigits(a, b);
  if (a_numeric != b_numeric) return a_numeric ? -1 : 1;
  return CompareBytes(a, b);
}

// Identifier lists, element by element; a list that is a prefix of the other is smaller.
int CompareIdentifierLists(Flavor flavor, std::string_view a, std::string_view b) {
  while (true) {
    size_t a_dot = a.find('.'), b_dot = b.find('.');
    if (int c = CompareIdentifier(flavor, a.substr(0, a_dot), b.substr(0, b_dot)); c != 0) {
      return c;
    }
    if (a_dot == std::string_view::npos || b_dot == std::string_view::npos) {
      return (a_dot != std::string_view::npos) - (b_dot != std::string_view::npos);
    }
    a.remove_prefix(a_dot + 1);
    b.remove_prefix(b_dot + 1);
  }
}

int CompareSemVer(Flavor flavor, const SemVer& a, const SemVer& b) {
  if (int c = CompareDigits(a.major, b.major); c != 0) return c;
  if (int c = CompareDigits(a.minor, b.minor); c != 0) return c;
  if (int c = CompareDigits(a.patch, b.patch); c != 0) return c;
  if (int c = CompareDigits(a.revision, b.revision); c != 0) return c;
  // A prerelease sorts below the release it precedes.
  if (a.prerelease.empty() != b.prerelease.empty()) return a.prerelease.empty() ? 1 : -1;
  if (!a.prerelease.empty()) {
    if (int c = CompareIdentifierLists(flavor, a.prerelease, b.prerelease); c != 0) return c;
  }
  if (flavor != Flavor::kPub) return 0;
  // pub_semver: a version with build metadata sorts above the same version without.
  if (a.build.empty() != b.build.empty()) return a.build.empty() ? -1 : 1;
  if (a.build.empty()) return 0;
  return CompareIdentifierLists(flavor, a.build, b.build);
}

class SemVerFamilyOrdering final : public VersionOrdering {
 public:
  SemVerFamilyOrdering(VersionScheme scheme, Flavor flavor, std::string_view name)
      : scheme_(scheme), flavor_(flavor), name_(name) {}

  VersionScheme scheme() const override { return scheme_; }
  std::string_view name() const override { return name_; }

  int Compare(std::string_view a, std::string_view b) const override {
    std::optional<SemVer> va = Parse(flavor_, a), vb = Parse(flavor_, b);
    if (va && vb) return CompareSemVer(flavor_, *va, *vb);
    if (va || vb) return va ? 1 : -1;
    return flavor_ == Flavor::kGo ? 0 : CompareBytes(a, b);
  }

  bool IsValid(std::string_view v) const override { return Parse(flavor_, v).has_value(); }

  // Layout: 1 bit "valid", 15 bits each of major, minor and patch, 1 bit "not a prerelease of
  // this major.minor.patch" (set for a release, and for any version with a fourth number above
  // 0: NuGet's 1.2.3.4-beta is above 1.2.3), then, for a prerelease, its first identifier:
  // 1 bit "alphanumeric" (numeric ones sort first) and 16 bits of its value (numeric; NuGet's
  // may be negative, so there 0 for those and the value + 1 for the others) or of its first
  // two bytes (alphanumeric; lower-cased for NuGet, which ignores case); for a
  // release, 16 bits 0 and 1 bit "more than major.minor.patch" (NuGet's fourth number, Pub's
  // build metadata, which order above the plain release). Invalid strings, which sort below
  // every valid version, get 0.
  uint64_t CoarseKey(std::string_view v) const override {
    std::optional<SemVer> parsed = Parse(flavor_, v);
    if (!parsed) return 0;
    CoarseKeyBuilder key;
    key.Add(1, 1);
    key.AddDigits(parsed->major, 15);
    key.AddDigits(parsed->minor, 15);
    key.AddDigits(parsed->patch, 15);
    bool release = parsed->prerelease.empty() || !IsZeroDigits(parsed->revision);
    key.Add(release ? 1 : 0, 1);
    if (release) {
      bool more =
          !IsZeroDigits(parsed->revision) || (flavor_ == Flavor::kPub && !parsed->build.empty());
      key.Add(0, 16);
      key.Add(more ? 1 : 0, 1);
      return key.Finish();
    }
    std::string_view first = parsed->prerelease.substr(0, parsed->prerelease.find('.'));
    std::optional<int64_t> nuget_number;
    if (flavor_ == Flavor::kNuGet) nuget_number = NuGetNumericLabel(first);
    if (nuget_number) {
      // NuGet's numbers may be negative: those all 0, the others 1 above their value.
      key.Add(0, 1);
      key.Add(*nuget_number < 0 ? 0 : static_cast<uint64_t>(*nuget_number) + 1, 16);
    } else if (flavor_ != Flavor::kNuGet && AllDigits(first)) {
      key.Add(0, 1);
      key.AddDigits(first, 16);
    } else {
      key.Add(1, 1);
      uint64_t bytes = 0;
      for (size_t i = 0; i < 2; ++i) {
        char c = i < first.size() ? first[i] : '\0';
        if (flavor_ == Flavor::kNuGet) c = AsciiLower(c);
        bytes = (bytes << 8) | static_cast<unsigned char>(c);
      }
      key.Add(bytes, 16);
    }
    return key.Finish();
  }

  // A valid release with nothing beyond major.minor.patch. (A saturated field sets every
  // later bit, so the low bits are not all 0.)
  bool CoarseKeyIsExact(uint64_t key) const override {
    return (key >> 63) == 1 && ((key >> 17) & 1) == 1 && (key & 0x1ffff) == 0;
  }

 private:
  VersionScheme scheme_;
  Flavor flavor_;
  std::string_view name_;
};

}  // namespace

std::unique_ptr<VersionOrdering> NewSemVerFamilyOrdering(VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kSemVer:
      return std::make_unique<SemVerFamilyOrdering>(scheme, Flavor::kNpm, "semver");
    case VersionScheme::kGo:
      return std::make_unique<SemVerFamilyOrdering>(scheme, Flavor::kGo, "go");
    case VersionScheme::kNuGet:
      return std::make_unique<SemVerFamilyOrdering>(scheme, Flavor::kNuGet, "nuget");
    case VersionScheme::kPub:
      return std::make_unique<SemVerFamilyOrdering>(scheme, Flavor::kPub, "pub");
    default:
      return nullptr;
  }
}

}  // namespace bulwark::vuln::internal
