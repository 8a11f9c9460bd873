// The version ordering of Alpine, Wolfi and Chainguard packages: apk_version_compare of
// apk-tools 2.12-2.14, the apk Alpine's stable releases ship.
//
// A version is number{.number}...{letter}{_suffix{number}}...{-rN}. It is read as a sequence
// of tokens, each allowed only after certain others, and two versions compare token by token:
// numbers by value, except that a number after the first with a leading zero compares as text
// ("1.01" < "1.1", "1.0" < "1.00"); letters by byte; suffixes in the order _alpha < _beta <
// _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p. Where one version's tokens run out or
// change kind first, the one still going is greater unless it continues with a pre-release
// suffix; an unexpected character ends a version's tokens as "invalid", which sorts below the
// end and below any further token, so apk's own answer is kept for every string, valid or not.
// A string without a leading digit sorts below every string that has one, and such strings
// are all equal to each other, as in apk.
//
// Unlike apk (which reads numbers into 64 bits and wraps), numbers of any length compare by
// value. IsValid is apk_version_validate: the tokens reach the end without an invalid one.
//
// Thread-safety: immutable; safe from any thread.
//
//   NewApkOrdering()->Compare("1.2_rc1", "1.2");  // < 0
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewApkOrdering();

}  // namespace bulwark::vuln::internal
