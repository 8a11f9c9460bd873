#include "vuln/internal/rpm_ordering.h"

#include <optional>

#include "vuln/internal/version_text.h"

namespace bulwark::vuln::internal {
namespace {

struct Evr {
  std::string_view epoch;  // digits; "" compares as 0
  std::string_view version;
  std::optional<std::string_view> release;
};

// rpm's parseEVR: an epoch only when the string starts with digits (possibly none) and a colon.
Evr Split(std::string_view v) {
  Evr evr;
  size_t digits = DigitRunLength(v);
  if (digits < v.size() && v[digits] == ':') {
    evr.epoch = v.substr(0, digits);
    v.remove_prefix(digits + 1);
  }
  if (size_t hyphen = v.rfind('-'); hyphen != std::string_view::npos) {
    evr.release = v.substr(hyphen + 1);
    v = v.substr(0, hyphen);
  }
  evr.version = v;
  return evr;
}

bool IsSeparator(char c) { return !IsAsciiAlnum(c) && c != '~' && c != '^'; }

// One step of rpmvercmp's walk: the next "~", "^", segment, or the end.
struct Segment {
  enum Kind : uint64_t { kTilde = 0, kEnd = 1, kCaret = 2, kAlpha = 3, kNumber = 4 };
  Kind kind;
  std::string_view text;
};

Segment NextSegment(std::string_view s, size_t* pos) {
  size_t i = *pos;
  while (i < s.size() && IsSeparator(s[i])) ++i;
  Segment seg{Segment::kEnd, {}};
  if (i == s.size()) {
    *pos = i;
    return seg;
  }
  size_t start = i;
  if (s[i] == '~' || s[i] == '^') {
    seg.kind = s[i] == '~' ? Segment::kTilde : Segment::kCaret;
    ++i;
  } else if (IsAsciiDigit(s[i])) {
    seg.kind = Segment::kNumber;
    while (i < s.size() && IsAsciiDigit(s[i])) ++i;
  } else {
    seg.kind = Segment::kAlpha;
    while (i < s.size() && IsAsciiAlpha(s[i])) ++i;
  }
  seg.text = s.substr(start, i - start);
  *pos = i;
  return seg;
}

// rpmvercmp. Its walk is a lexicographic comparison of segment sequences in which, at one
// position, "~" < end < "^" < letters < digits, letters compare by strcmp and digits by value.
int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  size_t i = 0, j = 0;
  while (true) {
    Segment sa = NextSegment(a, &i), sb = NextSegment(b, &j);
    if (sa.kind != sb.kind) return sa.kind < sb.kind ? -1 : 1;
    int c = 0;
    switch (sa.kind) {
      case Segment::kEnd:
        return 0;
      case Segment::kNumber:
        c = CompareDigitRuns(sa.text, sb.text);
        break;
      case Segment::kAlpha:
        c = CompareBytes(sa.text, sb.text);
        break;
      case Segment::kTilde:
      case Segment::kCaret:
        break;
    }
    if (c != 0) return c;
  }
}

bool IsSpecText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAsciiAlnum(c) && c != '.' && c != '_' && c != '+' && c != '~' && c != '^') {
      return false;
    }
  }
  return true;
}

constexpr int kEpochBits = 8;
constexpr int kFirstBits = 28;
constexpr int kSecondBits = 22;

class RpmOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kRpm; }
  std::string_view name() const override { return "rpm"; }

  int Compare(std::string_view a, std::string_view b) const override {
    Evr ea = Split(UpToNul(a)), eb = Split(UpToNul(b));
    if (int c = CompareDigitRuns(ea.epoch, eb.epoch); c != 0) return c;
    if (int c = RpmVerCmp(ea.version, eb.version); c != 0) return c;
    if (!ea.release || !eb.release) return ea.release.has_value() - eb.release.has_value();
    return RpmVerCmp(*ea.release, *eb.release);
  }

  bool IsValid(std::string_view v) const override {
    if (size_t colon = v.find(':'); colon != std::string_view::npos) {
      std::string_view epoch = v.substr(0, colon);
      if (epoch.empty() || DigitRunLength(epoch) != epoch.size()) return false;
      v.remove_prefix(colon + 1);
    }
    size_t hyphen = v.find('-');
    if (hyphen == std::string_view::npos) return IsSpecText(v);
    return IsSpecText(v.substr(0, hyphen)) && IsSpecText(v.substr(hyphen + 1));
  }

  // Layout, most significant first: epoch (8 bits), then the version's first two segments,
  // each as its kind (3 bits) and, for a number, its value (28 and 22 bits). A field that
  // saturates or leaves the order open (letters, "~", "^") leaves every later field 0.
  uint64_t CoarseKey(std::string_view v) const override {
    Evr evr = Split(UpToNul(v));
    KeyBuilder key;
    uint64_t epoch = SaturatingDigitValue(evr.epoch, FieldMax(kEpochBits));
    key.Append(epoch, kEpochBits);
    if (epoch == FieldMax(kEpochBits)) return key.key();
    size_t pos = 0;
    for (int bits : {kFirstBits, kSecondBits}) {
      Segment seg = NextSegment(evr.version, &pos);
      key.Append(seg.kind, 3);
      if (seg.kind != Segment::kNumber) return key.key();
      uint64_t value = SaturatingDigitValue(seg.text, FieldMax(bits));
      key.Append(value, bits);
      if (value == FieldMax(bits)) return key.key();
    }
    return key.key();
  }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewRpmOrdering() { return std::make_unique<RpmOrdering>(); }

}  // namespace bulwark::vuln::internal
