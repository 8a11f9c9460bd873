#include "vuln/severity.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace bulwark::vuln {
namespace {

// ../shared/conformance/cvss/vectors_simple3*.txt: "VECTOR - (base, temporal, environmental)".
void CheckVectorFile(const std::string& name) {
  std::string path = std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/cvss/" + name;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent; skipping";
  std::ifstream in(path);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    size_t dash = line.find(" - (");
    if (dash == std::string::npos) continue;
    std::string vector = line.substr(0, dash);
    double expected = std::stod(line.substr(dash + 4));
    std::optional<double> score = CvssV3BaseScore(vector);
    ASSERT_TRUE(score.has_value()) << vector;
    EXPECT_DOUBLE_EQ(*score, expected) << vector;
    ++checked;
  }
  EXPECT_GT(checked, 2000);
}

TEST(CvssV3, Version30Vectors) { CheckVectorFile("vectors_simple3.txt"); }
TEST(CvssV3, Version31Vectors) { CheckVectorFile("vectors_simple31.txt"); }

TEST(CvssV3, WellKnownScores) {
  EXPECT_EQ(CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_EQ(CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
  EXPECT_EQ(CvssV3BaseScore("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  // Temporal metrics do not change the base score.
  EXPECT_EQ(CvssV3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O"), 9.8);
}

TEST(CvssV3, MalformedVectors) {
  for (const char* bad :
       {"", "CVSS:3.1/", "CVSS:2.0/AV:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:X",
        "CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}) {
    EXPECT_FALSE(CvssV3BaseScore(bad).has_value()) << bad;
  }
}

TEST(CvssV2, BaseScores) {
  EXPECT_EQ(CvssV2BaseScore("AV:N/AC:L/Au:N/C:C/I:C/A:C"), 10.0);
  EXPECT_EQ(CvssV2BaseScore("AV:N/AC:L/Au:N/C:P/I:P/A:P"), 7.5);
  EXPECT_EQ(CvssV2BaseScore("(AV:N/AC:M/Au:N/C:N/I:P/A:N)"), 4.3);
  EXPECT_FALSE(CvssV2BaseScore("AV:N/AC:L").has_value());
}

TEST(Severity, LevelsFromScoresAndRatings) {
  Advisory advisory;
  EXPECT_EQ(AssessSeverity(advisory, nullptr).level, SeverityLevel::kUnknown);
  advisory.rating = "MODERATE";
  EXPECT_EQ(AssessSeverity(advisory, nullptr).level, SeverityLevel::kMedium);
  advisory.severity.push_back({"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"});
  AssessedSeverity s = AssessSeverity(advisory, nullptr);
  EXPECT_EQ(s.level, SeverityLevel::kCritical);
  EXPECT_EQ(s.score, 9.8);
  AffectedPackage package;
  package.severity.push_back({"CVSS_V3", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"});
  EXPECT_EQ(AssessSeverity(advisory, &package).level, SeverityLevel::kLow);
  AffectedPackage ubuntu;
  ubuntu.severity.push_back({"Ubuntu", "high"});
  EXPECT_EQ(AssessSeverity(Advisory{}, &ubuntu).level, SeverityLevel::kHigh);
}

TEST(Severity, Names) {
  EXPECT_EQ(ParseSeverityLevel("HIGH"), SeverityLevel::kHigh);
  EXPECT_EQ(SeverityLevelName(SeverityLevel::kCritical), "critical");
  EXPECT_FALSE(ParseSeverityLevel("severe").has_value());
}

}  // namespace
}  // namespace bulwark::vuln
