// Severity of an advisory: the qualitative level (none, low, medium, high, critical) that
// `bulwark scan --fail-on` and the clearinghouse's priorities use, derived from what the
// advisory carries.
//
// Sources, in order of preference: a CVSS v3.x vector, a CVSS v4.0 vector, a CVSS v2 vector
// (each scored by cvss/cvss.h: v2 and v3 by their base score, v4.0 by its one score), then the
// rating a database gives in words ("HIGH", "MODERATE", Ubuntu's "medium"). A per-package
// severity overrides the advisory's. An advisory with none of these is kUnknown, which
// `--fail-on` treats as meeting every threshold: nobody has shown it is below.
//
// Thread-safety: pure functions.
//
//   AssessSeverity(advisory, &package).level;  // SeverityLevel::kCritical
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "vuln/advisory.h"

namespace bulwark::vuln {

enum class SeverityLevel : uint8_t { kUnknown, kNone, kLow, kMedium, kHigh, kCritical };

// "unknown", "none", "low", "medium", "high", "critical".
std::string_view SeverityLevelName(SeverityLevel level);

// Parses the names above (case-insensitive).
std::optional<SeverityLevel> ParseSeverityLevel(std::string_view name);

// The qualitative level of a score on the CVSS v3 scale (0 none, <4 low, <7 medium, <9 high).
SeverityLevel LevelOfCvssV3Score(double score);

struct AssessedSeverity {
  SeverityLevel level = SeverityLevel::kUnknown;
  std::optional<double> score;  // the CVSS base score the level came from, if any
  std::string_view source;      // "CVSS_V3", "CVSS_V4", "CVSS_V2", "rating", or "" if unknown
};

// The severity of `advisory` for one of its affected packages (`package` may be null).
AssessedSeverity AssessSeverity(const Advisory& advisory, const AffectedPackage* package);

}  // namespace bulwark::vuln
