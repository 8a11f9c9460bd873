#include "cvss/cvss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "cvss/cvss_v4.h"
#include "cvss/internal/vector.h"

namespace bulwark::cvss {
namespace {

using internal::MetricSpec;
using internal::ParsedVector;

// ---- v3.0 and v3.1 ----

const std::vector<MetricSpec>& V3Metrics() {
  static const auto* metrics = new std::vector<MetricSpec>{
      {"AV", "N A L P", true},    {"AC", "L H", true},       {"PR", "N L H", true},
      {"UI", "N R", true},        {"S", "U C", true},        {"C", "H L N", true},
      {"I", "H L N", true},       {"A", "H L N", true},      {"E", "X H F P U", false},
      {"RL", "X U W T O", false}, {"RC", "X C R U", false},  {"CR", "X H M L", false},
      {"IR", "X H M L", false},   {"AR", "X H M L", false},  {"MAV", "X N A L P", false},
      {"MAC", "X L H", false},    {"MPR", "X N L H", false}, {"MUI", "X N R", false},
      {"MS", "X U C", false},     {"MC", "X H L N", false},  {"MI", "X H L N", false},
      {"MA", "X H L N", false},
  };
  return *metrics;
}

double AttackVector(std::string_view v) {
  return v == "N" ? 0.85 : v == "A" ? 0.62 : v == "L" ? 0.55 : 0.2;
}
double AttackComplexity(std::string_view v) { return v == "L" ? 0.77 : 0.44; }
double PrivilegesRequired(std::string_view v, bool changed) {
  if (v == "N") return 0.85;
  if (v == "L") return changed ? 0.68 : 0.62;
  return changed ? 0.5 : 0.27;
}
double UserInteraction(std::string_view v) { return v == "N" ? 0.85 : 0.62; }
double ImpactWeight(std::string_view v) { return v == "H" ? 0.56 : v == "L" ? 0.22 : 0; }
double ExploitMaturity(std::string_view v) {
  return v == "F" ? 0.97 : v == "P" ? 0.94 : v == "U" ? 0.91 : 1;
}
double RemediationLevel(std::string_view v) {
  return v == "W" ? 0.97 : v == "T" ? 0.96 : v == "O" ? 0.95 : 1;
}
double ReportConfidence(std::string_view v) { return v == "R" ? 0.96 : v == "U" ? 0.92 : 1; }
double Requirement(std::string_view v) { return v == "H" ? 1.5 : v == "L" ? 0.5 : 1; }

// v3.1's Roundup (Appendix A): on integers, so that floating-point error never moves a score.
double RoundUp31(double value) {
  const auto scaled = static_cast<int64_t>(std::llround(value * 100000.0));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return static_cast<double>(scaled / 10000 + 1) / 10.0;
}

// v3.0's round up to one decimal, of the exact value: a product that the exact arithmetic makes
// a tenth, and doubles a hair more, is that tenth.
double RoundUp30(double value) {
  const double tenths = value * 10.0;
  const double nearest = std::round(tenths);
  if (std::fabs(tenths - nearest) < 1e-9) return nearest / 10.0;
  return std::ceil(tenths) / 10.0;
}

}  // namespace

StatusOr<CvssScore> ScoreCvssV3(std::string_view vector) {
  CvssScore out;
  if (vector.starts_with("CVSS:3.0/")) {
    out.version = CvssVersion::kV30;
  } else if (vector.starts_with("CVSS:3.1/")) {
    out.version = CvssVersion::kV31;
  } else {
    return InvalidArgumentError("a CVSS v3 vector starts with CVSS:3.0/ or CVSS:3.1/");
  }
  const bool v31 = out.version == CvssVersion::kV31;
  BW_ASSIGN_OR_RETURN(ParsedVector m, internal::ParseMetrics(vector.substr(9), V3Metrics(),
                                                             v31 ? "CVSS v3.1" : "CVSS v3.0"));
  const auto round_up = v31 ? RoundUp31 : RoundUp30;

  // Base (section 7.1).
  const bool changed = m.Get("S") == "C";
  const double iss = 1 - (1 - ImpactWeight(m.Get("C"))) * (1 - ImpactWeight(m.Get("I"))) *
                             (1 - ImpactWeight(m.Get("A")));
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * AttackVector(m.Get("AV")) * AttackComplexity(m.Get("AC")) *
                                PrivilegesRequired(m.Get("PR"), changed) *
                                UserInteraction(m.Get("UI"));
  if (impact <= 0) {
    out.base = 0;
  } else if (changed) {
    out.base = round_up(std::min(1.08 * (impact + exploitability), 10.0));
  } else {
    out.base = round_up(std::min(impact + exploitability, 10.0));
  }

  // Temporal (7.2).
  const double temporal_factor = ExploitMaturity(m.Get("E", "X")) *
                                 RemediationLevel(m.Get("RL", "X")) *
                                 ReportConfidence(m.Get("RC", "X"));
  out.temporal = round_up(out.base * temporal_factor);

  // Environmental (7.3): each modified metric, when not defined, is its base metric.
  {
    const auto modified = [&](std::string_view name, std::string_view base) {
      std::string_view v = m.Get(name, "X");
      return v == "X" ? m.Get(base) : v;
    };
    const bool modified_changed = modified("MS", "S") == "C";
    const double miss =
        std::min(1 - (1 - Requirement(m.Get("CR", "X")) * ImpactWeight(modified("MC", "C"))) *
                         (1 - Requirement(m.Get("IR", "X")) * ImpactWeight(modified("MI", "I"))) *
                         (1 - Requirement(m.Get("AR", "X")) * ImpactWeight(modified("MA", "A"))),
                 0.915);
    double modified_impact = 6.42 * miss;
    if (modified_changed) {
      // v3.1 changed this sub-formula (section 7.3 and its note on the change).
      modified_impact = v31 ? 7.52 * (miss - 0.029) - 3.25 * std::pow(miss * 0.9731 - 0.02, 13)
                            : 7.52 * (miss - 0.029) - 3.25 * std::pow(miss - 0.02, 15);
    }
    const double modified_exploitability =
        8.22 * AttackVector(modified("MAV", "AV")) * AttackComplexity(modified("MAC", "AC")) *
        PrivilegesRequired(modified("MPR", "PR"), modified_changed) *
        UserInteraction(modified("MUI", "UI"));
    if (modified_impact <= 0) {
      out.environmental = 0;
    } else {
      const double sum = modified_impact + modified_exploitability;
      const double capped = std::min(modified_changed ? 1.08 * sum : sum, 10.0);
      out.environmental = round_up(round_up(capped) * temporal_factor);
    }
  }
  if (m.AnyDefined({"CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"}, "X")) {
    out.score = *out.environmental;
  } else if (m.AnyDefined({"E", "RL", "RC"}, "X")) {
    out.score = *out.temporal;
  } else {
    out.score = out.base;
  }
  out.severity = std::string(CvssSeverity(out.score));
  out.metrics = std::move(m.metrics);
  return out;
}

// ---- v2 ----

namespace {

const std::vector<MetricSpec>& V2Metrics() {
  static const auto* metrics = new std::vector<MetricSpec>{
      {"AV", "L A N", true},        {"AC", "H M L", true},
      {"Au", "M S N", true},        {"C", "N P C", true},
      {"I", "N P C", true},         {"A", "N P C", true},
      {"E", "U POC F H ND", false}, {"RL", "OF TF W U ND", false},
      {"RC", "UC UR C ND", false},  {"CDP", "N L LM MH H ND", false},
      {"TD", "N L M H ND", false},  {"CR", "L M H ND", false},
      {"IR", "L M H ND", false},    {"AR", "L M H ND", false},
  };
  return *metrics;
}

double V2Impact(std::string_view v) { return v == "P" ? 0.275 : v == "C" ? 0.660 : 0; }
double V2Requirement(std::string_view v) { return v == "L" ? 0.5 : v == "H" ? 1.51 : 1; }

// round_to_1_decimal, half away from zero, of the exact value (see RoundUp30). Only an adjusted
// base score can be negative (a low adjusted impact), on its way to an environmental score.
double Round1(double value) {
  const double magnitude = std::floor(std::fabs(value) * 10.0 + 0.5 + 1e-9) / 10.0;
  return value < 0 ? -magnitude : magnitude;
}

// The base equation (section 3.2.1) with `impact` for the impact sub-equation.
double V2Base(const ParsedVector& m, double impact) {
  const std::string_view av = m.Get("AV"), ac = m.Get("AC"), au = m.Get("Au");
  const double exploitability = 20 *
                                (av == "L"   ? 0.395
                                 : av == "A" ? 0.646
                                             : 1.0) *
                                (ac == "H"   ? 0.35
                                 : ac == "M" ? 0.61
                                             : 0.71) *
                                (au == "M"   ? 0.45
                                 : au == "S" ? 0.56
                                             : 0.704);
  const double f = impact == 0 ? 0 : 1.176;
  return Round1((0.6 * impact + 0.4 * exploitability - 1.5) * f);
}

}  // namespace

StatusOr<CvssScore> ScoreCvssV2(std::string_view vector) {
  // NVD writes "(AV:N/AC:L/...)" in some places.
  if (vector.size() >= 2 && vector.front() == '(' && vector.back() == ')') {
    vector = vector.substr(1, vector.size() - 2);
  }
  BW_ASSIGN_OR_RETURN(ParsedVector m, internal::ParseMetrics(vector, V2Metrics(), "CVSS v2"));
  CvssScore out;
  out.version = CvssVersion::kV2;
  const double c = V2Impact(m.Get("C")), i = V2Impact(m.Get("I")), a = V2Impact(m.Get("A"));
  out.base = V2Base(m, 10.41 * (1 - (1 - c) * (1 - i) * (1 - a)));

  const std::string_view e = m.Get("E", "ND"), rl = m.Get("RL", "ND"), rc = m.Get("RC", "ND");
  const double temporal_factor = (e == "U"     ? 0.85
                                  : e == "POC" ? 0.9
                                  : e == "F"   ? 0.95
                                               : 1.0) *
                                 (rl == "OF"   ? 0.87
                                  : rl == "TF" ? 0.90
                                  : rl == "W"  ? 0.95
                                               : 1.0) *
                                 (rc == "UC"   ? 0.90
                                  : rc == "UR" ? 0.95
                                               : 1.0);
  out.temporal = Round1(out.base * temporal_factor);

  {
    const double adjusted_impact =
        std::min(10.0, 10.41 * (1 - (1 - c * V2Requirement(m.Get("CR", "ND"))) *
                                        (1 - i * V2Requirement(m.Get("IR", "ND"))) *
                                        (1 - a * V2Requirement(m.Get("AR", "ND")))));
    const double adjusted_temporal = Round1(V2Base(m, adjusted_impact) * temporal_factor);
    const std::string_view cdp = m.Get("CDP", "ND"), td = m.Get("TD", "ND");
    const double damage = cdp == "L"    ? 0.1
                          : cdp == "LM" ? 0.3
                          : cdp == "MH" ? 0.4
                          : cdp == "H"  ? 0.5
                                        : 0;
    const double distribution = td == "N" ? 0 : td == "L" ? 0.25 : td == "M" ? 0.75 : 1.0;
    // A negative adjusted temporal score (see Round1) ends as 0, as a score is never negative.
    out.environmental = std::max(
        0.0, Round1((adjusted_temporal + (10 - adjusted_temporal) * damage) * distribution));
  }
  if (m.AnyDefined({"CDP", "TD", "CR", "IR", "AR"}, "ND")) {
    out.score = *out.environmental;
  } else if (m.AnyDefined({"E", "RL", "RC"}, "ND")) {
    out.score = *out.temporal;
  } else {
    out.score = out.base;
  }
  out.severity = std::string(CvssV2Severity(out.score));
  out.metrics = std::move(m.metrics);
  return out;
}

// ---- Every version ----

StatusOr<CvssScore> ScoreCvss(std::string_view vector) {
  if (vector.starts_with("CVSS:3.0/") || vector.starts_with("CVSS:3.1/")) {
    return ScoreCvssV3(vector);
  }
  if (vector.starts_with("CVSS:4.0/")) {
    BW_ASSIGN_OR_RETURN(CvssV4Score v4, ScoreCvssV4(vector));
    CvssScore out;
    out.version = CvssVersion::kV40;
    out.score = out.base = v4.score;
    out.severity = std::move(v4.severity);
    out.nomenclature = std::move(v4.nomenclature);
    out.macrovector = std::move(v4.macrovector);
    out.metrics = std::move(v4.metrics);
    return out;
  }
  if (vector.starts_with("CVSS:")) {
    return InvalidArgumentError("unknown CVSS version in '" +
                                std::string(vector.substr(0, vector.find('/'))) +
                                "': 3.0, 3.1 and 4.0 vectors start CVSS:3.0/, CVSS:3.1/ or "
                                "CVSS:4.0/, and v2 vectors have no prefix");
  }
  return ScoreCvssV2(vector);
}

std::string_view CvssVersionName(CvssVersion version) {
  switch (version) {
    case CvssVersion::kV2:
      return "2.0";
    case CvssVersion::kV30:
      return "3.0";
    case CvssVersion::kV31:
      return "3.1";
    case CvssVersion::kV40:
      return "4.0";
  }
  return "";
}

std::string_view CvssSeverity(double score) {
  // Scores have one decimal, so each band ends where the next begins; NaN counts as None.
  if (!(score > 0)) return "None";
  if (score < 4.0) return "Low";
  if (score < 7.0) return "Medium";
  if (score < 9.0) return "High";
  return "Critical";
}

std::string_view CvssV2Severity(double score) {
  if (score < 4.0) return "Low";
  if (score < 7.0) return "Medium";
  return "High";
}

}  // namespace bulwark::cvss
