// The version ordering of RPM-based distributions (Red Hat, Rocky, AlmaLinux, SUSE, openSUSE,
// Photon OS, Mageia, openEuler, Azure Linux): rpm 4.x's rpmvercmp over [epoch:]version[-release],
// combined as rpmverCmp does (rpm 4.16 and later, and what `rpm.vercmp` answers there).
//
// The epoch is the run of digits before a colon at the very start ("2:1.0-1"; missing = 0) and
// compares as a number. The release is what follows the last hyphen. Versions, then releases,
// compare with rpmvercmp: maximal runs of ASCII digits or ASCII letters are the segments and
// everything else separates them; "~" sorts before everything, the end included; "^" sorts
// after the end but before any further segment; a numeric segment beats an alphabetic one;
// numbers compare by value (any length); letters by strcmp; whoever has segments left wins.
// A missing release sorts before any release, the empty one included ("1" < "1-"). (rpm's
// dependency matching, rpmdsCompare, instead ignores the release when one side lacks it; that
// is a match rule, not an order.)
//
// rpm has no invalid versions to speak of: every string gets a place by these rules. IsValid
// checks the rpm spec grammar (digits for the epoch; letters, digits and ._+~^ in version and
// release, neither empty).
//
// Thread-safety: immutable; safe from any thread.
//
//   NewRpmOrdering()->Compare("1.0~rc1", "1.0");  // < 0
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewRpmOrdering();

}  // namespace bulwark::vuln::internal
