// The version ordering of R packages on CRAN: R's compareVersion (utils), which R's
// package_version agrees with on every valid version.
//
// A version splits at every "." and "-" into parts ("1.2-3" is 1, 2, 3; a separator at the very
// end adds no part, as R's strsplit has it), and each part is read as R's as.integer reads text:
// decimal digits with an optional exponent ("1e2" is 100), "0x" and hex digits, spaces around
// it, truncated to an integer; anything else is NA. Versions compare part by part by value,
// and a version that is a prefix of another is the smaller ("1.0" < "1.0.0"). R stops with an
// error when the comparison reaches an NA part or a number beyond its 32-bit integers; here
// NA sorts below every number (byte-wise among NA parts) and runs of digits of any length
// compare by value, so every string has a place. IsValid follows
// package_version: runs of digits separated by single "." or "-", at least two of them.
//
// Thread-safety: immutable; safe from any thread.
//
//   NewCranOrdering()->Compare("0.1-2", "0.2-2");  // < 0
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewCranOrdering();

}  // namespace bulwark::vuln::internal
