// The version ordering of Debian and Ubuntu packages: dpkg's, as Debian Policy 5.6.12 states it
// and dpkg's verrevcmp implements it.
//
// A version is [epoch:]upstream_version[-debian_revision]. The epoch (default 0) is compared as
// a number, then the upstream version, then the revision, each with verrevcmp: alternating runs
// of non-digits, compared character by character with `~` before everything (even the end),
// letters before other characters, and digits, compared as numbers of any length.
//
// As dpkg does, blanks around the version are ignored and the epoch is read as strtol reads it
// ("+1:" is epoch 1, "-0:" epoch 0). Strings dpkg rejects still get a defined place, by the same
// rules on a lenient split: the epoch is whatever precedes the first colon (compared with
// verrevcmp, so "a:1" sorts after every numeric epoch), the revision whatever follows the last
// hyphen after it. IsValid says whether dpkg accepts the string without an error or a warning.
//
// Thread-safety: immutable; safe from any thread.
//
//   NewDpkgOrdering()->Compare("1.2.3-1~deb7u1", "1.2.3-1");  // < 0
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewDpkgOrdering();

}  // namespace bulwark::vuln::internal
