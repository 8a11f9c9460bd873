// `bulwark cvss score` as a user runs it: vectors from the arguments or from standard input, one
// line each, "SCORE SEVERITY" or the error in its place.
#include <gtest/gtest.h>

#include <string>

#include "testing/shell.h"

namespace bulwark::tests {
namespace {

using testing::RunShell;

const std::string kScore = std::string(BULWARK_BINARY) + " cvss score";

TEST(CvssCliTest, ScoresEveryVersion) {
  std::string out;
  EXPECT_EQ(RunShell(kScore + " 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'"
                              " 'CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N'"
                              " 'AV:N/AC:L/Au:N/C:P/I:P/A:P'"
                              " 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'"
                              " 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N'",
                     &out),
            0);
  EXPECT_EQ(out, "9.8 Critical\n6.1 Medium\n7.5 High\n9.3 Critical\n0.0 None\n");
}

TEST(CvssCliTest, ReadsStandardInputAndReportsErrorsInPlace) {
  std::string out;
  const std::string input =
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U\\n"
      "\\n"
      "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\\n"
      "  CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U \\r\\n"
      "AV:N/AC:L/Au:N/C:C/I:C/A:C";  // no final newline
  EXPECT_EQ(RunShell("printf '" + input + "' | " + kScore + " --stdin 2>/dev/null", &out), 1);
  EXPECT_EQ(out,
            "7.8 High\n"
            "error: metric 'AV' has value 'Q'; in CVSS v3.1 it takes N, A, L or P\n"
            "8.1 High\n"
            "10.0 High\n");
}

TEST(CvssCliTest, JsonGivesEveryScore) {
  std::string out;
  EXPECT_EQ(RunShell(kScore + " --json 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H'", &out), 0);
  EXPECT_EQ(out,
            "{\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H\",\"version\":\"3.1\","
            "\"score\":\"9.6\",\"severity\":\"Critical\",\"base\":\"9.6\",\"temporal\":\"9.6\","
            "\"environmental\":\"9.7\"}\n");
}

TEST(CvssCliTest, NothingToScoreIsAUsageError) {
  std::string out;
  EXPECT_NE(RunShell(kScore + " 2>&1", &out), 0);
  EXPECT_NE(out.find("--stdin"), std::string::npos) << out;
}

}  // namespace
}  // namespace bulwark::tests
