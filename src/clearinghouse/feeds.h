// The feeds that score findings, read from their published formats:
//   - the CISA Known Exploited Vulnerabilities catalog (JSON: `vulnerabilities[]` with cveID,
//     vendorProject, product, vulnerabilityName, dateAdded, dueDate, knownRansomwareCampaignUse);
//   - EPSS scores, the published daily CSV: optional comment lines starting with '#' (the first
//     names the model version and score date), a header `cve,epss,percentile`, then a row per
//     CVE;
//   - CISA Vulnrichment's SSVC values: CVE JSON 5 records (one record, or an array of them) whose
//     ADP containers hold a metric `other` of type "ssvc" with the options Exploitation,
//     Automatable and Technical Impact.
// A record that cannot be read is skipped and reported with where it is (the JSON path, the
// CSV line) and why; only a document that cannot be read at all is an error.
//
// Thread-safety: pure functions.
//
//   std::vector<FeedProblem> problems;
//   BW_ASSIGN_OR_RETURN(KevCatalog kev, ParseKevCatalog(ReadFile("kev.json"), &problems));
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ssvc/ssvc.h"

namespace bulwark::clearinghouse {

// A record skipped, where it is and why.
struct FeedProblem {
  std::string where;  // "vulnerabilities[12]", "line 40", "[3].containers"
  std::string reason;
  friend bool operator==(const FeedProblem&, const FeedProblem&) = default;
};

// At most this many problems are kept; the rest are only counted.
inline constexpr size_t kMaxFeedProblems = 100;

// Whether `id` is a CVE id: "CVE-", four digits, "-", four or more digits.
bool IsCveId(std::string_view id);

struct KevEntry {
  std::string cve;
  std::string vendor;
  std::string product;
  std::string name;
  std::string date_added;   // YYYY-MM-DD
  std::string due_date;     // YYYY-MM-DD
  bool ransomware = false;  // knownRansomwareCampaignUse is "Known"
};

struct KevCatalog {
  std::string version;  // catalogVersion
  std::vector<KevEntry> entries;
};

// InvalidArgument when the text is not JSON or not an object with a `vulnerabilities` array.
StatusOr<KevCatalog> ParseKevCatalog(std::string_view json, std::vector<FeedProblem>* problems,
                                     int64_t* skipped);

struct EpssScore {
  std::string cve;
  std::string epss;        // as published, "0.94123": a probability in [0, 1]
  std::string percentile;  // as published, in [0, 1]
};

struct EpssScores {
  std::string model_version;  // from the comment line, "" when absent
  std::string score_date;     // likewise
  std::vector<EpssScore> scores;
};

// InvalidArgument when no header `cve,epss,percentile` comes before the first row.
StatusOr<EpssScores> ParseEpssCsv(std::string_view csv, std::vector<FeedProblem>* problems,
                                  int64_t* skipped);

struct SsvcAssessment {
  std::string cve;
  ssvc::Exploitation exploitation = ssvc::Exploitation::kNone;
  bool automatable = false;
  ssvc::TechnicalImpact technical_impact = ssvc::TechnicalImpact::kPartial;
};

// Records without an SSVC metric are not problems: Vulnrichment has not assessed every CVE.
// InvalidArgument when the text is not JSON, or neither an object nor an array.
StatusOr<std::vector<SsvcAssessment>> ParseVulnrichment(std::string_view json,
                                                        std::vector<FeedProblem>* problems,
                                                        int64_t* skipped);

}  // namespace bulwark::clearinghouse
