// CVSS v4.0: the score of a "CVSS:4.0/..." vector, exactly as FIRST's specification (section 8,
// "CVSS v4.0 Scoring") and FIRST's reference calculator give it, for the severities of
// `bulwark scan` and the clearinghouse's priorities.
//
// CVSS v4.0 has no equations. The vector's metrics, after the environmental ones have replaced
// the base ones they modify, fall into six equivalence sets (EQ1..EQ6); their levels form a
// "MacroVector" such as "000200", whose score the specification gives in a table. Within its
// MacroVector a vector scores lower than the table's value in proportion to how far it is from
// the MacroVector's highest-severity vectors, toward the score of the next lower MacroVector.
// cvss_v4.cc walks through it step by step.
//
// A vector is checked as strictly as the specification (section 7) and FIRST's calculator check
// it: the prefix "CVSS:4.0/", then the 11 base metrics, each exactly once, then any threat (E),
// environmental (CR, IR, AR, MAV ... MSA) and supplemental (S, AU, R, V, RE, U) metrics, each at
// most once, all in the specification's order (Table 23); names and values are case-sensitive,
// and an optional metric may be written out as X (Not Defined). Anything else is InvalidArgument
// with a message saying what is wrong and what would be right.
//
// Thread-safety: pure functions.
//
//   BW_ASSIGN_OR_RETURN(CvssV4Score s,
//                       ScoreCvssV4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/"
//                                   "SC:N/SI:N/SA:N/E:P"));
//   s.score;         // 8.9
//   s.nomenclature;  // "CVSS-BT"
//   s.macrovector;   // "000210"
//   s.severity;      // "High"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::cvss {

struct CvssV4Score {
  // 0.0 to 10.0 with one decimal, as FIRST's calculator gives it.
  double score = 0;
  // What the score covers (specification section 1.3): "CVSS-B" for base metrics only, "CVSS-BT"
  // when the vector sets the threat metric E, "CVSS-BE" when it sets an environmental metric,
  // "CVSS-BTE" for both. A metric written as X does not count as set.
  std::string nomenclature;
  // The levels of EQ1..EQ6, 0 the most severe, e.g. "000200".
  std::string macrovector;
  // "None", "Low", "Medium", "High" or "Critical": CvssSeverity(score) (cvss.h).
  std::string severity;
  // All 32 metrics in the specification's order, with the value the score used, so that callers
  // can show them: a base metric as given; E as given, or A (Attacked) when not defined; CR, IR
  // and AR as given, or H when not defined; a modified metric as given, or its base metric's
  // value when not defined; a supplemental metric as given, or X (the supplemental metrics never
  // change the score).
  std::vector<std::pair<std::string, std::string>> metrics;
};

// Scores a CVSS v4.0 vector. Returns InvalidArgument, with a message a person can act on (and the
// detail "metric" when one metric is at fault), for anything that is not a valid vector. Any
// other error would be a broken invariant of the built-in tables (Internal), which the tests
// rule out by scoring every base vector.
StatusOr<CvssV4Score> ScoreCvssV4(std::string_view vector);

// The specification's score for a MacroVector ("000200" gives 9.3), or nullopt when no vector has
// that MacroVector (EQ3 level 2 goes only with EQ6 level 1, so "002200" is not one).
std::optional<double> CvssV4MacroVectorScore(std::string_view macrovector);

}  // namespace bulwark::cvss
