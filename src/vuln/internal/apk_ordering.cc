#include "vuln/internal/apk_ordering.h"

#include <algorithm>

#include "vuln/internal/version_text.h"

namespace bulwark::vuln::internal {
namespace {

// Token kinds in apk-tools 2's order (TOKEN_INVALID, TOKEN_DIGIT_OR_ZERO, TOKEN_DIGIT, ...):
// a token may follow one of a higher kind only where NextKind allows it, and where two
// versions' next tokens differ in kind, the higher kind is the lower version.
enum class Kind : uint8_t {
  kInvalid,
  kDottedNumber,
  kNumber,
  kLetter,
  kSuffix,
  kSuffixNumber,
  kRevision,
  kEnd,
};

bool IsTerminal(Kind kind) { return kind == Kind::kInvalid || kind == Kind::kEnd; }

// A suffix's value: pre-releases below 0, post-releases from 0. An unknown name gets -1, the
// value apk's get_token returns for it, and `length` 0.
struct SuffixMatch {
  int value;
  size_t length;
};

// apk matches the suffix names as prefixes of the text, pre-releases first, so "_pre1" is
// "pre" then 1 and "_p1" is "p" then 1.
SuffixMatch MatchSuffix(std::string_view text) {
  static constexpr std::string_view kPre[] = {"alpha", "beta", "pre", "rc"};
  static constexpr std::string_view kPost[] = {"cvs", "svn", "git", "hg", "p"};
  for (int i = 0; i < 4; ++i) {
    if (text.starts_with(kPre[i])) return {i - 4, kPre[i].size()};
  }
  for (int i = 0; i < 5; ++i) {
    if (text.starts_with(kPost[i])) return {i, kPost[i].size()};
  }
  return {-1, 0};
}

struct Token {
  Kind kind;
  std::string_view digits;  // a number of any kind; empty reads as 0
  size_t zeros = 0;         // a dotted number's leading zeros but the last: its value is -zeros
  int small = 0;            // a letter's byte, a suffix's value
};

// Reads a version's tokens as apk-tools 2's get_token and next_token do. kind() is the kind of
// the token Take() reads next (apk's *type); it starts as a number.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view v) : rest_(v) {}

  Kind kind() const { return kind_; }

  // Whether a number so far had 18 or more digits, which apk takes for the end of the version.
  bool saw_long_number() const { return saw_long_number_; }

  // The value of the suffix Take() reads next. REQUIRES: kind() is kSuffix.
  int NextSuffixValue() const { return rest_.empty() ? 0 : MatchSuffix(rest_).value; }

  // REQUIRES: kind() is neither kEnd nor kInvalid.
  Token Take() {
    Token t{kind_};
    if (rest_.empty()) {  // "1." and "1-r" end in a 0; "1_" in a suffix of value 0
      kind_ = Kind::kEnd;
      return t;
    }
    switch (kind_) {
      case Kind::kDottedNumber:
        if (rest_[0] == '0') {
          size_t n = 1;
          while (n < rest_.size() && rest_[n] == '0') ++n;
          t.zeros = n - 1;
          rest_.remove_prefix(n - 1);
          kind_ = Kind::kNumber;  // the last zero and the digits after it
          return t;
        }
        [[fallthrough]];
      case Kind::kNumber:
      case Kind::kSuffixNumber:
      case Kind::kRevision: {
        size_t n = DigitRunLength(rest_);
        if (n >= 18) saw_long_number_ = true;
        t.digits = rest_.substr(0, n);
        rest_.remove_prefix(n);
        break;
      }
      case Kind::kLetter:
        t.small = static_cast<unsigned char>(rest_[0]);
        rest_.remove_prefix(1);
        break;
      case Kind::kSuffix: {
        SuffixMatch match = MatchSuffix(rest_);
        t.small = match.value;
        if (match.length == 0) {
          kind_ = Kind::kInvalid;
          return t;
        }
        rest_.remove_prefix(match.length);
        break;
      }
      case Kind::kInvalid:
      case Kind::kEnd:
        return t;
    }
    kind_ = rest_.empty() ? Kind::kEnd : NextKind(t.kind);
    return t;
  }

 private:
  // apk's next_token: the kind of the token starting at rest_ after a token of kind `prev`,
  // taking the separator that introduces it.
  Kind NextKind(Kind prev) {
    char c = rest_[0];
    Kind next;
    if ((prev == Kind::kNumber || prev == Kind::kDottedNumber) && IsAsciiLower(c)) {
      next = Kind::kLetter;
    } else if (prev == Kind::kLetter && IsAsciiDigit(c)) {
      next = Kind::kNumber;
    } else if (prev == Kind::kSuffix && IsAsciiDigit(c)) {
      next = Kind::kSuffixNumber;
    } else {
      if (c == '.') {
        next = Kind::kDottedNumber;
      } else if (c == '_') {
        next = Kind::kSuffix;
      } else if (c == '-' && rest_.size() > 1 && rest_[1] == 'r') {
        next = Kind::kRevision;
        rest_.remove_prefix(1);
      } else {
        next = Kind::kInvalid;
      }
      rest_.remove_prefix(1);
    }
    bool allowed = next >= prev || (next == Kind::kDottedNumber && prev == Kind::kNumber) ||
                   (next == Kind::kSuffix && prev == Kind::kSuffixNumber) ||
                   (next == Kind::kNumber && prev == Kind::kLetter);
    return allowed ? next : Kind::kInvalid;
  }

