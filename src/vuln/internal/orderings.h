// Where the per-scheme VersionOrdering implementations come from. Only version.cc calls these;
// everyone else goes through OrderingFor.
#pragma once

#include <memory>

#include "vuln/version.h"

namespace bulwark::vuln::internal {

// The SemVer family and the language registries: kSemVer, kGo, kNuGet, kPub, kPep440, kMaven,
// kRubyGems, kPackagist. nullptr for any other scheme.
std::unique_ptr<VersionOrdering> NewLanguageOrdering(VersionScheme scheme);

// The distributions and the dotted-number registries: kDpkg, kRpm, kApk, kCran, kHackage.
// nullptr for any other scheme.
std::unique_ptr<VersionOrdering> NewDistributionOrdering(VersionScheme scheme);

}  // namespace bulwark::vuln::internal
