// PEP 440 versions as packaging.version.Version parses and orders them (PyPI).
//
// Grammar (case-insensitive, surrounding whitespace allowed, an optional leading "v"):
//   [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]
// with the alternate spellings packaging normalizes: alpha/beta/c/pre/preview for the
// prerelease letters, rev/r for post, "-N" as an implicit post-release, separators '.', '-',
// '_' or none around each label, and a missing number meaning 0.
//
// Order: epoch, then the release with trailing zeros ignored, then the prerelease (a < b <
// rc; a dev release of a final version, with neither pre nor post, sorts below all its
// prereleases; no prerelease sorts above them), then post (none sorts below any), then dev
// (none sorts above any), then the local label (none sorts below any; segments compare
// element by element, numeric ones by value and above alphanumeric ones, alphanumeric ones
// case-insensitively; a shorter list that is a prefix sorts first). So
//   1.0.dev0 < 1.0a0.dev0 < 1.0a0 < 1.0 < 1.0+local < 1.0.post0.dev0 < 1.0.post0.
//
// Strings that are not PEP 440 versions (packaging raises InvalidVersion for them; real
// advisories list such versions, "0.3.2d", "3.0.0b3-") order as packaging's LegacyVersion
// ordered them before packaging 22 removed it, setuptools' old parse_version: below every
// valid version (an epoch of -1), and among themselves by the legacy key. The key lowercases
// the string and splits it into runs of digits, runs of letters, "." and "-", and whatever lies
// between; "." and empty pieces are dropped, "pre", "preview" and "rc" read as "c", "dev" as
// "@" and "-" as "final-"; numbers are zero-padded to 8 digits and the rest prefixed with "*";
// "*final" ends the list. Before each "*" piece, trailing "00000000" pieces are dropped, and
// before one that sorts below "*final", trailing "*final-" pieces too. Keys compare as tuples
// of strings.
#include <optional>
#include <string>
#include <vector>

#include "vuln/internal/language_ordering.h"

namespace bulwark::vuln::internal {
namespace {

// Python's str.isspace() over ASCII: the characters re's \s matches in packaging's pattern.
bool IsPythonSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

bool IsSeparator(char c) { return c == '.' || c == '-' || c == '_'; }

struct Pep440 {
  std::string_view epoch;    // digits; empty means 0
  std::string_view release;  // "N(.N)*"
  int pre_rank = -1;         // 0 a, 1 b, 2 rc; -1 without prerelease
  std::string_view pre_number;
  bool has_post = false;
  std::string_view post_number;
  bool has_dev = false;
  std::string_view dev_number;
  std::string_view local;  // without the '+'; empty when absent
};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }
  bool AtEnd() const { return pos_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }

  bool TakeSeparator() {
    if (AtEnd() || !IsSeparator(s_[pos_])) return false;
    ++pos_;
    return true;
  }

