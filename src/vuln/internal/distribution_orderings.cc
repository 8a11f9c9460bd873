// The factory for the distributions' orderings and the dotted-number registries.
#include "vuln/internal/apk_ordering.h"
#include "vuln/internal/cran_ordering.h"
#include "vuln/internal/dpkg_ordering.h"
#include "vuln/internal/hackage_ordering.h"
#include "vuln/internal/orderings.h"
#include "vuln/internal/rpm_ordering.h"

namespace bulwark::vuln::internal {

std::unique_ptr<VersionOrdering> NewDistributionOrdering(VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kDpkg:
      return NewDpkgOrdering();
    case VersionScheme::kRpm:
      return NewRpmOrdering();
    case VersionScheme::kApk:
      return NewApkOrdering();
    case VersionScheme::kCran:
      return NewCranOrdering();
    case VersionScheme::kHackage:
      return NewHackageOrdering();
    default:
      return nullptr;
  }
}

}  // namespace bulwark::vuln::internal
