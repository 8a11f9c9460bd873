#include "vuln/scan.h"

#include "vuln/purl.h"

namespace bulwark::vuln {

StatusOr<PurlPackage> PackageOfComponent(const SbomComponent& component) {
  if (component.purl.empty()) {
    return Status(StatusCode::kInvalidArgument, "the component has no purl");
  }
  StatusOr<PackageUrl> purl = ParsePackageUrl(component.purl);
  if (!purl.ok()) return purl.status();
  BW_ASSIGN_OR_RETURN(PurlPackage package, PackageForPurl(*purl));
  if (package.version.empty()) package.version = component.version;
  if (package.version.empty()) {
    return Status(StatusCode::kInvalidArgument, "the component has no version");
  }
  // A version the ecosystem's grammar does not accept is still matched: an advisory may list
  // it explicitly, and every scheme gives such strings a defined place in its order, so a
  // range from the first version ("0") includes them (docs/scanning.md).
  return package;
}

ScanResult ScanSbom(const Sbom& sbom, const AdvisoryIndex& index) {
  ScanResult result;
  result.components = sbom.components.size();
  std::vector<PurlPackage> packages(sbom.components.size());
  std::vector<AdvisoryIndex::MatchRef> refs;
  for (size_t i = 0; i < sbom.components.size(); ++i) {
    StatusOr<PurlPackage> package = PackageOfComponent(sbom.components[i]);
    if (!package.ok()) {
      result.unmatched.push_back({i, package.status().message()});
      continue;
    }
    ++result.matched;
    packages[i] = std::move(package).value();
  }
  // Unmatched components keep an empty package, whose empty version matches nothing.
  index.MatchRefs(packages, &refs);
  result.findings.reserve(refs.size());
  for (const AdvisoryIndex::MatchRef& ref : refs) {
    result.findings.push_back(index.Describe(ref, packages[ref.package]));
  }
  return result;
}

}  // namespace bulwark::vuln
