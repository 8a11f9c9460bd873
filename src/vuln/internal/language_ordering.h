// Shared pieces of the language-registry version orderings (SemVer family, PEP 440, Maven,
// RubyGems, Packagist): the per-scheme constructors that language_orderings.cc dispatches to,
// overflow-free comparison of digit strings, and the builder for 64-bit coarse keys.
//
// Everything here works on std::string_view without allocating; the orderings call these on
// the matcher's hot path.
//
// Thread-safety: free functions without state; CoarseKeyBuilder is a local value.
//
//   CompareDigits("0010", "9");  // > 0: 10 > 9, whatever the length of the digit strings
//   CoarseKeyBuilder key;
//   key.AddDigits("3", 20);      // major
//   key.AddDigits("14", 20);     // minor
//   uint64_t k = key.Finish();
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

// kSemVer, kGo, kNuGet or kPub; nullptr for any other scheme.
std::unique_ptr<VersionOrdering> NewSemVerFamilyOrdering(VersionScheme scheme);
std::unique_ptr<VersionOrdering> NewPep440Ordering();
std::unique_ptr<VersionOrdering> NewMavenOrdering();
std::unique_ptr<VersionOrdering> NewRubyGemsOrdering();
std::unique_ptr<VersionOrdering> NewPackagistOrdering();

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }
inline char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAsciiDigit(c)) return false;
  }
  return true;
}

// Negative, zero or positive as x <, ==, > y; like memcmp, but a sign only.
inline int Sign(int x) { return (x > 0) - (x < 0); }

// Bytewise three-way comparison, -1/0/1.
inline int CompareBytes(std::string_view a, std::string_view b) { return Sign(a.compare(b)); }

// Case-insensitive (ASCII) three-way comparison, -1/0/1.
int CompareBytesIgnoreCase(std::string_view a, std::string_view b);

// Whether a equals b ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Whether s starts with prefix, ignoring ASCII case.
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);

// Compares two strings of ASCII digits as non-negative integers of any length: leading zeros
// are skipped, then the longer number is larger, then bytes decide. An empty string is zero.
// Returns -1, 0 or 1.
int CompareDigits(std::string_view a, std::string_view b);

// Whether a digit string is zero (empty counts as zero).
bool IsZeroDigits(std::string_view digits);

// Builds a CoarseKey from fixed-width fields, most significant first. A field whose value does
// not fit saturates to all ones, and so does every later field: two versions that agree up to
// a saturated field then get the same key, which keeps "a < b implies key(a) <= key(b)" true
// without knowing how the values beyond the field's width compare.
class CoarseKeyBuilder {
 public:
  // Appends a field of `bits` bits (1..63 in total over all fields: the key holds 64).
  void Add(uint64_t value, int bits);
  // Appends the value of a digit string (any length), saturating.
  void AddDigits(std::string_view digits, int bits);
  // The key, with unused low bits zero (or ones once a field saturated).
  uint64_t Finish() const;

 private:
  uint64_t key_ = 0;
  int used_bits_ = 0;
  bool saturated_ = false;
};

}  // namespace bulwark::vuln::internal
