// Versions that are only numbers and separators, as CRAN ("1.2-3") and Hackage ("1.2.3") write
// them: reading, comparing and keying them without allocating.
//
// A dotted-number version is one or more runs of ASCII digits, each pair separated by exactly
// one of the allowed separator characters. Components compare by value (any length, leading
// zeros ignored) from the left, and a version that is a prefix of another is the smaller.
// Any other string sorts before every dotted-number version, byte-wise among its kind.
//
// Thread-safety: pure functions.
//
//   CompareDottedNumbers("1.10", "1.9", ".");     // > 0
//   CompareDottedNumbers("0.1-2", "0.1.2", ".-");  // 0
#pragma once

#include <cstdint>
#include <string_view>

namespace bulwark::vuln::internal {

// Whether `v` is a dotted-number version with these separators.
bool IsDottedNumbers(std::string_view v, std::string_view separators);

// The number of components of a dotted-number version. REQUIRES: IsDottedNumbers(v, seps).
size_t DottedNumberCount(std::string_view v, std::string_view separators);

// The total order described above. Returns -1, 0 or 1.
int CompareDottedNumbers(std::string_view a, std::string_view b, std::string_view separators);

// A CoarseKey for that order: 0 for other strings; for dotted numbers, a set top bit and the
// first three components in 21-bit fields, each holding 1 + the value (0 when the component
// is absent), saturating, with every field after a saturated one 0.
uint64_t DottedNumbersKey(std::string_view v, std::string_view separators);

}  // namespace bulwark::vuln::internal
