// Tests of the CVSS v4.0 calculator: FIRST's conformance vectors, known scores checked against
// an independent implementation, the specification's tables checked against CISA's SSVC
// encoding of them, every base vector, and malformed vectors.
#include "cvss/cvss_v4.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cvss/cvss.h"
#include "testing/status_assertions.h"

namespace bulwark::cvss {
namespace {

std::string SharedPath(const std::string& relative) {
  return std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/" + relative;
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  return cells;
}

// ---------------------------------------------------------------------------------------------
// Conformance vectors: "VECTOR - SCORE" per line.

void CheckVectorFile(const std::string& name) {
  const std::string path = SharedPath("cvss/" + name);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent; skipping";
  std::ifstream in(path);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    const std::string vector = line.substr(0, dash);
    const double expected = std::stod(line.substr(dash + 3));
    ASSERT_OK_AND_ASSIGN(CvssV4Score score, ScoreCvssV4(vector));
    EXPECT_DOUBLE_EQ(score.score, expected) << vector;
    ++checked;
  }
  EXPECT_GT(checked, 0) << path << " has no vectors";
}

TEST(CvssV4Test, ThreatConformanceVectors) { CheckVectorFile("vectors_threat4.txt"); }

TEST(CvssV4Test, SecurityRequirementConformanceVectors) {
  CheckVectorFile("vectors_security4.txt");
}

// ---------------------------------------------------------------------------------------------
// Known scores.

struct KnownScore {
  const char* vector;
  double score;
};

// Scores checked against ae-cvss-calculator 1.0.13 (npm; metaeffekt's implementation, which
// rounds as FIRST's calculator does) and @pandatix/js-cvss 0.4.4. The first ten are chosen by
// hand: the highest score, the example of cvss_v4.h, a vector that claircore issue 1382 quotes
// FIRST's calculator as scoring 4.1, Safety, the lowest MacroVector, modified impacts raising
// and removing every impact, and explicit X values with every supplemental metric. The others
// were picked from 5,000 seeded random vectors to cover each EQ level, the four nomenclatures,
// E:A/P/U, CR/IR/AR at H/M/L, MSI:S and MSA:S, every modified metric and every severity. When
// the table was made, this calculator and ae-cvss-calculator agreed on the score, MacroVector
// and nomenclature of 25,000 seeded random vectors with all metric groups and of every base
// vector with E at each level (314,928).
//
// The rows marked "half" have an exact score of a half tenth (5.65 for the fourth: 6.1 less the
// mean of 1.125, 0.225 and 0). FIRST's calculator and ae-cvss-calculator round it up;
// @pandatix/js-cvss gives 0.1 less, as its floating-point value falls just short of the half.
constexpr KnownScore kKnownScores[] = {
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", 8.9},
    {"CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:H/CR:X", 4.1},
    {"CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:L/VI:H/VA:N/SC:N/SI:L/SA:L", 5.7},  // half
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S/MSA:S", 10.0},
    {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U", 0.1},
    {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N/E:U/CR:L/IR:L/AR:L", 0.1},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MVC:H/MVI:H/MVA:H", 9.3},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVC:N/MVI:N/MVA:N/MSC:N/"
     "MSI:N/MSA:N",
     0.0},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/S:P/AU:Y/"
     "R:I/V:C/RE:H/U:Red",
     9.3},
    {"CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:L/VI:H/VA:N/SC:N/SI:H/SA:L/E:A/MVI:H/MSI:S/AU:Y", 7.0},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:N/VI:L/VA:N/SC:L/SI:N/SA:N/AR:L/MPR:N/MVC:L/R:A", 5.3},
    {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:P/VC:H/VI:L/VA:L/SC:L/SI:N/SA:N/E:P/AR:X/MAC:H/MVI:H", 6.4},
    {"CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:H/SA:N/E:P/AU:N/V:C", 1.8},
    {"CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:H/SI:L/SA:L/AR:X/MSA:S", 9.5},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:H/SI:H/SA:H/E:U/MPR:L/AU:N/RE:L", 5.7},
    {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:P/VC:H/VI:H/VA:L/SC:N/SI:L/SA:N/MAV:A/MVA:L/S:P/R:U", 7.5},
    {"CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L/MUI:P/MSC:H/V:D", 2.1},
    {"CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:L/SA:N/MAV:N/MVC:H/MSI:S", 9.4},
    {"CVSS:4.0/AV:A/AC:H/AT:P/PR:H/UI:N/VC:N/VI:N/VA:L/SC:L/SI:H/SA:H/E:X/IR:X/MVC:X/S:N", 5.0},
    {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:H/SI:H/SA:N/E:X/CR:M/IR:M/MAC:H", 5.8},
    {"CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:L/SC:H/SI:N/SA:N/E:U/U:Green", 7.1},
    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:L/VA:L/SC:N/SI:N/SA:N/IR:H/MAT:P/MSA:L", 2.3},
    {"CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:H/SC:N/SI:N/SA:H/CR:L/IR:L/U:X", 5.5},  // half
    {"CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:P/VC:H/VI:N/VA:N/SC:H/SI:N/SA:H/AR:M/MVA:N/R:I/RE:L", 5.7},
    {"CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:L/SC:L/SI:L/SA:H/CR:L/AR:H/MUI:P", 4.4},
    {"CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L/E:A/IR:M/MAV:P/MAT:P", 6.9},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:H/SI:N/SA:H/CR:M/IR:X", 9.0},
    {"CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/AR:X/V:C", 0.0},
    {"CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:P/VC:H/VI:L/VA:H/SC:L/SI:L/SA:N/CR:X/IR:H/RE:H", 4.6},
    {"CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:L/VI:N/VA:L/SC:L/SI:N/SA:H/MPR:H/MSA:S/U:Green", 6.4},
    {"CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:N/VC:N/VI:L/VA:L/SC:N/SI:H/SA:H/CR:L/AR:M/MSI:S", 6.7},
    {"CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:H/SC:L/SI:L/SA:N/CR:H/MVA:N/U:Green", 4.3},
    {"CVSS:4.0/AV:L/AC:H/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:H/SI:H/SA:L/AR:H/MSC:H/S:N/V:C", 5.0},
    {"CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:L/E:P/IR:X/MVC:H/R:A", 4.1},
    {"CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:N/VA:L/SC:H/SI:L/SA:L/IR:L/MVI:N/MVA:X", 7.0},
    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:H/VI:L/VA:H/SC:N/SI:N/SA:L/CR:M/AR:L/MAC:L", 5.1},
    {"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:L/VI:N/VA:H/SC:N/SI:H/SA:N/E:U", 3.9},
    {"CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:L/SC:N/SI:L/SA:L/CR:X", 7.1},
    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:L/VI:N/VA:H/SC:N/SI:N/SA:L/AR:H", 5.7},  // half
    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:L/SA:L/CR:H/MUI:N", 2.3},
    {"CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:A/VC:N/VI:N/VA:H/SC:H/SI:N/SA:L/IR:H/MAT:P/MSC:H", 5.7},
    {"CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:A/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:X/MVC:N/RE:X", 0.0},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:A/VC:H/VI:H/VA:N/SC:H/SI:L/SA:L/IR:M/AR:M/MVI:L/RE:L", 6.8},
    {"CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:A/VC:N/VI:H/VA:L/SC:L/SI:N/SA:N/CR:H/IR:L", 1.7},
    {"CVSS:4.0/AV:L/AC:L/AT:P/PR:N/UI:A/VC:L/VI:N/VA:N/SC:H/SI:H/SA:N/E:A/CR:X/MAT:X/MSA:N", 4.5},
    {"CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/AR:L", 7.1},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:L/SI:L/SA:N/MSA:S", 9.7},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0},
    {"CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:N/VA:L/SC:N/SI:L/SA:N/MAV:L/RE:L", 5.7},  // half
    {"CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:P/VC:H/VI:N/VA:H/SC:N/SI:L/SA:N", 5.2},
    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:H/VA:H/SC:L/SI:N/SA:N/U:Amber", 7.1},
    {"CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:N/VI:L/VA:H/SC:H/SI:H/SA:H", 6.0},
    {"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:L/SA:H/R:U", 5.1},
    {"CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:N/VC:L/VI:H/VA:N/SC:N/SI:N/SA:L", 4.3},
    {"CVSS:4.0/AV:A/AC:H/AT:P/PR:N/UI:A/VC:H/VI:H/VA:L/SC:N/SI:H/SA:N/AR:M/MAC:X/S:P/RE:L", 8.4},
    {"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:L/VI:H/VA:H/SC:L/SI:H/SA:N", 5.8},
    {"CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:N/SC:L/SI:N/SA:H", 4.2},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:L/SI:H/SA:H/MAC:X/AU:N/RE:X", 9.3},
    {"CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:P/VC:N/VI:H/VA:L/SC:H/SI:N/SA:H", 7.1},
    {"CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:A/VC:N/VI:H/VA:N/SC:L/SI:N/SA:L/MUI:P/RE:L", 5.9},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:H/VA:L/SC:H/SI:N/SA:N", 8.1},
    {"CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:A/VC:H/VI:L/VA:H/SC:N/SI:H/SA:H/MVA:L", 5.9},
    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:N/VI:L/VA:L/SC:H/SI:N/SA:H", 4.8},
    {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:L/SC:N/SI:H/SA:N/AR:X/MSI:N", 5.1},
    {"CVSS:4.0/AV:A/AC:H/AT:P/PR:H/UI:P/VC:L/VI:L/VA:L/SC:L/SI:N/SA:N", 1.0},
    {"CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:H/SA:N", 1.8},
    {"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:N/VI:L/VA:N/SC:N/SI:H/SA:H/MVI:N/S:P/U:Amber", 2.1},
    {"CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:P/VC:N/VI:N/VA:L/SC:N/SI:L/SA:H", 4.5},
    {"CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:A/VC:H/VI:L/VA:H/SC:H/SI:N/SA:L", 5.8},
};

TEST(CvssV4Test, KnownScores) {
  for (const KnownScore& known : kKnownScores) {
    ASSERT_OK_AND_ASSIGN(CvssV4Score score, ScoreCvssV4(known.vector));
    EXPECT_DOUBLE_EQ(score.score, known.score) << known.vector;
    EXPECT_EQ(score.severity, CvssSeverity(known.score)) << known.vector;
  }
}

TEST(CvssV4Test, ReportsMacroVectorNomenclatureAndSeverity) {
  ASSERT_OK_AND_ASSIGN(
      CvssV4Score score,
      ScoreCvssV4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P"));
  EXPECT_DOUBLE_EQ(score.score, 8.9);
  EXPECT_EQ(score.macrovector, "000210");
  EXPECT_EQ(score.nomenclature, "CVSS-BT");
  EXPECT_EQ(score.severity, "High");
}

TEST(CvssV4Test, Nomenclature) {
  const std::string base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
  const std::map<std::string, std::string> cases = {
      {"", "CVSS-B"},
      // X is Not Defined: written out, it is still not a threat or environmental metric.
      {"/E:X/CR:X/MSA:X", "CVSS-B"},
      // Supplemental metrics are neither.
      {"/S:P/AU:Y/U:Red", "CVSS-B"},
      {"/E:A", "CVSS-BT"},
      {"/CR:L", "CVSS-BE"},
      {"/MAV:P", "CVSS-BE"},
      {"/E:U/MSI:S", "CVSS-BTE"},
  };
  for (const auto& [suffix, nomenclature] : cases) {
    ASSERT_OK_AND_ASSIGN(CvssV4Score score, ScoreCvssV4(base + suffix));
    EXPECT_EQ(score.nomenclature, nomenclature) << suffix;
  }
}

TEST(CvssV4Test, ExplicitNotDefinedScoresAsAbsent) {
  const std::string base = "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:L/VA:L/SC:L/SI:N/SA:H";
  ASSERT_OK_AND_ASSIGN(CvssV4Score plain, ScoreCvssV4(base));
  ASSERT_OK_AND_ASSIGN(
      CvssV4Score all_x,
      ScoreCvssV4(base + "/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/"
                         "MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X"));
  EXPECT_DOUBLE_EQ(all_x.score, plain.score);
  EXPECT_EQ(all_x.macrovector, plain.macrovector);
  EXPECT_EQ(all_x.metrics, plain.metrics);
  // Not defined, E scores as Attacked and the requirements as High.
  ASSERT_OK_AND_ASSIGN(CvssV4Score worst,
                       ScoreCvssV4(base + "/E:A/CR:H/IR:H/AR:H/MAV:A/MSA:H/S:X"));
  EXPECT_DOUBLE_EQ(worst.score, plain.score);
}

TEST(CvssV4Test, ModifiedMetricsReplaceBaseMetrics) {
  // Every base metric modified to the value of another vector's gives that vector's score.
  ASSERT_OK_AND_ASSIGN(
      CvssV4Score target,
      ScoreCvssV4("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:H/SC:H/SI:L/SA:N"));
  ASSERT_OK_AND_ASSIGN(
      CvssV4Score modified,
      ScoreCvssV4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:H/SA:H/MAV:L/MAC:H/"
                  "MAT:P/MPR:H/MUI:A/MVC:L/MVI:N/MVA:H/MSC:H/MSI:L/MSA:N"));
  EXPECT_DOUBLE_EQ(modified.score, target.score);
  EXPECT_EQ(modified.macrovector, target.macrovector);
  EXPECT_EQ(modified.nomenclature, "CVSS-BE");
}

TEST(CvssV4Test, SafetyIsTheMostSevereSubsequentImpact) {
  const std::string base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
  ASSERT_OK_AND_ASSIGN(CvssV4Score high, ScoreCvssV4(base));
  ASSERT_OK_AND_ASSIGN(CvssV4Score msi, ScoreCvssV4(base + "/MSI:S"));
  ASSERT_OK_AND_ASSIGN(CvssV4Score msa, ScoreCvssV4(base + "/MSA:S"));
  EXPECT_EQ(high.macrovector, "000100");
  EXPECT_EQ(msi.macrovector, "000000");
  EXPECT_EQ(msa.macrovector, "000000");
  EXPECT_DOUBLE_EQ(msi.score, 10.0);
}

TEST(CvssV4Test, NoImpactScoresZero) {
  ASSERT_OK_AND_ASSIGN(
      CvssV4Score score,
      ScoreCvssV4("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/CR:H"));
  EXPECT_DOUBLE_EQ(score.score, 0.0);
  EXPECT_EQ(score.severity, "None");
  EXPECT_EQ(score.macrovector, "002201");
}

TEST(CvssV4Test, MetricsShowTheValuesScored) {
  ASSERT_OK_AND_ASSIGN(
      CvssV4Score score,
      ScoreCvssV4("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/IR:L/MAV:A/"
                  "MPR:X/MSI:S/AU:Y/U:Amber"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"AV", "N"},  {"AC", "L"},    {"AT", "N"},  {"PR", "L"},  {"UI", "N"},  {"VC", "H"},
      {"VI", "H"},  {"VA", "H"},    {"SC", "N"},  {"SI", "N"},  {"SA", "N"},  {"E", "A"},
      {"CR", "H"},  {"IR", "L"},    {"AR", "H"},  {"MAV", "A"}, {"MAC", "L"}, {"MAT", "N"},
      {"MPR", "L"}, {"MUI", "N"},   {"MVC", "H"}, {"MVI", "H"}, {"MVA", "H"}, {"MSC", "N"},
      {"MSI", "S"}, {"MSA", "N"},   {"S", "X"},   {"AU", "Y"},  {"R", "X"},   {"V", "X"},
      {"RE", "X"},  {"U", "Amber"},
  };
  EXPECT_EQ(score.metrics, expected);
}

// ---------------------------------------------------------------------------------------------
// The tables, against CISA's SSVC encoding of the CVSS v4.0 equivalence sets and of the
// qualitative rating of each MacroVector (../shared/conformance/ssvc/). SSVC names EQ levels
// from the least severe: "high" is our level 0.

int SsvcLevel(const std::string& name, bool two_levels) {
  if (name == "high") return 0;
  if (name == "medium") return 1;
  if (name == "low") return two_levels ? 1 : 2;
  return -1;
}

TEST(CvssV4Test, MacroVectorScoresMatchSsvcRatings) {
  const std::string path = SharedPath("ssvc/cvss_v4_0_qualitative_severity_ratings_4_0_0.csv");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent; skipping";
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  int scored = 0;
  int impossible = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = SplitCsvLine(line);
    ASSERT_EQ(cells.size(), 8u) << line;
    std::string macrovector;
    for (int eq = 1; eq <= 6; ++eq) {
      int level = SsvcLevel(cells[eq], eq == 2 || eq == 6);
      ASSERT_GE(level, 0) << line;
      macrovector += static_cast<char>('0' + level);
    }
    std::optional<double> score = CvssV4MacroVectorScore(macrovector);
    if (macrovector[2] == '2' && macrovector[5] == '0') {
      // No vector has no high impact on the vulnerable system and yet one where it matters most.
      EXPECT_FALSE(score.has_value()) << macrovector;
      ++impossible;
      continue;
    }
    ASSERT_TRUE(score.has_value()) << macrovector;
    std::string severity(CvssSeverity(*score));
    for (char& c : severity) c = static_cast<char>(std::tolower(c));
    EXPECT_EQ(severity, cells[7]) << macrovector << " scores " << *score;
    ++scored;
  }
  EXPECT_EQ(scored, 270);
  EXPECT_EQ(impossible, 54);
}

// Letters of the CVSS values SSVC spells out.
char SsvcValueLetter(const std::string& value) {
  static const std::map<std::string, char> kLetters = {
      {"network", 'N'},    {"adjacent", 'A'},
      {"local", 'L'},      {"physical", 'P'},
      {"none", 'N'},       {"low", 'L'},
      {"high", 'H'},       {"passive", 'P'},
      {"active", 'A'},     {"present", 'P'},
      {"negligible", 'N'}, {"safety", 'S'},
      {"unreported", 'U'}, {"proof-of-concept", 'P'},
      {"attacked", 'A'},   {"medium", 'M'},
  };
  auto it = kLetters.find(value);
  return it == kLetters.end() ? '?' : it->second;
}

// Checks one equivalence set: each row gives values of `metrics` (the SSVC columns in order)
// and the EQ level; every other metric is taken from `base`.
void CheckEquivalenceSet(int eq, const std::vector<std::string>& metrics) {
  const std::string path =
      SharedPath("ssvc/cvss_v4_equivalence_set_" + std::to_string(eq) + "_1_0_0.csv");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent; skipping";
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = SplitCsvLine(line);
    ASSERT_EQ(cells.size(), metrics.size() + 2) << line;
    std::map<std::string, std::string> values = {
        {"AV", "N"}, {"AC", "L"}, {"AT", "N"}, {"PR", "N"}, {"UI", "N"}, {"VC", "H"},
        {"VI", "H"}, {"VA", "H"}, {"SC", "N"}, {"SI", "N"}, {"SA", "N"},
    };
    for (size_t i = 0; i < metrics.size(); ++i) {
      char letter = SsvcValueLetter(cells[i + 1]);
      ASSERT_NE(letter, '?') << line;
      values[metrics[i]] = std::string(1, letter);
    }
    std::string vector = "CVSS:4.0";
    for (const char* name : {"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA", "E",
                             "CR", "IR", "AR", "MSI", "MSA"}) {
      auto it = values.find(name);
      if (it != values.end()) vector += std::string("/") + name + ":" + it->second;
    }
    ASSERT_OK_AND_ASSIGN(CvssV4Score score, ScoreCvssV4(vector));
    const int expected = SsvcLevel(cells.back(), eq == 2 || eq == 6);
    EXPECT_EQ(score.macrovector[eq - 1] - '0', expected) << vector << " (" << line << ")";
    ++rows;
  }
  EXPECT_GT(rows, 0);
}

TEST(CvssV4Test, EquivalenceSetsMatchSsvc) {
  CheckEquivalenceSet(1, {"AV", "PR", "UI"});
  CheckEquivalenceSet(2, {"AC", "AT"});
  CheckEquivalenceSet(3, {"VC", "VI", "VA"});
  // SSVC's EQ4 is on SC and the modified MSI and MSA, which alone can be Safety.
  CheckEquivalenceSet(4, {"SC", "MSI", "MSA"});
  CheckEquivalenceSet(5, {"E"});
  CheckEquivalenceSet(6, {"CR", "VC", "IR", "VI", "AR", "VA"});
}

// Every base vector, with E at each level, scores, at most its MacroVector's score, with the
// severity of its score; and so do all combinations of the metrics of EQ3+EQ6 and of EQ4 with
// their modified values. This covers every case of the highest-severity vectors search.
TEST(CvssV4Test, EveryBaseVectorScores) {
  const std::array<std::pair<const char*, const char*>, 11> kBase = {{
      {"AV", "NALP"},
      {"AC", "LH"},
      {"AT", "NP"},
      {"PR", "NLH"},
      {"UI", "NPA"},
      {"VC", "HLN"},
      {"VI", "HLN"},
      {"VA", "HLN"},
      {"SC", "HLN"},
      {"SI", "HLN"},
      {"SA", "HLN"},
  }};
  std::array<size_t, 11> choice{};
  int scored = 0;
  std::map<char, int> eq_levels_seen[6];
  while (true) {
    std::string base = "CVSS:4.0";
    for (size_t i = 0; i < kBase.size(); ++i) {
      base += std::string("/") + kBase[i].first + ":" + kBase[i].second[choice[i]];
    }
    for (const char* threat : {"", "/E:P", "/E:U"}) {
      const std::string vector = base + threat;
      StatusOr<CvssV4Score> score = ScoreCvssV4(vector);
      ASSERT_TRUE(score.ok()) << vector << ": " << score.status().ToString();
      std::optional<double> top = CvssV4MacroVectorScore(score->macrovector);
      ASSERT_TRUE(top.has_value()) << vector;
      ASSERT_GE(score->score, 0.0) << vector;
      ASSERT_LE(score->score, *top) << vector;
      ASSERT_EQ(score->severity, CvssSeverity(score->score)) << vector;
      for (int eq = 0; eq < 6; ++eq) ++eq_levels_seen[eq][score->macrovector[eq]];
      ++scored;
    }
    size_t i = 0;
    while (i < kBase.size() && ++choice[i] == std::string_view(kBase[i].second).size()) {
      choice[i++] = 0;
    }
    if (i == kBase.size()) break;
  }
  EXPECT_EQ(scored, 4 * 2 * 2 * 3 * 3 * 729 * 3);
  const size_t levels[6] = {3, 2, 3, 2, 3, 2};  // EQ4 level 0 (Safety) needs MSI or MSA
  for (int eq = 0; eq < 6; ++eq) EXPECT_EQ(eq_levels_seen[eq].size(), levels[eq]) << eq + 1;

  const std::string exploitability = "CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:P";
  const char* kImpact = "HLN";
  const char* kRequirement = "XHML";
  const char* kSubsequent = "XSHLN";
  for (int vulnerable = 0; vulnerable < 27; ++vulnerable) {
    const char vc = kImpact[vulnerable % 3], vi = kImpact[vulnerable / 3 % 3],
               va = kImpact[vulnerable / 9];
    for (int requirement = 0; requirement < 64; ++requirement) {
      const char cr = kRequirement[requirement % 4], ir = kRequirement[requirement / 4 % 4],
                 ar = kRequirement[requirement / 16];
      for (int subsequent = 0; subsequent < 75; subsequent += 7) {
        const char sc = kImpact[subsequent % 3], msi = kSubsequent[subsequent / 3 % 5],
                   msa = kSubsequent[subsequent / 15];
        std::string vector = exploitability + "/VC:" + vc + "/VI:" + vi + "/VA:" + va +
                             "/SC:" + sc + "/SI:L/SA:N/CR:" + cr + "/IR:" + ir + "/AR:" + ar +
                             "/MSI:" + msi + "/MSA:" + msa;
        StatusOr<CvssV4Score> score = ScoreCvssV4(vector);
        ASSERT_TRUE(score.ok()) << vector << ": " << score.status().ToString();
        ASSERT_LE(score->score, *CvssV4MacroVectorScore(score->macrovector)) << vector;
      }
    }
  }
}

TEST(CvssV4Test, MacroVectorScore) {
  EXPECT_EQ(CvssV4MacroVectorScore("000000"), 10.0);
  EXPECT_EQ(CvssV4MacroVectorScore("000200"), 9.3);
  EXPECT_EQ(CvssV4MacroVectorScore("212221"), 0.1);
  EXPECT_EQ(CvssV4MacroVectorScore("002200"), std::nullopt);  // EQ3 2 goes only with EQ6 1
  EXPECT_EQ(CvssV4MacroVectorScore("300000"), std::nullopt);
  EXPECT_EQ(CvssV4MacroVectorScore("020000"), std::nullopt);
  EXPECT_EQ(CvssV4MacroVectorScore("00000"), std::nullopt);
  EXPECT_EQ(CvssV4MacroVectorScore("0000000"), std::nullopt);
  EXPECT_EQ(CvssV4MacroVectorScore("00000a"), std::nullopt);
  EXPECT_EQ(CvssV4MacroVectorScore(""), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Severity.

TEST(CvssV4Test, SeverityBoundaries) {
  EXPECT_EQ(CvssSeverity(0.0), "None");
  EXPECT_EQ(CvssSeverity(0.1), "Low");
  EXPECT_EQ(CvssSeverity(3.9), "Low");
  EXPECT_EQ(CvssSeverity(4.0), "Medium");
  EXPECT_EQ(CvssSeverity(6.9), "Medium");
  EXPECT_EQ(CvssSeverity(7.0), "High");
  EXPECT_EQ(CvssSeverity(8.9), "High");
  EXPECT_EQ(CvssSeverity(9.0), "Critical");
  EXPECT_EQ(CvssSeverity(10.0), "Critical");
  // The tenths as a computation leaves them.
  EXPECT_EQ(CvssSeverity(39 / 10.0), "Low");
  EXPECT_EQ(CvssSeverity(69 / 10.0), "Medium");
  EXPECT_EQ(CvssSeverity(89 / 10.0), "High");
}

TEST(CvssV4Test, SeverityOfScoresAtTheBoundaries) {
  const std::map<std::string, std::pair<double, std::string>> cases = {
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", {0.0, "None"}},
      {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U", {0.1, "Low"}},
      {"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:L/VI:N/VA:H/SC:N/SI:H/SA:N/E:U", {3.9, "Low"}},
      {"CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:H/CR:X", {4.1, "Medium"}},
      {"CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L/E:A/IR:M/MAV:P/MAT:P",
       {6.9, "Medium"}},
      {"CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:L/VI:H/VA:N/SC:N/SI:H/SA:L/E:A/MVI:H/MSI:S/AU:Y",
       {7.0, "High"}},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", {8.9, "High"}},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:H/SI:N/SA:H/CR:M/IR:X",
       {9.0, "Critical"}},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", {10.0, "Critical"}},
  };
  for (const auto& [vector, expected] : cases) {
    ASSERT_OK_AND_ASSIGN(CvssV4Score score, ScoreCvssV4(vector));
    EXPECT_DOUBLE_EQ(score.score, expected.first) << vector;
    EXPECT_EQ(score.severity, expected.second) << vector;
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed vectors.

constexpr char kValid[] = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

void ExpectInvalid(const std::string& vector, const std::string& message_part) {
  StatusOr<CvssV4Score> score = ScoreCvssV4(vector);
  ASSERT_FALSE(score.ok()) << "'" << vector << "' was accepted";
  EXPECT_EQ(score.status().code(), StatusCode::kInvalidArgument) << vector;
  EXPECT_NE(score.status().message().find(message_part), std::string::npos)
      << "'" << vector << "' gave: " << score.status().message();
}

TEST(CvssV4Test, RejectsMalformedVectors) {
  const std::string valid = kValid;
  ExpectInvalid("", "empty CVSS v4.0 vector");
  ExpectInvalid(valid.substr(9), "does not start with 'CVSS:4.0/'");
  ExpectInvalid("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "is CVSS version '3.1'");
  ExpectInvalid("CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "is CVSS version '4.1'");
  ExpectInvalid("CVSS:4.0", "has no metrics");
  ExpectInvalid("CVSS:4.0/", "ends with '/'");
  ExpectInvalid(valid + "/", "ends with '/'");
  ExpectInvalid("cvss:4.0/av:n/ac:l/at:n/pr:n/ui:n/vc:h/vi:h/va:h/sc:n/si:n/sa:n",
                "case-sensitive");
  ExpectInvalid("CVSS:4.0/av:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "unknown metric 'av'; metric names are case-sensitive: did you mean 'AV'?");
  ExpectInvalid("CVSS:4.0/AV:n/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "metric 'AV' (Attack Vector) has value 'n'; it takes N, A, L or P");
  ExpectInvalid("CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "metric 'AV' (Attack Vector) has value 'Q'; it takes N, A, L or P");
  ExpectInvalid("CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "has value 'X'; it takes N, A, L or P");
  ExpectInvalid("CVSS:4.0/AV:/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "has value ''");
  ExpectInvalid("CVSS:4.0/AV:NN/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "has value 'NN'");
  ExpectInvalid(valid + "/SI:S", "more than once");  // Safety only as MSI, and SI again
  ExpectInvalid(valid + "/MVC:S", "metric 'MVC'");
  ExpectInvalid(valid + "/U:red", "it takes X, Clear, Green, Amber or Red");
  ExpectInvalid(valid + "/E:H",
                "metric 'E' (Exploit Maturity) has value 'H'; it takes X, A, P or U");
  ExpectInvalid(valid + "/CR:N", "it takes X, H, M or L");
  ExpectInvalid("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
                "missing base metric 'SA' (Subsequent System Availability)");
  ExpectInvalid("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SA:N",
                "missing base metrics 'AT' (Attack Requirements), 'SI'");
  ExpectInvalid(valid + "/XX:Y", "unknown metric 'XX'");
  ExpectInvalid(valid + "/RL:O", "unknown metric 'RL'");
  ExpectInvalid(valid + "/E:A/E:A", "gives metric 'E' (Exploit Maturity) more than once");
  ExpectInvalid(valid + "/AV:N", "gives metric 'AV' (Attack Vector) more than once");
  ExpectInvalid(valid + "/E:X/E:A", "more than once");
  // The specification fixes the order (Table 23): VC, VI, VA before SC, SI, SA, and the
  // optional metrics after the base ones in their own order.
  ExpectInvalid("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/SC:N/VI:H/SI:N/VA:H/SA:N",
                "metric 'VI' (Vulnerable System Integrity) comes after 'SC'");
  ExpectInvalid("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "must come in the order AV/AC/AT/");
  ExpectInvalid(valid + "/CR:H/E:A", "metric 'E' (Exploit Maturity) comes after 'CR'");
  ExpectInvalid(valid + "/U:Red/S:P", "comes after 'U'");
  ExpectInvalid("CVSS:4.0/E:A/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "comes after 'E'");
  ExpectInvalid("CVSS:4.0/AV:N//AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "empty metric at position 2");
  ExpectInvalid("CVSS:4.0/AVN/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "'AVN' at position 1 is not a metric of the form NAME:VALUE");
  ExpectInvalid(valid + "/E:A:P", "has value 'A:P'");
  ExpectInvalid(" " + valid, "contains whitespace at offset 0");
  ExpectInvalid(valid + "\n", "contains whitespace");
  ExpectInvalid("(" + valid + ")", "does not start with 'CVSS:4.0/'");
  ExpectInvalid(std::string("CVSS:4.0/AV:\x01\xff", 14), "has value '\\x01\\xff'");
}

TEST(CvssV4Test, ErrorsNameTheMetric) {
  StatusOr<CvssV4Score> score = ScoreCvssV4(std::string(kValid) + "/MSI:Q");
  ASSERT_FALSE(score.ok());
  EXPECT_EQ(score.status().detail("metric"), "MSI");
}

TEST(CvssV4Test, LongInputsGiveShortMessages) {
  const std::string huge = std::string(kValid) + "/" + std::string(100000, 'A') + ":B";
  StatusOr<CvssV4Score> score = ScoreCvssV4(huge);
  ASSERT_FALSE(score.ok());
  EXPECT_LT(score.status().message().size(), 300u) << score.status().message();
}

// Mutations of valid vectors (a seeded sample; the fuzz target explores further): each is scored
// or rejected as InvalidArgument, and never crashes.
TEST(CvssV4Test, MutatedVectorsAreScoredOrRejected) {
  const std::vector<std::string> seeds = {
      kValid,
      "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:H/SC:H/SI:L/SA:N/E:U/CR:L/IR:M/AR:H/"
      "MAV:P/MAC:H/MAT:P/MPR:L/MUI:P/MVC:N/MVI:L/MVA:H/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:M/"
      "U:Clear",
  };
  std::string alphabet = "CVS:4.0/ANLPHXMSUEYRIDTclear";
  alphabet += '\0';
  alphabet += '\xff';
  std::mt19937 random(20240611);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string vector = seeds[i % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !vector.empty(); ++e) {
      const size_t at = random() % vector.size();
      switch (random() % 4) {
        case 0:
          vector.erase(at, 1 + random() % 3);
          break;
        case 1:
          vector.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        case 2:
          vector[at] = alphabet[random() % alphabet.size()];
          break;
        default:
          vector.resize(at);
          break;
      }
    }
    StatusOr<CvssV4Score> score = ScoreCvssV4(vector);
    if (score.ok()) {
      ++accepted;
      EXPECT_GE(score->score, 0.0);
      EXPECT_LE(score->score, 10.0);
      EXPECT_EQ(score->macrovector.size(), 6u);
    } else {
      EXPECT_EQ(score.status().code(), StatusCode::kInvalidArgument) << vector;
      EXPECT_FALSE(score.status().message().empty());
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace bulwark::cvss
