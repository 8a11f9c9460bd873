// The version ordering of Haskell packages on Hackage: Cabal's Version (as Data.Version's
// versionBranch), dot-separated non-negative integers compared as integer lists.
//
// Numbers compare by value, of any length, and a version that is a prefix of another is the
// smaller ("1.0" < "1.0.0"). Any other string (tags such as "1.0-foo", empty components) sorts
// before every version, byte-wise among such strings. IsValid follows Cabal's parser: no
// leading zeros ("01") and at most nine digits per number.
//
// Thread-safety: immutable; safe from any thread.
//
//   NewHackageOrdering()->Compare("0.1.0", "0.1.0.0");  // < 0
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewHackageOrdering();

}  // namespace bulwark::vuln::internal
