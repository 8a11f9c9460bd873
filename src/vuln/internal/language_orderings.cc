#include <algorithm>

#include "vuln/internal/language_ordering.h"
#include "vuln/internal/orderings.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewLanguageOrdering(VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kSemVer:
    case VersionScheme::kGo:
    case VersionScheme::kNuGet:
    case VersionScheme::kPub:
      return NewSemVerFamilyOrdering(scheme);
    case VersionScheme::kPep440:
      return NewPep440Ordering();
    case VersionScheme::kMaven:
      return NewMavenOrdering();
    case VersionScheme::kRubyGems:
      return NewRubyGemsOrdering();
    case VersionScheme::kPackagist:
      return NewPackagistOrdering();
    default:
      return nullptr;
  }
}

int CompareBytesIgnoreCase(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    char x = AsciiLower(a[i]), y = AsciiLower(b[i]);
    if (x != y) return static_cast<unsigned char>(x) < static_cast<unsigned char>(y) ? -1 : 1;
  }
  return (a.size() > n) - (b.size() > n);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CompareBytesIgnoreCase(a, b) == 0;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

namespace {

std::string_view StripLeadingZeros(std::string_view digits) {
  size_t i = 0;
  while (i < digits.size() && digits[i] == '0') ++i;
  return digits.substr(i);
}

}  // namespace

int CompareDigits(std::string_view a, std::string_view b) {
  a = StripLeadingZeros(a);
  b = StripLeadingZeros(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return CompareBytes(a, b);
}

bool IsZeroDigits(std::string_view digits) { return StripLeadingZeros(digits).empty(); }

void CoarseKeyBuilder::Add(uint64_t value, int bits) {
  const uint64_t max = (uint64_t{1} << bits) - 1;
  uint64_t field;
  // A value equal to max still fits; only a larger one loses information and saturates.
  if (saturated_ || value > max) {
    field = max;
    saturated_ = true;
  } else {
    field = value;
  }
  key_ = (key_ << bits) | field;
  used_bits_ += bits;
}

void CoarseKeyBuilder::AddDigits(std::string_view digits, int bits) {
  digits = StripLeadingZeros(digits);
  // Twenty digits may exceed 2^64; every field is narrower than that, so it saturates anyway.
  if (digits.size() >= 20) {
    Add(~uint64_t{0}, bits);
    return;
  }
  uint64_t value = 0;
  for (char c : digits) value = value * 10 + static_cast<uint64_t>(c - '0');
  Add(value, bits);
}

uint64_t CoarseKeyBuilder::Finish() const {
  const int unused = 64 - used_bits_;
  if (unused <= 0) return key_;
  uint64_t key = key_ << unused;
  if (saturated_) key |= (uint64_t{1} << unused) - 1;
  return key;
}

}  // namespace bulwark::vuln::internal