  std::string_view rest_;
  Kind kind_ = Kind::kNumber;
  bool saw_long_number_ = false;
};

int CompareInts(int64_t a, int64_t b) { return (a > b) - (a < b); }

// Two tokens of the same kind, as apk compares their values (but numbers of any length).
int CompareTokens(const Token& a, const Token& b) {
  switch (a.kind) {
    case Kind::kDottedNumber:
      if (a.zeros != 0 || b.zeros != 0) {
        // -zeros against -zeros or against a number, which is at least 0.
        if (a.zeros == 0 || b.zeros == 0) return a.zeros == 0 ? 1 : -1;
        return a.zeros < b.zeros ? 1 : a.zeros > b.zeros ? -1 : 0;
      }
      return CompareDigitRuns(a.digits, b.digits);
    case Kind::kNumber:
    case Kind::kSuffixNumber:
    case Kind::kRevision:
      return CompareDigitRuns(a.digits, b.digits);
    case Kind::kLetter:
    case Kind::kSuffix:
      return CompareInts(a.small, b.small);
    case Kind::kInvalid:
    case Kind::kEnd:
      break;
  }
  return 0;
}

// Where the next token of a version stands against a token of another kind at the same
// place, lowest first: a pre-release or unknown suffix, then the kinds from kEnd down to
// kInvalid. Tokens of one rank compare by value.
uint64_t Rank(Kind kind, int suffix_value) {
  if (kind == Kind::kSuffix && suffix_value < 0) return 0;
  return 1 + static_cast<uint64_t>(Kind::kEnd) - static_cast<uint64_t>(kind);
}

constexpr int kFirstBits = 16;
constexpr int kRankBits = 4;
constexpr int kNumberBits = 14;
constexpr int kLetterBits = 8;
constexpr int kSuffixBits = 4;
// A dotted number's field: values -1..-(kZeroSlots - 1) below kZeroSlots, 0 and up from it.
constexpr uint64_t kZeroSlots = 8;

class ApkOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kApk; }
  std::string_view name() const override { return "apk"; }

  int Compare(std::string_view a, std::string_view b) const override {
    Tokenizer ta(UpToNul(a)), tb(UpToNul(b));
    while (ta.kind() == tb.kind()) {
      if (IsTerminal(ta.kind())) return 0;
      Token x = ta.Take(), y = tb.Take();
      if (int c = CompareTokens(x, y); c != 0) return c;
    }
    // apk's tail: the version going on is greater unless it goes on with a pre-release.
    if (ta.kind() == Kind::kSuffix && ta.NextSuffixValue() < 0) return -1;
    if (tb.kind() == Kind::kSuffix && tb.NextSuffixValue() < 0) return 1;
    return ta.kind() > tb.kind() ? -1 : 1;
  }

  bool IsValid(std::string_view v) const override {
    if (v.find('\0') != std::string_view::npos) return false;
    Tokenizer t(v);
    while (!IsTerminal(t.kind())) t.Take();
    return t.kind() == Kind::kEnd && !t.saw_long_number();
  }

  // Layout, most significant first: the first number (16 bits), then, while bits remain, each
  // later place's Rank (4 bits) and, unless the version ends there, its value: a number 14
  // bits, a dotted number 14 (kZeroSlots - zeros for leading zeros, kZeroSlots + the rest
  // otherwise), a letter 8 (its byte), a suffix 4 (its value + 4); near the end of the key a
  // value gets what bits are left. A value at its field's maximum, or a dotted number of
  // kZeroSlots or more zeros (all 0), ends the key with the rest 0: past such a field the key
  // no longer knows how two versions compare.
  uint64_t CoarseKey(std::string_view v) const override {
    Tokenizer t(UpToNul(v));
    KeyBuilder key;
    int left = 64 - kFirstBits;
    uint64_t first = SaturatingDigitValue(t.Take().digits, FieldMax(kFirstBits));
    key.Append(first, kFirstBits);
    if (first == FieldMax(kFirstBits)) return key.key();
    while (left >= kRankBits) {
      Kind kind = t.kind();
      if (IsTerminal(kind)) {
        key.Append(Rank(kind, 0), kRankBits);
        break;
      }
      Token token = t.Take();
      key.Append(Rank(kind, token.small), kRankBits);
      left -= kRankBits;
      int bits = std::min(kind == Kind::kLetter   ? kLetterBits
                          : kind == Kind::kSuffix ? kSuffixBits
                                                  : kNumberBits,
                          left);
      if (bits == 0) break;
      uint64_t max = FieldMax(bits);
      uint64_t value;
      bool merged = false;  // the field holds other values alike below its maximum
      switch (kind) {
        case Kind::kLetter:
          value = static_cast<uint64_t>(token.small);
          break;
        case Kind::kSuffix:
          value = static_cast<uint64_t>(token.small + 4);
          break;
        case Kind::kDottedNumber:
          if (token.zeros >= kZeroSlots) {
            value = 0;
            merged = true;
          } else if (token.zeros != 0) {
            value = kZeroSlots - token.zeros;
          } else {
            value = kZeroSlots + SaturatingDigitValue(token.digits, max);
          }
          break;
        default:
          value = SaturatingDigitValue(token.digits, max);
          break;
      }
      value = std::min(value, max);
      key.Append(value, bits);
      left -= bits;
      if (merged || value == max) break;
    }
    return key.key();
  }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewApkOrdering() { return std::make_unique<ApkOrdering>(); }

}  // namespace bulwark::vuln::internal
