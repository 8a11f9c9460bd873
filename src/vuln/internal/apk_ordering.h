// The version ordering of Alpine, Wolfi and Chainguard packages: apk_version_compare and
// apk_version_validate of apk-tools 2.12-2.14 (src/version.c), the apk every stable Alpine
// release ships. No build of it installs on Debian, so this follows that file rule by rule and
// is tested on apk-tools' own test/version.data.
//
// apk reads a version as a sequence of tokens:
//
//   number         the first one; one right after a letter (the 1 of "3.3.3p1"); the rest of a
//                  dotted number after its leading zeros. Digits, none reading as 0.
//   dotted number  after '.'. Of its leading zeros all but the last count on their own, as
//                  minus their count, and the rest is a number: "1.05" reads 1, 0, 5 and
//                  "1.005" reads 1, -1, 5, so 1.005 < 1.05 < 1.5, 1.00 < 1.0, 8.2.001 < 8.2.0.
//   letter         one of 'a'..'z', compared by byte.
//   suffix         after '_': the first of alpha, beta, pre, rc (pre-releases) or cvs, svn,
//                  git, hg, p (post-releases) that the text starts with, ranked in that order;
//                  "_" at the end reads like "_cvs". An unknown name ranks with rc and ends
//                  the version as invalid.
//   suffix number  digits right after a suffix.
//   revision       after "-r"; digits, none reading as 0.
//
// After a number or a dotted number may come a letter, '.', '_' or "-r"; after a letter a
// digit, '_' or "-r"; after a suffix a digit, '_' or "-r"; after a suffix number '_' or "-r";
// after a revision only "-r" ("1-r1-r2" is valid). Anything else ends the version as invalid.
//
// Two versions compare token by token, values first. Where the kinds of their next tokens
// differ, a pre-release (or unknown) suffix is lowest; otherwise the kinds rank, lowest
// first: the end, revision, suffix number, suffix, letter, number, dotted number, invalid. So
// 1.2_rc1 < 1.2 < 1.2-r0 < 1.2_p1 < 1.2a < 1.2.0, and a version that turns invalid ranks above
// everything else at that point (1.2 < 1.2X). A version need not start with a digit: "" reads
// as 0 and "a" as 0 then a letter, and apk_version_validate accepts both.
//
// Where we differ from apk-tools 2: apk reads numbers into 64 bits and ends a version as
// invalid at a run of 18 or more digits; here numbers of any length compare by value, and only
// IsValid keeps apk's limit.
//
// apk-tools 3 (not yet in a stable Alpine) rewrote version.c, and none of this applies: there
// a digit after a letter, an empty number and a second revision are invalid, a dotted number
// with a leading zero compares as text (8.2.001 > 8.2.0), "~hash" is a token, and an invalid
// tail ranks below the end.
//
// Thread-safety: immutable; safe from any thread.
//
//   NewApkOrdering()->Compare("1.2_rc1", "1.2");     // < 0
//   NewApkOrdering()->Compare("8.5p1-r0", "8.5p2");  // < 0
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewApkOrdering();

}  // namespace bulwark::vuln::internal
