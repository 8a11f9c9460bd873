// Software bills of materials: CycloneDX (JSON and XML, spec 1.2 to 1.6) and SPDX 2.3 JSON,
// read into one model of components and their dependencies.
//
// ParseSbom detects the format from the document itself. Nested CycloneDX components are
// flattened in document order, each remembering its parent. A component's package identity is
// its purl (CycloneDX `purl`; SPDX `externalRefs` of category PACKAGE-MANAGER or
// PACKAGE_MANAGER and type purl); components without one are kept, because a scan reports
// them as unmatched with the reason. A malformed document is an InvalidArgument that says
// where (line and column for JSON and XML, and the JSON path or element of the bad member).
//
// The subject: for CycloneDX, metadata.component; components nested inside it are listed in
// `components` at the top level (parent -1), before the document's own components. For SPDX,
// when the document describes exactly one package (documentDescribes, or a DESCRIBES /
// DESCRIBED_BY relationship with the document), that package is the subject and is not in
// `components`; otherwise every package is a component and the subject carries only the
// document's `name`. SPDX dependencies come from DEPENDS_ON, CONTAINS, DYNAMIC_LINK and
// STATIC_LINK, and, read backwards, from CONTAINED_BY and the *DEPENDENCY_OF relationships.
//
// Thread-safety: values.
//
//   StatusOr<Sbom> sbom = ParseSbom(ReadFile("bom.json"));
//   for (const SbomComponent& c : sbom->components) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace bulwark::vuln {

struct SbomComponent {
  // CycloneDX bom-ref, or SPDX SPDXID; "" when the document gives none.
  std::string bom_ref;
  std::string type;   // CycloneDX component type ("library"), SPDX primaryPackagePurpose
  std::string group;  // CycloneDX group (Maven groupId, npm scope); "" otherwise
  std::string name;
  std::string version;
  std::string purl;  // as written in the document; "" when absent
  std::vector<std::string> cpes;
  int parent = -1;  // index in Sbom::components of the enclosing component, -1 at top level
  friend bool operator==(const SbomComponent&, const SbomComponent&) = default;
};

struct SbomDependency {
  std::string ref;
  std::vector<std::string> depends_on;
  friend bool operator==(const SbomDependency&, const SbomDependency&) = default;
};

struct Sbom {
  enum class Format { kCycloneDxJson, kCycloneDxXml, kSpdxJson };
  Format format;
  std::string spec_version;   // "1.4", "SPDX-2.3"
  std::string serial_number;  // CycloneDX serialNumber ("urn:uuid:..."); SPDX documentNamespace
  int64_t version = 1;        // CycloneDX document version
  // metadata.component (CycloneDX) or the package the document DESCRIBES (SPDX): what the SBOM
  // is of. Not included in `components`.
  SbomComponent subject;
  std::vector<SbomComponent> components;
  std::vector<SbomDependency> dependencies;
};

// Upper bound on the document size ParseSbom accepts, so a hostile upload cannot exhaust
// memory; larger documents are ResourceExhausted.
inline constexpr size_t kMaxSbomBytes = 256u << 20;

StatusOr<Sbom> ParseSbom(std::string_view document);

}  // namespace bulwark::vuln