  std::string_view TakeDigits() {
    size_t start = pos_;
    while (!AtEnd() && IsAsciiDigit(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // Takes `word` (case-insensitively) when the text continues with it.
  bool TakeWord(std::string_view word) {
    if (!StartsWithIgnoreCase(s_.substr(pos_), word)) return false;
    pos_ += word.size();
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// The prerelease spellings, longest first where one is a prefix of another, with the letter
// each normalizes to (0 a, 1 b, 2 rc).
struct Spelling {
  std::string_view word;
  int rank;
};
constexpr Spelling kPreSpellings[] = {{"alpha", 0},   {"a", 0},   {"beta", 1}, {"b", 1},
                                      {"preview", 2}, {"pre", 2}, {"c", 2},    {"rc", 2}};
constexpr std::string_view kPostSpellings[] = {"post", "rev", "r"};

// "[sep][N]" after a label, both optional and greedy as in packaging's pattern. Taking a
// separator that no number follows never costs a later part its match: the post, dev and
// local parts accept an absent separator, and a bare trailing one is part of the label
// ("1.0a." is 1.0a0).
std::string_view TakeLabelNumber(Cursor& c) {
  c.TakeSeparator();
  return c.TakeDigits();
}

std::optional<Pep440> ParsePep440(std::string_view s) {
  while (!s.empty() && IsPythonSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsPythonSpace(s.back())) s.remove_suffix(1);
  Cursor c(s);
  Pep440 v;
  if (c.Peek() == 'v' || c.Peek() == 'V') c.Reset(1);

  // Epoch and release: "N!" then "N(.N)*".
  size_t start = c.pos();
  std::string_view first = c.TakeDigits();
  if (first.empty()) return std::nullopt;
  if (c.Peek() == '!') {
    v.epoch = first;
    c.Reset(c.pos() + 1);
    start = c.pos();
    if (c.TakeDigits().empty()) return std::nullopt;
  }
  while (c.Peek() == '.') {
    size_t dot = c.pos();
    c.Reset(dot + 1);
    if (c.TakeDigits().empty()) {
      c.Reset(dot);
      break;
    }
  }
  v.release = s.substr(start, c.pos() - start);

  // Prerelease.
  size_t mark = c.pos();
  c.TakeSeparator();
  for (const Spelling& spelling : kPreSpellings) {
    if (c.TakeWord(spelling.word)) {
      v.pre_rank = spelling.rank;
      v.pre_number = TakeLabelNumber(c);
      break;
    }
  }
  if (v.pre_rank < 0) c.Reset(mark);

  // Post-release: "-N", or "[sep]{post|rev|r}[sep][N]".
  mark = c.pos();
  if (c.Peek() == '-') {
    c.Reset(mark + 1);
    std::string_view digits = c.TakeDigits();
    if (!digits.empty()) {
      v.has_post = true;
      v.post_number = digits;
    } else {
      c.Reset(mark);
    }
  }
  if (!v.has_post) {
    c.TakeSeparator();
    for (std::string_view word : kPostSpellings) {
      if (c.TakeWord(word)) {
        v.has_post = true;
        v.post_number = TakeLabelNumber(c);
        break;
      }
    }
    if (!v.has_post) c.Reset(mark);
  }

  // Development release.
  mark = c.pos();
  c.TakeSeparator();
  if (c.TakeWord("dev")) {
    v.has_dev = true;
    v.dev_number = TakeLabelNumber(c);
  } else {
    c.Reset(mark);
  }

  // Local label: "+" then [a-z0-9]+ segments joined by single separators.
  if (c.Peek() == '+') {
    size_t local_start = c.pos() + 1;
    std::string_view rest = s.substr(local_start);
    bool need_segment = true;
    for (char ch : rest) {
      if (IsAsciiAlnum(ch)) {
        need_segment = false;
      } else if (IsSeparator(ch) && !need_segment) {
        need_segment = true;
      } else {
        return std::nullopt;
      }
    }
    if (need_segment) return std::nullopt;
    v.local = rest;
    c.Reset(s.size());
  }
  if (!c.AtEnd()) return std::nullopt;
  return v;
}

// Release segments compared as if padded with zeros, which is packaging's trailing-zero trim.
int CompareRelease(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    size_t a_dot = a.find('.'), b_dot = b.find('.');
    if (int c = CompareDigits(a.substr(0, a_dot), b.substr(0, b_dot)); c != 0) return c;
    a = a_dot == std::string_view::npos ? std::string_view() : a.substr(a_dot + 1);
    b = b_dot == std::string_view::npos ? std::string_view() : b.substr(b_dot + 1);
  }
  return 0;
}

// Takes the next local segment (split on any of . - _).
std::string_view NextLocalSegment(std::string_view& local) {
  size_t n = 0;
  while (n < local.size() && !IsSeparator(local[n])) ++n;
  std::string_view segment = local.substr(0, n);
  local.remove_prefix(n < local.size() ? n + 1 : n);
  return segment;
}

int CompareLocal(std::string_view a, std::string_view b) {
  // No local label sorts below any.
  if (a.empty() || b.empty()) return !a.empty() - !b.empty();
  while (!a.empty() && !b.empty()) {
    std::string_view x = NextLocalSegment(a), y = NextLocalSegment(b);
    bool x_numeric = AllDigits(x), y_numeric = AllDigits(y);
    int c;
    if (x_numeric && y_numeric) {
      c = CompareDigits(x, y);
    } else if (x_numeric != y_numeric) {
      c = x_numeric ? 1 : -1;
    } else {
      c = CompareBytesIgnoreCase(x, y);
    }
    if (c != 0) return c;
  }
  return !a.empty() - !b.empty();
}

// The prerelease slot of packaging's sort key: -1 for the "dev of a final" case (-infinity),
// 3 for no prerelease (+infinity), else the letter's rank.
int PreSlot(const Pep440& v) {
  if (v.pre_rank < 0 && !v.has_post && v.has_dev) return -1;
  if (v.pre_rank < 0) return 3;
  return v.pre_rank;
}

int ComparePep440(const Pep440& a, const Pep440& b) {
  if (int c = CompareDigits(a.epoch, b.epoch); c != 0) return c;
  if (int c = CompareRelease(a.release, b.release); c != 0) return c;
  int a_pre = PreSlot(a), b_pre = PreSlot(b);
  if (a_pre != b_pre) return a_pre < b_pre ? -1 : 1;
  if (a.pre_rank >= 0) {
    if (int c = CompareDigits(a.pre_number, b.pre_number); c != 0) return c;
  }
  if (a.has_post != b.has_post) return a.has_post ? 1 : -1;
  if (a.has_post) {
    if (int c = CompareDigits(a.post_number, b.post_number); c != 0) return c;
  }
  if (a.has_dev != b.has_dev) return a.has_dev ? -1 : 1;
  if (a.has_dev) {
    if (int c = CompareDigits(a.dev_number, b.dev_number); c != 0) return c;
  }
  return CompareLocal(a.local, b.local);
}

// packaging's _legacy_cmpkey (see the file comment), without its epoch of -1.
std::vector<std::string> LegacyKey(std::string_view v) {
  std::vector<std::string> parts;
  auto add = [&parts](std::string part) {
    if (part.empty() || part == ".") return;
    if (part == "pre" || part == "preview" || part == "rc") part = "c";
    if (part == "dev") part = "@";
    if (part == "-") part = "final-";
    if (IsAsciiDigit(part[0])) {
      if (part.size() < 8) part.insert(0, 8 - part.size(), '0');
    } else {
      part.insert(0, 1, '*');
      if (part < "*final") {
        while (!parts.empty() && parts.back() == "*final-") parts.pop_back();
      }
      while (!parts.empty() && parts.back() == "00000000") parts.pop_back();
    }
    parts.push_back(std::move(part));
  };
  std::string between;  // characters outside the pattern's pieces, kept as one piece
  size_t i = 0;
  while (i < v.size()) {
    char c = AsciiLower(v[i]);
    size_t j = i + 1;
    if (IsAsciiDigit(c)) {
      while (j < v.size() && IsAsciiDigit(v[j])) ++j;
    } else if (c >= 'a' && c <= 'z') {
      while (j < v.size() && IsAsciiAlpha(v[j])) ++j;
    } else if (c != '.' && c != '-') {
      between += c;
      i = j;
      continue;
    }
    add(std::move(between));
    between.clear();
    std::string piece(v.substr(i, j - i));
    for (char& ch : piece) ch = AsciiLower(ch);
    add(std::move(piece));
    i = j;
  }
  add(std::move(between));
  add("final");
  return parts;
}

int CompareLegacy(std::string_view a, std::string_view b) {
  std::vector<std::string> x = LegacyKey(a), y = LegacyKey(b);
  return x < y ? -1 : (y < x ? 1 : 0);
}

class Pep440Ordering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kPep440; }
  std::string_view name() const override { return "pep440"; }

  int Compare(std::string_view a, std::string_view b) const override {
    std::optional<Pep440> va = ParsePep440(a), vb = ParsePep440(b);
    if (va && vb) return ComparePep440(*va, *vb);
    if (va || vb) return va ? 1 : -1;
    return CompareLegacy(a, b);
  }

  bool IsValid(std::string_view v) const override { return ParsePep440(v).has_value(); }

  // Layout: 1 bit "valid", 4 bits epoch, 24, 16 and 13 bits of the first three release
  // numbers (missing ones are 0, as in the order), then, when the release is exactly those
  // three numbers (further ones all 0), 3 bits of PreSlot + 1 and 1 bit "a post-release
  // without a prerelease": the next two things the order compares, and 1 bit "anything else"
  // (a prerelease, post-release, dev release or local label), clear only for a plain final
  // release, which sorts below the same release with a local label. A longer release
  // saturates those fields instead, since its fourth number decides before them. Invalid
  // strings get 0.
  uint64_t CoarseKey(std::string_view v) const override {
    std::optional<Pep440> parsed = ParsePep440(v);
    if (!parsed) return 0;
    CoarseKeyBuilder key;
    key.Add(1, 1);
    key.AddDigits(parsed->epoch, 4);
    std::string_view release = parsed->release;
    for (int bits : {24, 16, 13}) {
      size_t dot = release.find('.');
      key.AddDigits(release.substr(0, dot), bits);
      release = dot == std::string_view::npos ? std::string_view() : release.substr(dot + 1);
    }
    bool longer = false;
    while (!release.empty()) {
      size_t dot = release.find('.');
      longer = longer || !IsZeroDigits(release.substr(0, dot));
      release = dot == std::string_view::npos ? std::string_view() : release.substr(dot + 1);
    }
    if (longer) {
      key.Add(uint64_t{1} << 3, 3);  // saturates this field and the next ones
      key.Add(0, 1);
      key.Add(0, 1);
      return key.Finish();
    }
    key.Add(static_cast<uint64_t>(PreSlot(*parsed) + 1), 3);
    key.Add(parsed->pre_rank < 0 && parsed->has_post ? 1 : 0, 1);
    bool plain =
        parsed->pre_rank < 0 && !parsed->has_post && !parsed->has_dev && parsed->local.empty();
    key.Add(plain ? 0 : 1, 1);
    return key.Finish();
  }

  // A plain final release (PreSlot 3 + 1 = 4, no post, nothing else), without saturation: the
  // lowest bit is unused and only a saturated key sets it.
  bool CoarseKeyIsExact(uint64_t key) const override {
    return (key >> 63) == 1 && (key & 0x3f) == (uint64_t{4} << 3);
  }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewPep440Ordering() { return std::make_unique<Pep440Ordering>(); }

}  // namespace bulwark::vuln::internal
