// Advisories in the OSV model (ossf/osv-schema, schema 1.7): the vulnerability record every
// source is brought to before matching.
//
// ParseOsvAdvisory reads one OSV JSON record and validates it: required fields (id, modified),
// RFC 3339 times, known range types, events with exactly one key each, at most one of
// `fixed`/`last_affected` per range among other checks. Fields the matcher does not need
// (details, references, credits, ecosystem_specific) are kept only as the record's JSON text,
// which is what the store persists and the API serves.
//
// Thread-safety: values.
//
//   StatusOr<Advisory> advisory = ParseOsvAdvisory(text);
//   if (!advisory.ok()) report(file, advisory.status().message());
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark::vuln {

struct RangeEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind;
  std::string version;  // "0" for `introduced` means "from the first version"
  friend bool operator==(const RangeEvent&, const RangeEvent&) = default;
};

struct AffectedRange {
  enum class Type { kSemver, kEcosystem, kGit };
  Type type;
  std::string repo;                // GIT ranges only
  std::vector<RangeEvent> events;  // in the record's order (which may be any order)
  friend bool operator==(const AffectedRange&, const AffectedRange&) = default;
};

// A severity score as OSV carries it: type "CVSS_V2", "CVSS_V3", "CVSS_V4" or "Ubuntu", and
// the vector or rating.
struct SeverityScore {
  std::string type;
  std::string score;
  friend bool operator==(const SeverityScore&, const SeverityScore&) = default;
};

struct AffectedPackage {
  std::string ecosystem;  // "Go", "PyPI", "Debian:12", ...
  std::string name;
  std::string purl;  // optional in OSV; "" when absent
  std::vector<AffectedRange> ranges;
  std::vector<std::string> versions;  // explicitly listed affected versions
  std::vector<SeverityScore> severity;
  // database_specific.severity / ecosystem_specific.severity when the source gives a rating
  // such as "HIGH" or "MODERATE" (GitHub, Ubuntu); "" otherwise.
  std::string rating;
  friend bool operator==(const AffectedPackage&, const AffectedPackage&) = default;
};

struct Advisory {
  std::string id;  // "GO-2020-0001", "GHSA-xxxx-xxxx-xxxx", "PYSEC-2021-1", ...
  std::string schema_version;
  Time modified{};  // the epoch until parsed
  std::optional<Time> published;
  std::optional<Time> withdrawn;
  std::vector<std::string> aliases;  // CVE ids and other databases' ids
  std::vector<std::string> related;
  std::vector<std::string> upstream;
  std::string summary;
  std::vector<SeverityScore> severity;
  std::vector<AffectedPackage> affected;
  // database_specific.severity at the top level ("HIGH", "MODERATE"), or "".
  std::string rating;
  friend bool operator==(const Advisory&, const Advisory&) = default;
};

// Parses and validates one OSV record. InvalidArgument names the field and what is wrong
// ("affected[0].ranges[1].events[2]: an event needs exactly one of introduced, fixed,
// last_affected, limit").
StatusOr<Advisory> ParseOsvAdvisory(std::string_view json);

}  // namespace bulwark::vuln
