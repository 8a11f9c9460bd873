// The version ordering of R packages on CRAN: R's package_version / compareVersion.
//
// A version is numbers separated by "." or "-" ("1.2-3" is 1, 2, 3); versions compare number
// by number by value (any length; "0.01" is 0, 1), and a version that is a prefix of another
// is the smaller ("1.0" < "1.0.0"). R refuses anything else; here any other string sorts before
// every version, byte-wise among such strings. IsValid follows package_version, which also
// wants at least two numbers ("1" compares, but is not a valid package version).
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
