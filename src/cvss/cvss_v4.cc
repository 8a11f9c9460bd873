#include "cvss/cvss_v4.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cvss/cvss.h"

namespace bulwark::cvss {
namespace {

// ---------------------------------------------------------------------------------------------
// The metrics (specification section 7, Table 23), in the order a vector must give them.

enum class MetricGroup { kBase, kThreat, kEnvironmental, kSupplemental };

struct MetricSpec {
  std::string_view abbreviation;
  std::string_view name;
  MetricGroup group;
  // The values the metric takes, in the specification's order; unused slots are empty.
  std::array<std::string_view, 5> values;
};

constexpr MetricGroup kB = MetricGroup::kBase;
constexpr MetricGroup kT = MetricGroup::kThreat;
constexpr MetricGroup kE = MetricGroup::kEnvironmental;
constexpr MetricGroup kS = MetricGroup::kSupplemental;

constexpr std::array<MetricSpec, 32> kMetrics = {{
    {"AV", "Attack Vector", kB, {"N", "A", "L", "P"}},
    {"AC", "Attack Complexity", kB, {"L", "H"}},
    {"AT", "Attack Requirements", kB, {"N", "P"}},
    {"PR", "Privileges Required", kB, {"N", "L", "H"}},
    {"UI", "User Interaction", kB, {"N", "P", "A"}},
    {"VC", "Vulnerable System Confidentiality", kB, {"H", "L", "N"}},
    {"VI", "Vulnerable System Integrity", kB, {"H", "L", "N"}},
    {"VA", "Vulnerable System Availability", kB, {"H", "L", "N"}},
    {"SC", "Subsequent System Confidentiality", kB, {"H", "L", "N"}},
    {"SI", "Subsequent System Integrity", kB, {"H", "L", "N"}},
    {"SA", "Subsequent System Availability", kB, {"H", "L", "N"}},
    {"E", "Exploit Maturity", kT, {"X", "A", "P", "U"}},
    {"CR", "Confidentiality Requirement", kE, {"X", "H", "M", "L"}},
    {"IR", "Integrity Requirement", kE, {"X", "H", "M", "L"}},
    {"AR", "Availability Requirement", kE, {"X", "H", "M", "L"}},
    {"MAV", "Modified Attack Vector", kE, {"X", "N", "A", "L", "P"}},
    {"MAC", "Modified Attack Complexity", kE, {"X", "L", "H"}},
    {"MAT", "Modified Attack Requirements", kE, {"X", "N", "P"}},
    {"MPR", "Modified Privileges Required", kE, {"X", "N", "L", "H"}},
    {"MUI", "Modified User Interaction", kE, {"X", "N", "P", "A"}},
    {"MVC", "Modified Vulnerable System Confidentiality", kE, {"X", "H", "L", "N"}},
    {"MVI", "Modified Vulnerable System Integrity", kE, {"X", "H", "L", "N"}},
    {"MVA", "Modified Vulnerable System Availability", kE, {"X", "H", "L", "N"}},
    {"MSC", "Modified Subsequent System Confidentiality", kE, {"X", "H", "L", "N"}},
    // S (Safety) exists only as a modified value: base SI and SA never take it.
    {"MSI", "Modified Subsequent System Integrity", kE, {"X", "S", "H", "L", "N"}},
    {"MSA", "Modified Subsequent System Availability", kE, {"X", "S", "H", "L", "N"}},
    {"S", "Safety", kS, {"X", "N", "P"}},
    {"AU", "Automatable", kS, {"X", "N", "Y"}},
    {"R", "Recovery", kS, {"X", "A", "U", "I"}},
    {"V", "Value Density", kS, {"X", "D", "C"}},
    {"RE", "Vulnerability Response Effort", kS, {"X", "L", "M", "H"}},
    {"U", "Provider Urgency", kS, {"X", "Clear", "Green", "Amber", "Red"}},
}};

// Positions in kMetrics of the metrics the score reads.
constexpr size_t kAv = 0, kAc = 1, kAt = 2, kPr = 3, kUi = 4, kVc = 5, kVi = 6, kVa = 7, kSc = 8,
                 kSi = 9, kSa = 10, kExploit = 11, kCr = 12, kIr = 13, kAr = 14;
constexpr size_t kBaseMetricCount = 11;
// MAV is the 16th metric; each modified metric is this far after the base metric it modifies.
constexpr size_t kModifiedOffset = 15;

constexpr std::string_view kPrefix = "CVSS:4.0/";
// The order FIRST's calculator and JSON schema check. (The specification's Table 23 once listed
// the impacts as VC, SC, VI, SI, VA, SA, which its authors called an editing error.)
constexpr std::string_view kOrder =
    "AV/AC/AT/PR/UI/VC/VI/VA/SC/SI/SA/E/CR/IR/AR/MAV/MAC/MAT/MPR/MUI/MVC/MVI/MVA/MSC/MSI/MSA/"
    "S/AU/R/V/RE/U";

// The values a vector gave, by position in kMetrics; empty when the vector leaves it out.
using MetricValues = std::array<std::string_view, kMetrics.size()>;

// ---------------------------------------------------------------------------------------------
// Parsing.

// `text` for an error message: in quotes, cut to a readable length, bytes that would not print
// shown as \xNN (the input may be anything).
std::string Quote(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

// "N, A, L or P".
std::string ValueList(const MetricSpec& metric) {
  std::string out;
  size_t count = 0;
  while (count < metric.values.size() && !metric.values[count].empty()) ++count;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += i + 1 == count ? " or " : ", ";
    out += metric.values[i];
  }
  return out;
}

std::string Describe(const MetricSpec& metric) {
  return "'" + std::string(metric.abbreviation) + "' (" + std::string(metric.name) + ")";
}

Status MetricError(const MetricSpec& metric, std::string message) {
  return InvalidArgumentError(std::move(message))
      .WithDetail("metric", std::string(metric.abbreviation));
}

std::optional<size_t> FindMetric(std::string_view abbreviation) {
  for (size_t i = 0; i < kMetrics.size(); ++i) {
    if (kMetrics[i].abbreviation == abbreviation) return i;
  }
  return std::nullopt;
}

bool TakesValue(const MetricSpec& metric, std::string_view value) {
  if (value.empty()) return false;
  for (std::string_view allowed : metric.values) {
    if (allowed == value) return true;
  }
  return false;
}

std::string UpperAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

Status CheckPrefix(std::string_view vector) {
  if (vector.empty()) {
    return InvalidArgumentError("empty CVSS v4.0 vector; expected one like " +
                                std::string(kPrefix) +
                                "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
  }
  if (vector.starts_with(kPrefix)) return OkStatus();
  if (vector == "CVSS:4.0") {
    return InvalidArgumentError(
        "CVSS v4.0 vector 'CVSS:4.0' has no metrics; all 11 base metrics are required (" +
        std::string(kOrder.substr(0, 32)) + ")");
  }
  if (vector.starts_with("CVSS:")) {
    std::string_view after = vector.substr(5);
    std::string_view version = after.substr(0, after.find('/'));
    if (UpperAscii(version) != "4.0") {
      return InvalidArgumentError("vector " + Quote(vector) + " is CVSS version " + Quote(version) +
                                  "; this calculator scores CVSS 4.0 only");
    }
  }
  std::string hint;
  if (UpperAscii(vector.substr(0, kPrefix.size())) == kPrefix) {
    hint = " (the prefix, metric names and values are case-sensitive)";
  }
  return InvalidArgumentError("CVSS v4.0 vector " + Quote(vector) + " does not start with '" +
                              std::string(kPrefix) + "'" + hint);
}

// Reads the metrics of `vector` into `values`, checking everything the specification asks of a
// vector string.
Status ParseVector(std::string_view vector, MetricValues& values) {
  for (size_t i = 0; i < vector.size(); ++i) {
    char c = vector[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      return InvalidArgumentError("CVSS v4.0 vector " + Quote(vector) +
                                  " contains whitespace at offset " + std::to_string(i) +
                                  "; a vector has none");
    }
  }
  BW_RETURN_IF_ERROR(CheckPrefix(vector));
  if (vector.ends_with('/')) {
    return InvalidArgumentError("CVSS v4.0 vector " + Quote(vector) +
                                " ends with '/'; remove the trailing slash");
  }

  std::string_view rest = vector.substr(kPrefix.size());
  std::optional<size_t> previous;  // position in kMetrics of the last metric read
  size_t position = 0;             // 1-based, for messages
  while (true) {
    ++position;
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty()) {
      return InvalidArgumentError("CVSS v4.0 vector has an empty metric at position " +
                                  std::to_string(position) + " ('//')");
    }
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgumentError("CVSS v4.0 vector: " + Quote(part) + " at position " +
                                  std::to_string(position) +
                                  " is not a metric of the form NAME:VALUE");
    }
    std::string_view name = part.substr(0, colon);
    std::string_view value = part.substr(colon + 1);

    std::optional<size_t> index = FindMetric(name);
    if (!index) {
      std::string hint;
      if (std::optional<size_t> upper = FindMetric(UpperAscii(name))) {
        hint = "; metric names are case-sensitive: did you mean '" +
               std::string(kMetrics[*upper].abbreviation) + "'?";
      }
      return InvalidArgumentError("CVSS v4.0 vector has an unknown metric " + Quote(name) + hint)
          .WithDetail("metric", std::string(name.substr(0, 40)));
    }
    const MetricSpec& metric = kMetrics[*index];
    if (!values[*index].empty()) {
      return MetricError(metric,
                         "CVSS v4.0 vector gives metric " + Describe(metric) + " more than once");
    }
    if (!TakesValue(metric, value)) {
      return MetricError(metric, "metric " + Describe(metric) + " has value " + Quote(value) +
                                     "; it takes " + ValueList(metric));
    }
    if (previous && *previous > *index) {
      return MetricError(metric, "metric " + Describe(metric) + " comes after '" +
                                     std::string(kMetrics[*previous].abbreviation) +
                                     "'; CVSS v4.0 metrics must come in the order " +
                                     std::string(kOrder));
    }
    values[*index] = value;
    previous = index;
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }

