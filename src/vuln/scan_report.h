// Scan results in standard formats: Bulwark's JSON report, SARIF 2.1.0 (for code-scanning
// dashboards), and CycloneDX 1.6 VEX (for SBOM tooling).
//
// The VEX document names each affected component by the scanned document's own identifiers,
// so tools can join it back: a BOM-Link ("urn:cdx:SERIAL/VERSION#BOM-REF") when the input is a
// CycloneDX document with a serial number, else its bom-ref (or SPDXID), else its purl. Its
// analysis state is "in_triage": a version match shows exposure, not exploitability. Its serial
// number is derived from the input and the findings, so scanning the same SBOM against the
// same advisories gives the same document.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "vuln/sbom.h"
#include "vuln/scan.h"

namespace bulwark::vuln {

struct ReportContext {
  std::string source;  // the scanned file, as the user named it
  std::string tool_version;
  Time generated_at{};
};

std::string ScanReportJson(const Sbom& sbom, const ScanResult& result,
                           const ReportContext& context);
std::string ScanReportSarif(const Sbom& sbom, const ScanResult& result,
                            const ReportContext& context);
std::string ScanReportCycloneDxVex(const Sbom& sbom, const ScanResult& result,
                                   const ReportContext& context);

// How VEX names a component of `sbom` (see the file comment).
std::string VexReference(const Sbom& sbom, const SbomComponent& component);

}  // namespace bulwark::vuln
