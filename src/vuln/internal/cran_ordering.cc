#include "vuln/internal/cran_ordering.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "vuln/internal/version_text.h"

namespace bulwark::vuln::internal {
namespace {

constexpr int64_t kIntMax = 2147483647;  // R's integers are 32-bit; INT_MIN is NA

bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

int HexDigit(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads an exponent's optional sign and digits after its letter; `p` moves past them.
int ReadExponent(std::string_view s, size_t* p) {
  int sign = 1;
  if (*p < s.size() && (s[*p] == '+' || s[*p] == '-')) sign = s[(*p)++] == '-' ? -1 : 1;
  int exponent = 0;
  for (; *p < s.size() && IsAsciiDigit(s[*p]); ++*p) {
    if (exponent < 100000) exponent = exponent * 10 + (s[*p] - '0');
  }
  return sign * exponent;
}

// R's as.integer of one part: R_strtod's reading of a number (an optional sign, decimal
// digits with an optional e/E exponent, or 0x and hex digits with an optional p/P binary
// exponent; spaces around it), truncated toward zero. nullopt is R's NA: nothing numeric,
// something left over, or a value outside R's 32-bit integers.
std::optional<int64_t> AsInteger(std::string_view s) {
  size_t p = 0;
  while (p < s.size() && IsSpace(s[p])) ++p;
  double sign = 1;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) sign = s[p++] == '-' ? -1 : 1;
  double value = 0;
  if (s.size() - p > 2 && s[p] == '0' && (s[p + 1] == 'x' || s[p + 1] == 'X')) {
    for (p += 2; p < s.size() && HexDigit(s[p]) >= 0; ++p) value = 16 * value + HexDigit(s[p]);
    if (p < s.size() && (s[p] == 'p' || s[p] == 'P')) {
      ++p;
      value = std::ldexp(value, ReadExponent(s, &p));
    }
  } else {
    size_t digits = 0;
    for (; p < s.size() && IsAsciiDigit(s[p]); ++p, ++digits) value = 10 * value + (s[p] - '0');
    if (digits == 0) return std::nullopt;
    if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
      ++p;
      int exponent = ReadExponent(s, &p);
      value = exponent >= 0 ? value * std::pow(10.0, exponent) : value / std::pow(10.0, -exponent);
    }
  }
  while (p < s.size() && IsSpace(s[p])) ++p;
  if (p != s.size()) return std::nullopt;
  value = std::trunc(sign * value);
  if (!(value <= kIntMax && value > -kIntMax - 1)) return std::nullopt;
  return static_cast<int64_t>(value);
}

// compareVersion's strsplit(v, "[.-]"): the pieces between separators, where a separator at
// the very end ends the string without an empty piece after it.
class Parts {
 public:
  explicit Parts(std::string_view v) : rest_(v), done_(v.empty()) {}

  // The next part, or false at the end.
  bool Next(std::string_view* part) {
    if (done_) return false;
    size_t end = rest_.find_first_of(".-");
    *part = rest_.substr(0, end);
    if (end == std::string_view::npos || end + 1 == rest_.size()) {
      done_ = true;
    } else {
      rest_.remove_prefix(end + 1);
    }
    return true;
  }

 private:
  std::string_view rest_;
  bool done_;
};

// A part as compared: R's as.integer of it, or when that is NA, its text. A run of digits too
// long for R's integers is NA in R, but is kept as a number here, above every smaller one.
struct Part {
  enum Kind { kNa, kNumber, kLongNumber } kind;
  int64_t value;          // kNumber
  std::string_view text;  // kNa: the part; kLongNumber: its digits
};

Part ReadPart(std::string_view text) {
  if (std::optional<int64_t> value = AsInteger(text)) return {Part::kNumber, *value, {}};
  if (!text.empty() && DigitRunLength(text) == text.size()) return {Part::kLongNumber, 0, text};
  return {Part::kNa, 0, text};
}

// NA sorts below every number, byte-wise among NA parts (R stops with an error when it
// reaches an NA part, so any consistent place will do).
int CompareParts(const Part& a, const Part& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  switch (a.kind) {
    case Part::kNa:
      return CompareBytes(a.text, b.text);
    case Part::kNumber:
      return (a.value > b.value) - (a.value < b.value);
    case Part::kLongNumber:
      return CompareDigitRuns(a.text, b.text);
  }
  return 0;
}

constexpr int kPartBits = 21;

class CranOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kCran; }
  std::string_view name() const override { return "cran"; }

  int Compare(std::string_view a, std::string_view b) const override {
    Parts x(UpToNul(a)), y(UpToNul(b));
    std::string_view pa, pb;
    while (true) {
      bool has_a = x.Next(&pa), has_b = y.Next(&pb);
      if (!has_a || !has_b) return has_a == has_b ? 0 : (has_a ? 1 : -1);
      if (int c = CompareParts(ReadPart(pa), ReadPart(pb)); c != 0) return c;
    }
  }

  // package_version's grammar: at least two runs of digits, separated by single "." or "-".
  bool IsValid(std::string_view v) const override {
    int numbers = 0;
    while (true) {
      size_t n = DigitRunLength(v);
      if (n == 0) return false;
      ++numbers;
      if (n == v.size()) return numbers >= 2;
      if (v[n] != '.' && v[n] != '-') return false;
      v.remove_prefix(n + 1);
    }
  }

  // The first three parts in 21-bit fields: 0 when absent, 1 for NA, else 2 + the value,
  // saturating (and every field after an NA or saturated one 0).
  uint64_t CoarseKey(std::string_view v) const override {
    Parts parts(UpToNul(v));
    KeyBuilder key;
    std::string_view part;
    for (int field = 0; field < 3 && parts.Next(&part); ++field) {
      Part p = ReadPart(part);
      uint64_t f = p.kind == Part::kNa       ? 1
                   : p.kind == Part::kNumber ? static_cast<uint64_t>(p.value) + 2
                                             : FieldMax(kPartBits);
      f = std::min(f, FieldMax(kPartBits));
      key.Append(f, kPartBits);
      // NA parts order by their text, which the key does not hold.
      if (f == 1 || f == FieldMax(kPartBits)) break;
    }
    return key.key();
  }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewCranOrdering() { return std::make_unique<CranOrdering>(); }

}  // namespace bulwark::vuln::internal
