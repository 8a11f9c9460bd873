#include "vuln/severity.h"

#include <gtest/gtest.h>

#include <string>

namespace bulwark::vuln {
namespace {

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
  // The v3 vector over a v4.0 one, and a v4.0 one over a v2 one.
  Advisory both;
  both.severity.push_back({"CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"});
  both.severity.push_back(
      {"CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"});
  s = AssessSeverity(both, nullptr);
  EXPECT_EQ(s.source, "CVSS_V4");
  EXPECT_EQ(s.score, 9.3);
  EXPECT_EQ(s.level, SeverityLevel::kCritical);
  both.severity.push_back({"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"});
  s = AssessSeverity(both, nullptr);
  EXPECT_EQ(s.source, "CVSS_V3");
  EXPECT_EQ(s.score, 6.1);
  // A malformed vector is passed over for the next source.
  Advisory malformed;
  malformed.severity.push_back({"CVSS_V3", "CVSS:3.1/AV:Q"});
  malformed.severity.push_back({"CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C"});
  s = AssessSeverity(malformed, nullptr);
  EXPECT_EQ(s.source, "CVSS_V2");
  EXPECT_EQ(s.level, SeverityLevel::kHigh);
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
