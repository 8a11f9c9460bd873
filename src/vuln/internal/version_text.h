// Character and digit-run helpers shared by the distribution orderings (dpkg, rpm, apk, CRAN,
// Hackage). Every function is allocation-free and works on digit runs of any length, so a
// version number with forty digits compares exactly instead of overflowing.
//
// Thread-safety: pure functions.
//
//   CompareDigitRuns("0010", "9");       // > 0: 10 > 9
//   SaturatingDigitValue("123456", 1000);  // 1000
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace bulwark::vuln::internal {

// ASCII-only classification: the C implementations we follow use the "C" locale (dpkg's
// c_isdigit, rpm's risdigit, apk's byte tables), so bytes >= 0x80 are never letters or digits.
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAsciiAlpha(char c) { return IsAsciiLower(c) || (c >= 'A' && c <= 'Z'); }
inline bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }

inline int Sign(int v) { return (v > 0) - (v < 0); }

// The reference implementations read C strings, so an embedded NUL ends the version there.
inline std::string_view UpToNul(std::string_view v) {
  const void* nul = std::memchr(v.data(), '\0', v.size());
  return nul == nullptr ? v : v.substr(0, static_cast<const char*>(nul) - v.data());
}

// The length of the run of ASCII digits at the start of `v`.
inline size_t DigitRunLength(std::string_view v) {
  size_t n = 0;
  while (n < v.size() && IsAsciiDigit(v[n])) ++n;
  return n;
}

// Compares two runs of ASCII digits as non-negative integers ("" is 0; leading zeros do not
// count). Returns -1, 0 or 1.
inline int CompareDigitRuns(std::string_view a, std::string_view b) {
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

// The value of a run of ASCII digits, or `cap` when it is at least `cap`.
inline uint64_t SaturatingDigitValue(std::string_view digits, uint64_t cap) {
  uint64_t value = 0;
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (value > (cap - d) / 10) return cap;
    value = value * 10 + d;
  }
  return value < cap ? value : cap;
}

// Byte-wise comparison as memcmp then length (a prefix sorts first). Returns -1, 0 or 1.
inline int CompareBytes(std::string_view a, std::string_view b) { return Sign(a.compare(b)); }

// Packs fields into a CoarseKey from the most significant bit down.
class KeyBuilder {
 public:
  // REQUIRES: value < 2^bits and the total of all bits <= 64.
  void Append(uint64_t value, int bits) {
    used_ += bits;
    key_ |= value << (64 - used_);
  }
  uint64_t key() const { return key_; }

 private:
  uint64_t key_ = 0;
  int used_ = 0;
};

// The largest value a field of `bits` bits holds.
constexpr uint64_t FieldMax(int bits) { return (uint64_t{1} << bits) - 1; }

}  // namespace bulwark::vuln::internal