  std::string missing;
  size_t missing_count = 0;
  for (size_t i = 0; i < kBaseMetricCount; ++i) {
    if (!values[i].empty()) continue;
    if (missing_count++ > 0) missing += ", ";
    missing += Describe(kMetrics[i]);
  }
  if (missing_count > 0) {
    return InvalidArgumentError(
        std::string("CVSS v4.0 vector is missing base metric") + (missing_count > 1 ? "s " : " ") +
        missing + "; all 11 base metrics are required (" + std::string(kOrder.substr(0, 32)) + ")");
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Scoring (specification section 8).

// The values the score uses, each one letter: the environmental metrics have replaced the base
// ones they modify, and the spec's defaults stand for metrics not defined.
struct EffectiveMetrics {
  char av, ac, at, pr, ui;  // exploitability
  char vc, vi, va;          // vulnerable system impact
  char sc, si, sa;          // subsequent system impact; si and sa may be S (Safety)
  char e;                   // exploit maturity
  char cr, ir, ar;          // security requirements
};

bool Defined(std::string_view value) { return !value.empty() && value != "X"; }

// A base metric, or the modified metric that replaces it when defined.
char Effective(const MetricValues& values, size_t base) {
  std::string_view modified = values[base + kModifiedOffset];
  return Defined(modified) ? modified[0] : values[base][0];
}

// E and the security requirements, when not defined, score as their most severe value (sections
// 3 and 4 of the specification): Attacked, and High.
char WithDefault(const MetricValues& values, size_t metric, char not_defined) {
  return Defined(values[metric]) ? values[metric][0] : not_defined;
}

EffectiveMetrics ResolveMetrics(const MetricValues& values) {
  EffectiveMetrics m;
  m.av = Effective(values, kAv);
  m.ac = Effective(values, kAc);
  m.at = Effective(values, kAt);
  m.pr = Effective(values, kPr);
  m.ui = Effective(values, kUi);
  m.vc = Effective(values, kVc);
  m.vi = Effective(values, kVi);
  m.va = Effective(values, kVa);
  m.sc = Effective(values, kSc);
  m.si = Effective(values, kSi);
  m.sa = Effective(values, kSa);
  m.e = WithDefault(values, kExploit, 'A');
  m.cr = WithDefault(values, kCr, 'H');
  m.ir = WithDefault(values, kIr, 'H');
  m.ar = WithDefault(values, kAr, 'H');
  return m;
}

// The levels of the six equivalence sets (specification section 8); 0 is the most severe.
struct MacroVector {
  int eq1, eq2, eq3, eq4, eq5, eq6;
};

MacroVector ComputeMacroVector(const EffectiveMetrics& m) {
  MacroVector mv;
  // EQ1: exploitability without the complexity. 0: AV:N, PR:N and UI:N; 1: one or two of them,
  // and not AV:P; 2: AV:P, or none of them.
  bool any_none = m.av == 'N' || m.pr == 'N' || m.ui == 'N';
  bool all_none = m.av == 'N' && m.pr == 'N' && m.ui == 'N';
  mv.eq1 = all_none ? 0 : (any_none && m.av != 'P') ? 1 : 2;
  // EQ2: 0: AC:L and AT:N; 1 otherwise.
  mv.eq2 = m.ac == 'L' && m.at == 'N' ? 0 : 1;
  // EQ3: 0: VC:H and VI:H; 1: one of VC, VI, VA high; 2: none.
  mv.eq3 = m.vc == 'H' && m.vi == 'H' ? 0 : (m.vc == 'H' || m.vi == 'H' || m.va == 'H') ? 1 : 2;
  // EQ4: 0: MSI:S or MSA:S (Safety); 1: one of SC, SI, SA high; 2: none.
  mv.eq4 = m.si == 'S' || m.sa == 'S' ? 0 : (m.sc == 'H' || m.si == 'H' || m.sa == 'H') ? 1 : 2;
  // EQ5: exploit maturity. 0: Attacked, 1: POC, 2: Unreported.
  mv.eq5 = m.e == 'A' ? 0 : m.e == 'P' ? 1 : 2;
  // EQ6: 0: a high impact on a property the environment requires highly; 1 otherwise.
  mv.eq6 =
      (m.cr == 'H' && m.vc == 'H') || (m.ir == 'H' && m.vi == 'H') || (m.ar == 'H' && m.va == 'H')
          ? 0
          : 1;
  return mv;
}

std::string MacroVectorText(const MacroVector& mv) {
  std::string out;
  for (int level : {mv.eq1, mv.eq2, mv.eq3, mv.eq4, mv.eq5, mv.eq6}) {
    out += static_cast<char>('0' + level);
  }
  return out;
}

// The score of each MacroVector, in tenths (the specification's lookup table, "cvss_lookup.js" in
// FIRST's calculator). EQ3 level 2 (no high impact on the vulnerable system) cannot meet EQ6 level
// 0 (a high impact where the requirement is high), so 54 of the 324 combinations have no score.
struct MacroVectorScore {
  std::string_view macrovector;
  int tenths;
};

constexpr std::array<MacroVectorScore, 270> kMacroVectorScores = {{
    {"000000", 100}, {"000001", 99}, {"000010", 98}, {"000011", 95}, {"000020", 95}, {"000021", 92},
    {"000100", 100}, {"000101", 96}, {"000110", 93}, {"000111", 87}, {"000120", 91}, {"000121", 81},
    {"000200", 93},  {"000201", 90}, {"000210", 89}, {"000211", 80}, {"000220", 81}, {"000221", 68},
    {"001000", 98},  {"001001", 95}, {"001010", 95}, {"001011", 92}, {"001020", 90}, {"001021", 84},
    {"001100", 93},  {"001101", 92}, {"001110", 89}, {"001111", 81}, {"001120", 81}, {"001121", 65},
    {"001200", 88},  {"001201", 80}, {"001210", 78}, {"001211", 70}, {"001220", 69}, {"001221", 48},
    {"002001", 92},  {"002011", 82}, {"002021", 72}, {"002101", 79}, {"002111", 69}, {"002121", 50},
    {"002201", 69},  {"002211", 55}, {"002221", 27}, {"010000", 99}, {"010001", 97}, {"010010", 95},
    {"010011", 92},  {"010020", 92}, {"010021", 85}, {"010100", 95}, {"010101", 91}, {"010110", 90},
    {"010111", 83},  {"010120", 84}, {"010121", 71}, {"010200", 92}, {"010201", 81}, {"010210", 82},
    {"010211", 71},  {"010220", 72}, {"010221", 53}, {"011000", 95}, {"011001", 93}, {"011010", 92},
    {"011011", 85},  {"011020", 85}, {"011021", 73}, {"011100", 92}, {"011101", 82}, {"011110", 80},
    {"011111", 72},  {"011120", 70}, {"011121", 59}, {"011200", 84}, {"011201", 70}, {"011210", 71},
    {"011211", 52},  {"011220", 50}, {"011221", 30}, {"012001", 86}, {"012011", 75}, {"012021", 52},
    {"012101", 71},  {"012111", 52}, {"012121", 29}, {"012201", 63}, {"012211", 29}, {"012221", 17},
    {"100000", 98},  {"100001", 95}, {"100010", 94}, {"100011", 87}, {"100020", 91}, {"100021", 81},
    {"100100", 94},  {"100101", 89}, {"100110", 86}, {"100111", 74}, {"100120", 77}, {"100121", 64},
    {"100200", 87},  {"100201", 75}, {"100210", 74}, {"100211", 63}, {"100220", 63}, {"100221", 49},
    {"101000", 94},  {"101001", 89}, {"101010", 88}, {"101011", 77}, {"101020", 76}, {"101021", 67},
    {"101100", 86},  {"101101", 76}, {"101110", 74}, {"101111", 58}, {"101120", 59}, {"101121", 50},
    {"101200", 72},  {"101201", 57}, {"101210", 57}, {"101211", 52}, {"101220", 52}, {"101221", 25},
    {"102001", 83},  {"102011", 70}, {"102021", 54}, {"102101", 65}, {"102111", 58}, {"102121", 26},
    {"102201", 53},  {"102211", 21}, {"102221", 13}, {"110000", 95}, {"110001", 90}, {"110010", 88},
    {"110011", 76},  {"110020", 76}, {"110021", 70}, {"110100", 90}, {"110101", 77}, {"110110", 75},
    {"110111", 62},  {"110120", 61}, {"110121", 53}, {"110200", 77}, {"110201", 66}, {"110210", 68},
    {"110211", 59},  {"110220", 52}, {"110221", 30}, {"111000", 89}, {"111001", 78}, {"111010", 76},
    {"111011", 67},  {"111020", 62}, {"111021", 58}, {"111100", 74}, {"111101", 59}, {"111110", 57},
    {"111111", 57},  {"111120", 47}, {"111121", 23}, {"111200", 61}, {"111201", 52}, {"111210", 57},
    {"111211", 29},  {"111220", 24}, {"111221", 16}, {"112001", 71}, {"112011", 59}, {"112021", 30},
    {"112101", 58},  {"112111", 26}, {"112121", 15}, {"112201", 23}, {"112211", 13}, {"112221", 6},
    {"200000", 93},  {"200001", 87}, {"200010", 86}, {"200011", 72}, {"200020", 75}, {"200021", 58},
    {"200100", 86},  {"200101", 74}, {"200110", 74}, {"200111", 61}, {"200120", 56}, {"200121", 34},
    {"200200", 70},  {"200201", 54}, {"200210", 52}, {"200211", 40}, {"200220", 40}, {"200221", 22},
    {"201000", 85},  {"201001", 75}, {"201010", 74}, {"201011", 55}, {"201020", 62}, {"201021", 51},
    {"201100", 72},  {"201101", 57}, {"201110", 55}, {"201111", 41}, {"201120", 46}, {"201121", 19},
    {"201200", 53},  {"201201", 36}, {"201210", 34}, {"201211", 19}, {"201220", 19}, {"201221", 8},
    {"202001", 64},  {"202011", 51}, {"202021", 20}, {"202101", 47}, {"202111", 21}, {"202121", 11},
    {"202201", 24},  {"202211", 9},  {"202221", 4},  {"210000", 88}, {"210001", 75}, {"210010", 73},
    {"210011", 53},  {"210020", 60}, {"210021", 50}, {"210100", 73}, {"210101", 55}, {"210110", 59},
    {"210111", 40},  {"210120", 41}, {"210121", 20}, {"210200", 54}, {"210201", 43}, {"210210", 45},
    {"210211", 22},  {"210220", 20}, {"210221", 11}, {"211000", 75}, {"211001", 55}, {"211010", 58},
    {"211011", 45},  {"211020", 40}, {"211021", 21}, {"211100", 61}, {"211101", 51}, {"211110", 48},
    {"211111", 18},  {"211120", 20}, {"211121", 9},  {"211200", 46}, {"211201", 18}, {"211210", 17},
    {"211211", 7},   {"211220", 8},  {"211221", 2},  {"212001", 53}, {"212011", 24}, {"212021", 14},
    {"212101", 24},  {"212111", 12}, {"212121", 5},  {"212201", 10}, {"212211", 3},  {"212221", 1},
}};

// Index of a MacroVector in a dense table: EQ1 and EQ3..EQ5 have 3 levels, EQ2 and EQ6 have 2.
constexpr size_t kDenseSize = 3 * 2 * 3 * 3 * 3 * 2;

constexpr size_t DenseIndex(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) {
  return static_cast<size_t>(((((eq1 * 2 + eq2) * 3 + eq3) * 3 + eq4) * 3 + eq5) * 2 + eq6);
}

constexpr std::array<int, kDenseSize> BuildDenseScores() {
  std::array<int, kDenseSize> dense{};
  for (int& tenths : dense) tenths = -1;
  for (const MacroVectorScore& entry : kMacroVectorScores) {
    const std::string_view& d = entry.macrovector;
    dense[DenseIndex(d[0] - '0', d[1] - '0', d[2] - '0', d[3] - '0', d[4] - '0', d[5] - '0')] =
        entry.tenths;
  }
  return dense;
}

constexpr std::array<int, kDenseSize> kDenseScores = BuildDenseScores();

// The score in tenths of the MacroVector with these levels, or nullopt when there is none (a level
// past the last, or EQ3 2 with EQ6 0).
std::optional<int> ScoreTenths(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) {
  if (eq1 > 2 || eq2 > 1 || eq3 > 2 || eq4 > 2 || eq5 > 2 || eq6 > 1) return std::nullopt;
  int tenths = kDenseScores[DenseIndex(eq1, eq2, eq3, eq4, eq5, eq6)];
  if (tenths < 0) return std::nullopt;
  return tenths;
}

// Severity steps of a value below its metric's most severe value (the metric "levels" of FIRST's
// calculator, in tenths there): the position of `value` in `order`, most severe first.
int Steps(std::string_view order, char value) {
  size_t at = order.find(value);
  return at == std::string_view::npos ? 0 : static_cast<int>(at);
}

// One EQ's share of the score: the metrics it is measured on, and for each of its levels the
// highest-severity vectors ("max_composed" in FIRST's calculator) and the depth
// (the largest severity distance within the level, plus one: "max_severity").
struct EqGroup {
  // The metrics, by the severity order of their values ("NALP" for AV).
  std::array<std::string_view, 6> orders;
  size_t metric_count;
};

constexpr EqGroup kEq1Group = {{"NALP", "NLH", "NPA"}, 3};                         // AV, PR, UI
constexpr EqGroup kEq2Group = {{"LH", "NP"}, 2};                                   // AC, AT
constexpr EqGroup kEq3Eq6Group = {{"HLN", "HLN", "HLN", "HML", "HML", "HML"}, 6};  // VC..AR
// SC has no Safety value; counting from S as SI and SA do changes no distance.
constexpr EqGroup kEq4Group = {{"SHLN", "SHLN", "SHLN"}, 3};  // SC, SI, SA

// The highest-severity vectors of each level, one letter per metric of the group, in the order
// FIRST's calculator tries them.
constexpr std::array<std::array<std::string_view, 3>, 3> kEq1Highest = {{
    {"NNN"},
    {"ANN", "NLN", "NNP"},
    {"PNN", "ALP"},
}};
constexpr std::array<std::array<std::string_view, 2>, 2> kEq2Highest = {{
    {"LN"},
    {"HN", "LP"},
}};
// By EQ3 level, then EQ6 level; letters for VC, VI, VA, CR, IR, AR.
constexpr std::array<std::array<std::array<std::string_view, 5>, 2>, 3> kEq3Eq6Highest = {{
    {{{"HHHHHH"}, {"HHLMMH", "HHHMMM"}}},
    {{{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}}},
    {{{}, {"LLLHHH"}}},
}};
constexpr std::array<std::array<std::string_view, 1>, 3> kEq4Highest = {{
    {"HSS"},
    {"HHH"},
    {"LLL"},
}};

constexpr std::array<int, 3> kEq1Depth = {1, 4, 5};
constexpr std::array<int, 2> kEq2Depth = {1, 2};
constexpr std::array<std::array<int, 2>, 3> kEq3Eq6Depth = {{{7, 6}, {8, 8}, {0, 10}}};
constexpr std::array<int, 3> kEq4Depth = {6, 5, 4};

// The severity distance, in steps, of `letters` (the vector's values of the group's metrics) from
// the first of `highest` that is at least as severe in every metric; nullopt when none is.
template <size_t N>
std::optional<int> SeverityDistance(const EqGroup& group, std::string_view letters,
                                    const std::array<std::string_view, N>& highest) {
  for (std::string_view candidate : highest) {
    if (candidate.size() != group.metric_count) continue;  // unused slot
    int distance = 0;
    bool dominated = true;
    for (size_t i = 0; i < group.metric_count; ++i) {
      int step = Steps(group.orders[i], letters[i]) - Steps(group.orders[i], candidate[i]);
      if (step < 0) {
        dominated = false;
        break;
      }
      distance += step;
    }
    if (dominated) return distance;
  }
  return std::nullopt;
}

// A common multiple of every depth, so that distance / depth is an exact integer fraction.
constexpr int64_t kDepthDenominator = 840;  // 2^3 * 3 * 5 * 7

// The score in tenths, rounded. Returns nullopt if a table lacks an entry it should have (an
// invariant of ours, checked exhaustively by the tests).
std::optional<int> ScoreInTenths(const EffectiveMetrics& m, const MacroVector& mv) {
  // No impact on the vulnerable or a subsequent system scores 0 whatever else.
  if (m.vc == 'N' && m.vi == 'N' && m.va == 'N' && m.sc == 'N' && m.si == 'N' && m.sa == 'N') {
    return 0;
  }
  std::optional<int> value = ScoreTenths(mv.eq1, mv.eq2, mv.eq3, mv.eq4, mv.eq5, mv.eq6);
  if (!value) return std::nullopt;

  // The next lower MacroVector of each EQ: one level less severe, or none at the last level.
  // EQ3 and EQ6 move together, as the table has no EQ3 2 with EQ6 0: from 00 the lower is the
  // better scoring of 01 and 10; 01 and 11 go to EQ3 + 1, 10 goes to 11, and 21 is the last.
  std::optional<int> lower_eq1 = ScoreTenths(mv.eq1 + 1, mv.eq2, mv.eq3, mv.eq4, mv.eq5, mv.eq6);
  std::optional<int> lower_eq2 = ScoreTenths(mv.eq1, mv.eq2 + 1, mv.eq3, mv.eq4, mv.eq5, mv.eq6);
  std::optional<int> lower_eq4 = ScoreTenths(mv.eq1, mv.eq2, mv.eq3, mv.eq4 + 1, mv.eq5, mv.eq6);
  std::optional<int> lower_eq5 = ScoreTenths(mv.eq1, mv.eq2, mv.eq3, mv.eq4, mv.eq5 + 1, mv.eq6);
  std::optional<int> lower_eq3eq6;
  if (mv.eq3 == 0 && mv.eq6 == 0) {
    std::optional<int> via_eq6 = ScoreTenths(mv.eq1, mv.eq2, 0, mv.eq4, mv.eq5, 1);
    std::optional<int> via_eq3 = ScoreTenths(mv.eq1, mv.eq2, 1, mv.eq4, mv.eq5, 0);
    if (!via_eq6 || !via_eq3) return std::nullopt;
    lower_eq3eq6 = std::max(*via_eq6, *via_eq3);
  } else if (mv.eq3 == 1 && mv.eq6 == 0) {
    lower_eq3eq6 = ScoreTenths(mv.eq1, mv.eq2, 1, mv.eq4, mv.eq5, 1);
  } else if (mv.eq6 == 1 && mv.eq3 < 2) {
    lower_eq3eq6 = ScoreTenths(mv.eq1, mv.eq2, mv.eq3 + 1, mv.eq4, mv.eq5, 1);
  }

  // How far the vector is, in severity steps, below the highest-severity vectors of its level.
  // EQ5 has one value per level, so its distance is always 0.
  const std::string eq1_letters = {m.av, m.pr, m.ui};
  const std::string eq2_letters = {m.ac, m.at};
  const std::string eq3eq6_letters = {m.vc, m.vi, m.va, m.cr, m.ir, m.ar};
  const std::string eq4_letters = {m.sc, m.si, m.sa};
  std::optional<int> distance_eq1 = SeverityDistance(kEq1Group, eq1_letters, kEq1Highest[mv.eq1]);
  std::optional<int> distance_eq2 = SeverityDistance(kEq2Group, eq2_letters, kEq2Highest[mv.eq2]);
  std::optional<int> distance_eq3eq6 =
      SeverityDistance(kEq3Eq6Group, eq3eq6_letters, kEq3Eq6Highest[mv.eq3][mv.eq6]);
  std::optional<int> distance_eq4 = SeverityDistance(kEq4Group, eq4_letters, kEq4Highest[mv.eq4]);
  if (!distance_eq1 || !distance_eq2 || !distance_eq3eq6 || !distance_eq4) return std::nullopt;

  // Each EQ with a lower MacroVector moves the score toward it by the share of the level's depth
  // the vector is down (the maximal scoring difference times the proportion of distance); the
  // score drops by the mean of these moves. EQ5 counts in the mean but never moves. The sum is
  // kept in units of 1/840 tenth, so it is exact.
  int64_t moves = 0;  // in tenths * kDepthDenominator
  int64_t lower_count = 0;
  auto add_move = [&](const std::optional<int>& lower, int distance, int depth) {
    if (!lower) return;
    ++lower_count;
    moves += static_cast<int64_t>(*value - *lower) * distance * (kDepthDenominator / depth);
  };
  add_move(lower_eq1, *distance_eq1, kEq1Depth[mv.eq1]);
  add_move(lower_eq2, *distance_eq2, kEq2Depth[mv.eq2]);
  add_move(lower_eq3eq6, *distance_eq3eq6, kEq3Eq6Depth[mv.eq3][mv.eq6]);
  add_move(lower_eq4, *distance_eq4, kEq4Depth[mv.eq4]);
  if (lower_eq5) ++lower_count;
  if (lower_count == 0) return *value;

  // score = value - moves / (840 * lower_count), in tenths, rounded half up. FIRST's calculator
  // computes it in floating point and adds 1e-6 before rounding so that, say, 1.45 computed as
  // 1.4499999999999993 still gives 1.5. Here it is exact: the numerator and denominator below
  // are integers, and since an exact result other than a half-tenth is at least 1 / (2 * 840 * 5)
  // tenths (1.2e-5) from one, this rounds every vector as that calculator does.
  const int64_t denominator = kDepthDenominator * lower_count;
  int64_t numerator = static_cast<int64_t>(*value) * denominator - moves;
  numerator = std::clamp<int64_t>(numerator, 0, 100 * denominator);
  return static_cast<int>((2 * numerator + denominator) / (2 * denominator));
}

std::vector<std::pair<std::string, std::string>> ShownMetrics(const MetricValues& values) {
  std::vector<std::pair<std::string, std::string>> shown;
  shown.reserve(kMetrics.size());
  for (size_t i = 0; i < kMetrics.size(); ++i) {
    std::string_view value = values[i];
    if (!Defined(value)) {
      if (i >= kModifiedOffset && i < kModifiedOffset + kBaseMetricCount) {
        value = values[i - kModifiedOffset];
      } else if (i == kExploit) {
        value = "A";
      } else if (i == kCr || i == kIr || i == kAr) {
        value = "H";
      } else {
        value = "X";
      }
    }
    shown.emplace_back(std::string(kMetrics[i].abbreviation), std::string(value));
  }
  return shown;
}

std::string Nomenclature(const MetricValues& values) {
  bool threat = false;
  bool environmental = false;
  for (size_t i = 0; i < kMetrics.size(); ++i) {
    if (!Defined(values[i])) continue;
    if (kMetrics[i].group == MetricGroup::kThreat) threat = true;
    if (kMetrics[i].group == MetricGroup::kEnvironmental) environmental = true;
  }
  std::string out = "CVSS-B";
  if (threat) out += "T";
  if (environmental) out += "E";
  return out;
}

}  // namespace

StatusOr<CvssV4Score> ScoreCvssV4(std::string_view vector) {
  MetricValues values;
  BW_RETURN_IF_ERROR(ParseVector(vector, values));

  EffectiveMetrics effective = ResolveMetrics(values);
  MacroVector mv = ComputeMacroVector(effective);
  std::optional<int> tenths = ScoreInTenths(effective, mv);
  if (!tenths) {
    return InternalError("CVSS v4.0 tables have no entry for MacroVector " + MacroVectorText(mv) +
                         " of " + Quote(vector));
  }

  CvssV4Score result;
  result.score = *tenths / 10.0;
  result.nomenclature = Nomenclature(values);
  result.macrovector = MacroVectorText(mv);
  result.severity = std::string(CvssSeverity(result.score));
  result.metrics = ShownMetrics(values);
  return result;
}

std::optional<double> CvssV4MacroVectorScore(std::string_view macrovector) {
  if (macrovector.size() != 6) return std::nullopt;
  std::array<int, 6> levels;
  for (size_t i = 0; i < 6; ++i) {
    if (macrovector[i] < '0' || macrovector[i] > '9') return std::nullopt;
    levels[i] = macrovector[i] - '0';
  }
  std::optional<int> tenths =
      ScoreTenths(levels[0], levels[1], levels[2], levels[3], levels[4], levels[5]);
  if (!tenths) return std::nullopt;
  return *tenths / 10.0;
}

}  // namespace bulwark::cvss
