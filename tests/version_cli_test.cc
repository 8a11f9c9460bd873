// `bulwark version` and `bulwark version compare` as a user runs them: one pair from the
// arguments, many from standard input (with a malformed line among them), and the errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {
namespace {

// Runs `bulwark ARGS` through the shell; returns the exit status and stores standard output
// (and, with `with_stderr`, standard error).
int RunBulwark(const std::string& args, std::string* output, bool with_stderr = false) {
  std::string command =
      std::string(BULWARK_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  return testing::RunShell(command, output);
}

TEST(VersionCliTest, VersionAlonePrintsTheProgramVersion) {
  std::string out;
  ASSERT_EQ(RunBulwark("version", &out), 0);
  EXPECT_EQ(out.rfind("bulwark ", 0), 0u) << out;
}

TEST(VersionCliTest, ComparesTwoVersionsFromTheArguments) {
  std::string out;
  ASSERT_EQ(RunBulwark("version compare dpkg 1.2.3-1~deb7u1 1.2.3-1", &out), 0);
  EXPECT_EQ(out, "<\n");
  ASSERT_EQ(RunBulwark("version compare Debian:12 1:0.1 2.0", &out), 0);
  EXPECT_EQ(out, ">\n");
  ASSERT_EQ(RunBulwark("version compare RPM 0:1.0-1 1.0-1", &out),
            0);  // names are case-insensitive
  EXPECT_EQ(out, "=\n");
  ASSERT_EQ(RunBulwark("version compare Alpine:v3.18 1.2_rc1 1.2", &out), 0);
  EXPECT_EQ(out, "<\n");
  ASSERT_EQ(RunBulwark("version compare cran 0.1-2 0.1.2", &out), 0);
  EXPECT_EQ(out, "=\n");
  ASSERT_EQ(RunBulwark("version compare hackage -- 1.0 1.0.0", &out), 0);
  EXPECT_EQ(out, "<\n");
}

TEST(VersionCliTest, ComparesPairsFromStandardInput) {
  testing::TempDir dir;
  std::string input = dir.path() + "/pairs.txt";
  // The last line has no newline; the fourth is malformed; the fifth has tabs and a CR.
  std::ofstream(input) << "1.0 1.1\n2.0   1.0\n1:1 1:1\n1.0\n\t1.0~rc1\t1.0\r\n\n3 2";
  std::string out;
  EXPECT_EQ(RunBulwark("version compare dpkg --stdin < " + input, &out), 1);
  EXPECT_EQ(out,
            "<\n>\n=\nerror: expected two versions separated by whitespace, found 1\n<\n"
            "error: expected two versions separated by whitespace, found 0\n>\n");

  std::ofstream(input) << "1.0 1.1\n1.1 1.0\n";
  EXPECT_EQ(RunBulwark("version compare rpm --stdin < " + input, &out), 0);
  EXPECT_EQ(out, "<\n>\n");
}

TEST(VersionCliTest, AnswersAnOverlongLineWithAnError) {
  testing::TempDir dir;
  std::string input = dir.path() + "/pairs.txt";
  std::ofstream(input) << "1 2\n" << std::string(200000, '1') << " 1\n2 1\n";
  std::string out;
  EXPECT_EQ(RunBulwark("version compare apk --stdin < " + input, &out), 1);
  EXPECT_EQ(out, "<\nerror: line longer than 65536 bytes\n>\n");
}

TEST(VersionCliTest, AnswersAHundredThousandLines) {
  testing::TempDir dir;
  std::string input = dir.path() + "/pairs.txt";
  {
    std::ofstream file(input);
    for (int i = 0; i < 100000; ++i) {
      file << "1:" << i << ".2.3-" << i % 7 << "~deb12u1 1:" << (i * 7919) % 100000 << ".2.3-1\n";
    }
  }
  std::string out;
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(RunBulwark("version compare dpkg --stdin < " + input, &out), 0);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(out.size(), 200000u);
  // Recorded, not asserted: how fast is the benchmarks' business (a release build takes well
  // under 0.1 s), and a loaded machine must not fail the test.
  ::testing::Test::RecordProperty("seconds_for_100000_lines", std::to_string(seconds));
}

TEST(VersionCliTest, RejectsUnknownSchemesAndWrongArguments) {
  std::string out;
  EXPECT_EQ(RunBulwark("version compare nosuchscheme 1 2", &out, /*with_stderr=*/true), 2);
  EXPECT_NE(out.find("unknown version scheme or ecosystem \"nosuchscheme\""), std::string::npos)
      << out;
  EXPECT_NE(out.find("accepted: "), std::string::npos) << out;
  EXPECT_NE(out.find("dpkg"), std::string::npos) << out;
  EXPECT_NE(out.find("Debian"), std::string::npos) << out;

  EXPECT_EQ(RunBulwark("version compare dpkg 1.0", &out, true), 2);
  EXPECT_EQ(RunBulwark("version compare dpkg 1.0 2.0 3.0", &out, true), 2);
  EXPECT_EQ(RunBulwark("version compare dpkg 1.0 2.0 --stdin < /dev/null", &out, true), 2);
  EXPECT_NE(RunBulwark("version compare", &out, true), 0);
  EXPECT_EQ(RunBulwark("version compare dpkg --stdin < /dev/null", &out), 0);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace bulwark::tests
