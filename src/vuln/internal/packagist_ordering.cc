// Packagist (Composer) versions: Composer's VersionParser::normalize, then PHP's
// version_compare on the normalized strings, as Composer compares the versions it installs.
//
// Normalization (composer/semver VersionParser::normalize): surrounding whitespace, a
// " as alias" and an "@stability" flag are dropped; "master", "trunk" and "default" become
// dev branches; "dev-NAME" stays a branch; "+build" metadata is dropped; then
//   v?N(.N)?(.N)?(.N)?[._-]?(stable|beta|b|RC|alpha|a|patch|pl|p)(N...)?([.-]?dev)?
// becomes four numbers plus "-alpha2", "-beta", "-RC1", "-patch3" and/or "-dev" (so 1.0,
// v1.0.0 and 1.0.0.0 are equal, and 1.0RC1 == 1.0.0-rc1), date versions
// (YYYYMMDD, 2024.01.31.2, ...) keep their numbers, and "1.x-dev" style branches become
// 1.9999999.9999999.9999999-dev.
//
// version_compare: the string is canonicalized (-, _ and + become '.', a '.' is inserted
// between digits and non-digits, other non-alphanumerics become '.'), split at '.', and the
// parts compared in turn: numbers by value (read as PHP's strtol reads them, so values beyond
// 2^63 - 1 are all 2^63 - 1), words by their prefix: anything
// else < dev < alpha = a < beta = b < RC = rc < (a number) < pl = p. When one side runs out,
// a following number makes the longer side greater, and a following word compares against
// the rank of a number: 1.0 < 1.0.1, 1.0-beta < 1.0 < 1.0-patch1.
//
// Where PHP is not a total order we define one: the empty string sorts below everything (as
// in PHP); a word starting with '#' ranks with "nothing more" (PHP ranks it with numbers,
// which no order can do consistently); an empty part (a leading or trailing '.') is an
// unknown word. Two dev branches that version_compare calls equal (dev-foo, dev-bar: unknown
// words all rank alike) order by name, and above a non-branch that compares equal to them.
//
// Strings that Composer rejects are compared the same way without normalization, after
// dropping a leading "v" or "V" before a digit: version_compare is how Composer's Comparator
// treats raw strings, and it orders PHP's own examples ("4.3-2RC1" < "4.3-2RC2"). IsValid
// says whether Composer accepts the string.
#include <optional>
#include <string>

#include "vuln/internal/language_ordering.h"

