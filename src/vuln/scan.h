// Scanning an SBOM against an AdvisoryIndex: each component's purl becomes a PackageKey and a
// version, the index is asked, and every component is accounted for — affected, clean, or
// unmatched with the reason (no purl, a malformed purl, an ecosystem no advisory database
// covers, no version).
//
// Thread-safety: pure function of its inputs.
//
//   ScanResult result = ScanSbom(sbom, index);
//   for (const Finding& f : result.findings) sbom.components[f.package] ...
#pragma once

#include <string>
#include <vector>

#include "vuln/advisory_index.h"
#include "vuln/sbom.h"

namespace bulwark::vuln {

struct UnmatchedComponent {
  size_t component;  // index in Sbom::components
  std::string reason;
};

struct ScanResult {
  size_t components = 0;          // how many components the SBOM has
  size_t matched = 0;             // how many were looked up (had a usable purl and version)
  std::vector<Finding> findings;  // Finding::package indexes Sbom::components; ordered
  std::vector<UnmatchedComponent> unmatched;
};

ScanResult ScanSbom(const Sbom& sbom, const AdvisoryIndex& index);

// The PurlPackage of a component, or the reason it cannot be matched: no purl, a malformed
// purl, a type no advisory database covers, or no version. The version comes from the purl,
// else from the component; one the ecosystem's grammar does not accept is matched all the same
// (see docs/scanning.md).
StatusOr<PurlPackage> PackageOfComponent(const SbomComponent& component);

}  // namespace bulwark::vuln
