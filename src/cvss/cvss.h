// CVSS calculators: the scores of a CVSS v2, v3.0, v3.1 or v4.0 vector, exactly as each
// version's specification defines them, for the severities of `bulwark scan` and the
// clearinghouse's priorities.
//
// v2 (FIRST's CVSS v2 guide, section 3.2): base, temporal and environmental equations, each
// rounded to one decimal half up. v3.0 and v3.1 (the specifications' section 7 and Appendix A):
// base, temporal and environmental equations; v3.1 rounds up on integers (its Roundup), v3.0
// rounds up the exact value (computed in doubles, a value within 1e-9 of a tenth counts as that
// tenth, so that 4.6 is not 4.7 for floating-point noise). v4.0: cvss_v4.h.
//
// A vector is checked strictly: its prefix ("CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"; a v2 vector
// has none, or is wrapped in parentheses as NVD writes it), every base metric exactly once, each
// optional metric at most once, every value one its metric takes, nothing else. The metrics may
// come in any order. A malformed vector is InvalidArgument saying what is wrong.
//
// Thread-safety: pure functions.
//
//   BW_ASSIGN_OR_RETURN(CvssScore s, ScoreCvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
//   s.score;     // 9.8
//   s.severity;  // "Critical"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::cvss {

enum class CvssVersion { kV2, kV30, kV31, kV40 };

// "2.0", "3.0", "3.1", "4.0".
std::string_view CvssVersionName(CvssVersion version);

// The scores of a vector. For v2 and v3 all three equations are computed, each metric not
// defined (X, ND) taking its specification's default: the temporal score is then the base score,
// and so is the environmental one, except under v3.1 with a changed scope, whose modified impact
// has its own formula (CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H: base 9.6, environmental
// 9.7). `score` is what the vector says of the vulnerability: the environmental score when it
// defines an environmental metric, else the temporal score when it defines a temporal one, else
// the base score. v4.0 has one score, named by `nomenclature`.
struct CvssScore {
  CvssVersion version = CvssVersion::kV31;
  double score = 0;
  std::string
      severity;  // "None", "Low", "Medium", "High", "Critical" (v2: "Low", "Medium", "High")
  double base = 0;
  std::optional<double> temporal;       // v2, v3; v4.0 has none (its threat metrics are in score)
  std::optional<double> environmental;  // v2, v3
  std::string nomenclature;             // v4.0: "CVSS-B", "CVSS-BT", "CVSS-BE" or "CVSS-BTE"
  std::string macrovector;              // v4.0: the six equivalence-set levels
  // The metrics as the vector gave them, in its order.
  std::vector<std::pair<std::string, std::string>> metrics;
};

// Scores a vector of any version, told apart by its prefix.
StatusOr<CvssScore> ScoreCvss(std::string_view vector);

StatusOr<CvssScore> ScoreCvssV2(std::string_view vector);
// "CVSS:3.0/..." or "CVSS:3.1/...".
StatusOr<CvssScore> ScoreCvssV3(std::string_view vector);

// The qualitative rating of a v3 or v4.0 score (v3.1 section 5, v4.0 section 6): 0.0 None,
// 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical.
std::string_view CvssSeverity(double score);
// The rating NVD gives a v2 score: up to 3.9 Low, 6.9 Medium, then High.
std::string_view CvssV2Severity(double score);

}  // namespace bulwark::cvss