namespace bulwark::vuln::internal {
namespace {

// PHP's trim() set, and PCRE's \s.
bool IsPhpTrimmed(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0' || c == '\x0b';
}
bool IsPcreSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view TrimPhp(std::string_view s) {
  while (!s.empty() && IsPhpTrimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsPhpTrimmed(s.back())) s.remove_suffix(1);
  return s;
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// "[.-]?dev" and nothing after, or nothing at all.
bool IsDevSuffixOrEmpty(std::string_view r, bool* dev) {
  *dev = !r.empty();
  if (r.empty()) return true;
  if (r[0] == '.' || r[0] == '-') r.remove_prefix(1);
  return EqualsIgnoreCase(r, "dev");
}

struct Modifier {
  std::string_view stability;  // as written; empty when absent
  std::string_view numbers;    // the "(?:[.-]?\d+)*" after the stability
  bool dev = false;
};

// Composer's modifier pattern, anchored at both ends:
//   [._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?
// tried in the regex's own order: the separator taken first, alternatives left to right.
std::optional<Modifier> MatchModifier(std::string_view r) {
  static constexpr std::string_view kStabilities[] = {"stable", "beta",  "b",  "RC", "alpha",
                                                      "a",      "patch", "pl", "p"};
  bool has_separator = !r.empty() && (r[0] == '.' || r[0] == '_' || r[0] == '-');
  for (int take_separator = has_separator ? 1 : 0; take_separator >= 0; --take_separator) {
    std::string_view rest = r.substr(take_separator);
    for (std::string_view word : kStabilities) {
      if (!StartsWithIgnoreCase(rest, word)) continue;
      size_t q = word.size();
      while (q < rest.size()) {
        size_t p = q;
        if ((rest[p] == '.' || rest[p] == '-') && p + 1 < rest.size()) ++p;
        if (!IsAsciiDigit(rest[p])) break;
        while (p < rest.size() && IsAsciiDigit(rest[p])) ++p;
        q = p;
      }
      Modifier m;
      if (IsDevSuffixOrEmpty(rest.substr(q), &m.dev)) {
        m.stability = rest.substr(0, word.size());
        m.numbers = rest.substr(word.size(), q - word.size());
        return m;
      }
    }
    Modifier m;
    if (IsDevSuffixOrEmpty(rest, &m.dev)) return m;
  }
  return std::nullopt;
}

// Appends "-stability[numbers]" and "-dev" as normalize does; a stability spelled exactly
// "stable" ends the version there, dropping a "-dev" too.
void AppendModifier(const Modifier& m, std::string& out) {
  if (!m.stability.empty()) {
    if (m.stability == "stable") return;
    std::string lower;
    for (char c : m.stability) lower += AsciiLower(c);
    if (lower == "a") lower = "alpha";
    if (lower == "b") lower = "beta";
    if (lower == "p" || lower == "pl") lower = "patch";
    if (lower == "rc") lower = "RC";
    out += '-';
    out += lower;
    std::string_view numbers = m.numbers;
    while (!numbers.empty() && (numbers[0] == '.' || numbers[0] == '-')) numbers.remove_prefix(1);
    out += numbers;
  }
  if (m.dev) out += "-dev";
}

std::string_view TakeDigits(std::string_view s, size_t* pos) {
  size_t start = *pos;
  while (*pos < s.size() && IsAsciiDigit(s[*pos])) ++*pos;
  return s.substr(start, *pos - start);
}

// v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)? followed by the modifier.
std::optional<std::string> NormalizeClassical(std::string_view s) {
  size_t pos = (!s.empty() && (s[0] == 'v' || s[0] == 'V')) ? 1 : 0;
  std::string_view major = TakeDigits(s, &pos);
  if (major.empty() || major.size() > 5) return std::nullopt;
  std::string out(major);
  int parts = 1;
  while (parts < 4 && pos + 1 < s.size() && s[pos] == '.' && IsAsciiDigit(s[pos + 1])) {
    ++pos;
    out += '.';
    out += TakeDigits(s, &pos);
    ++parts;
  }
  for (; parts < 4; ++parts) out += ".0";
  std::optional<Modifier> modifier = MatchModifier(s.substr(pos));
  if (!modifier) return std::nullopt;
  AppendModifier(*modifier, out);
  return out;
}

bool IsDateSeparator(char c) { return c == '.' || c == ':' || c == '-'; }

// (?:[.:-]?\d{1,3}){0,2} to the end of t, `left` groups still allowed.
bool MatchDateTail(std::string_view t, int left) {
  if (t.empty()) return true;
  if (left == 0) return false;
  size_t p = IsDateSeparator(t[0]) ? 1 : 0;
  for (size_t n = 1; n <= 3 && p + n <= t.size() && IsAsciiDigit(t[p + n - 1]); ++n) {
    if (MatchDateTail(t.substr(p + n), left - 1)) return true;
  }
  return false;
}

// (?:[.:-]?\d{2}){1,6} then the tail, `done` two-digit groups matched so far.
bool MatchDatePairs(std::string_view t, int done) {
  if (done >= 1 && MatchDateTail(t, 2)) return true;
  if (done == 6 || t.empty()) return false;
  size_t p = IsDateSeparator(t[0]) ? 1 : 0;
  if (p + 2 > t.size() || !IsAsciiDigit(t[p]) || !IsAsciiDigit(t[p + 1])) return false;
  return MatchDatePairs(t.substr(p + 2), done + 1);
}

// \d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2}, exactly.
bool MatchDate(std::string_view t) {
  if (t.size() < 4 || !AllDigits(t.substr(0, 4))) return false;
  return MatchDatePairs(t.substr(4), 0);
}

// v?(date) followed by the modifier; the date keeps its numbers, other characters become '.'.
std::optional<std::string> NormalizeDate(std::string_view s) {
  size_t start = (!s.empty() && (s[0] == 'v' || s[0] == 'V')) ? 1 : 0;
  size_t end = start;
  while (end < s.size() && (IsAsciiDigit(s[end]) || IsDateSeparator(s[end]))) ++end;
  // Longest date first, as the greedy quantifiers would find it.
  for (size_t e = end; e > start; --e) {
    if (!IsAsciiDigit(s[e - 1])) continue;
    if (!MatchDate(s.substr(start, e - start))) continue;
    std::optional<Modifier> modifier = MatchModifier(s.substr(e));
    if (!modifier) continue;
    std::string out;
    for (size_t i = start; i < e; ++i) out += IsAsciiDigit(s[i]) ? s[i] : '.';
    AppendModifier(*modifier, out);
    return out;
  }
  return std::nullopt;
}

// normalizeBranch for a numeric branch ("1.x", "v2.3.*"); nullopt for named branches.
std::optional<std::string> NormalizeNumericBranch(std::string_view name) {
  name = TrimPhp(name);
  size_t pos = (!name.empty() && (name[0] == 'v' || name[0] == 'V')) ? 1 : 0;
  std::string_view major = TakeDigits(name, &pos);
  if (major.empty()) return std::nullopt;
  std::string out(major);
  int parts = 1;
  while (pos < name.size()) {
    if (parts == 4 || name[pos] != '.' || pos + 1 >= name.size()) return std::nullopt;
    ++pos;
    char c = name[pos];
    if (c == 'x' || c == 'X' || c == '*') {
      out += ".9999999";
      ++pos;
    } else {
      std::string_view digits = TakeDigits(name, &pos);
      if (digits.empty()) return std::nullopt;
      out += '.';
      out += digits;
    }
    ++parts;
  }
  for (; parts < 4; ++parts) out += ".9999999";
  return out + "-dev";
}

// VersionParser::normalize; nullopt where it throws.
std::optional<std::string> NormalizeComposer(std::string_view s) {
  s = TrimPhp(s);
  // "1.0.x-dev as 1.0.0": the part before " as ".
  size_t as = s.find(" as ");
  if (as != std::string_view::npos) {
    std::string_view left = s.substr(0, as), right = s.substr(as + 4);
    while (!left.empty() && left.back() == ' ') left.remove_suffix(1);
    while (!right.empty() && right[0] == ' ') right.remove_prefix(1);
    bool plain = !left.empty() && !right.empty();
    for (char c : left) plain = plain && c != ',' && !IsPcreSpace(c);
    for (char c : right) plain = plain && c != ',' && !IsPcreSpace(c);
    if (plain) s = left;
  }
  for (std::string_view flag : {"@stable", "@RC", "@beta", "@alpha", "@dev"}) {
    if (EndsWithIgnoreCase(s, flag)) {
      s.remove_suffix(flag.size());
      break;
    }
  }
  if (s == "master" || s == "trunk" || s == "default") return "dev-" + std::string(s);
  if (StartsWithIgnoreCase(s, "dev-")) return "dev-" + std::string(s.substr(4));
  // "+build" metadata, when the part before it has no ',' or whitespace and the rest no
  // whitespace.
  size_t plus = s.find('+');
  if (plus != std::string_view::npos && plus > 0 && plus + 1 < s.size()) {
    bool plain = true;
    for (size_t i = 0; i < s.size(); ++i) {
      if (IsPcreSpace(s[i]) || (i < plus && s[i] == ',')) plain = false;
    }
    if (plain) s = s.substr(0, plus);
  }
  if (std::optional<std::string> v = NormalizeClassical(s)) return v;
  if (std::optional<std::string> v = NormalizeDate(s)) return v;
  // "(.*?)[.-]?dev$": a numeric branch such as 1.x-dev.
  if (EndsWithIgnoreCase(s, "dev")) {
    std::string_view name = s.substr(0, s.size() - 3);
    if (!name.empty() && (name.back() == '.' || name.back() == '-')) name.remove_suffix(1);
    return NormalizeNumericBranch(name);
  }
  return std::nullopt;
}

// PHP's php_canonicalize_version.
std::string CanonicalizePhp(std::string_view v) {
  std::string out;
  if (v.empty()) return out;
  out.reserve(v.size() * 2);
  auto is_digit = [](char c) { return IsAsciiDigit(c); };
  auto is_non_digit = [](char c) { return !IsAsciiDigit(c) && c != '.'; };
  char previous = v[0];
  out += previous;
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    char last = out.back();
    if (c == '-' || c == '_' || c == '+') {
      if (last != '.') out += '.';
    } else if ((is_non_digit(previous) && is_digit(c)) || (is_digit(previous) && is_non_digit(c))) {
      if (last != '.') out += '.';
      out += c;
    } else if (!IsAsciiAlnum(c)) {
      if (last != '.') out += '.';
    } else {
      out += c;
    }
    previous = c;
  }
  return out;
}

struct PackagistVersion {
  std::string canonical;  // version_compare's canonical form
  std::string branch;     // the normalized "dev-NAME" of a branch, else empty
};

PackagistVersion Prepare(std::string_view s) {
  PackagistVersion v;
  std::optional<std::string> normalized = NormalizeComposer(s);
  if (normalized) {
    if (normalized->starts_with("dev-")) v.branch = *normalized;
    v.canonical = CanonicalizePhp(*normalized);
  } else {
    if (s.size() >= 2 && (s[0] == 'v' || s[0] == 'V') && IsAsciiDigit(s[1])) s.remove_prefix(1);
    v.canonical = CanonicalizePhp(s);
  }
  return v;
}

// Classes of a part, in order. A number compares with words as the rank between RC and pl;
// the end of the version ("nothing more") and '#' words rank just below numbers.
enum PartClass : int {
  kUnknownWord = 1,
  kDev,
  kAlpha,
  kBeta,
  kRc,
  kNothing,
  kNumber,
  kPatch,
};

PartClass ClassOf(std::string_view part) {
  if (!part.empty() && IsAsciiDigit(part[0])) return kNumber;
  if (part.starts_with("dev")) return kDev;
  if (part.starts_with("a")) return kAlpha;
  if (part.starts_with("b")) return kBeta;
  if (part.starts_with("RC") || part.starts_with("rc")) return kRc;
  if (part.starts_with("#")) return kNothing;
  if (part.starts_with("p")) return kPatch;
  return kUnknownWord;
}

// Takes the next '.'-separated part; `done` once the string has no more parts.
std::string_view NextPart(std::string_view& rest, bool& done) {
  size_t dot = rest.find('.');
  std::string_view part = rest.substr(0, dot);
  if (dot == std::string_view::npos) {
    done = true;
  } else {
    rest.remove_prefix(dot + 1);
  }
  return part;
}

// Two numeric parts as PHP reads them, with strtol: a value beyond LONG_MAX is LONG_MAX.
int ComparePhpNumbers(std::string_view x, std::string_view y) {
  static constexpr std::string_view kLongMax = "9223372036854775807";
  auto capped = [](std::string_view digits) {
    while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
    return digits.size() > kLongMax.size() ||
                   (digits.size() == kLongMax.size() && digits > kLongMax)
               ? kLongMax
               : digits;
  };
  return CompareDigits(capped(x), capped(y));
}

int CompareCanonical(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return !a.empty() - !b.empty();
  bool a_done = false, b_done = false;
  while (!a_done || !b_done) {
    bool a_present = !a_done, b_present = !b_done;
    std::string_view x = a_present ? NextPart(a, a_done) : std::string_view();
    std::string_view y = b_present ? NextPart(b, b_done) : std::string_view();
    PartClass cx = a_present ? ClassOf(x) : kNothing;
    PartClass cy = b_present ? ClassOf(y) : kNothing;
    if (cx != cy) return cx < cy ? -1 : 1;
    if (cx == kNumber) {
      if (int c = ComparePhpNumbers(x, y); c != 0) return c;
    }
  }
  return 0;
}

int ComparePackagist(const PackagistVersion& a, const PackagistVersion& b) {
  if (int c = CompareCanonical(a.canonical, b.canonical); c != 0) return c;
  if (a.branch.empty() != b.branch.empty()) return a.branch.empty() ? -1 : 1;
  return CompareBytes(a.branch, b.branch);
}

class PackagistOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kPackagist; }
  std::string_view name() const override { return "packagist"; }

  int Compare(std::string_view a, std::string_view b) const override {
    return ComparePackagist(Prepare(a), Prepare(b));
  }

  bool IsValid(std::string_view v) const override { return NormalizeComposer(v).has_value(); }

  // Layout: for each of the first three parts (or "nothing more"), 4 bits of its class and 17
  // bits of its value when it is a number. The empty string, below everything, gets 0.
  uint64_t CoarseKey(std::string_view v) const override {
    PackagistVersion prepared = Prepare(v);
    if (prepared.canonical.empty()) return 0;
    std::string_view rest = prepared.canonical;
    bool done = false;
    CoarseKeyBuilder key;
    for (int i = 0; i < 3; ++i) {
      bool present = !done;
      std::string_view part = present ? NextPart(rest, done) : std::string_view();
      PartClass cls = present ? ClassOf(part) : kNothing;
      key.Add(static_cast<uint64_t>(cls), 4);
      key.AddDigits(cls == kNumber ? part : std::string_view(), 17);
    }
    return key.Finish();
  }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewPackagistOrdering() {
  return std::make_unique<PackagistOrdering>();
}

}  // namespace bulwark::vuln::internal
