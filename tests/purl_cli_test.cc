// `bulwark purl canonical` as a user runs it: purls from the arguments or from standard input,
// one output line per purl, errors in line order.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "testing/shell.h"

namespace bulwark::tests {
namespace {

using testing::RunShell;

const std::string kCanonical = std::string(BULWARK_BINARY) + " purl canonical";

TEST(PurlCliTest, CanonicalizesItsArguments) {
  std::string out;
  EXPECT_EQ(
      RunShell(kCanonical + " 'pkg:PyPI/Django_Rest@1.0' 'pkg://npm/@babel/core@7.0.0'", &out), 0);
  EXPECT_EQ(out, "pkg:pypi/django-rest@1.0\npkg:npm/%40babel/core@7.0.0\n");
}

TEST(PurlCliTest, ReadsStandardInputLineByLineAndReportsErrorsInPlace) {
  std::string out;
  const std::string input =
      "pkg:Maven/org.apache.commons/io@1.3.4\\n"
      "\\n"
      "pkg:maven/io@1.3.4\\n"
      "  pkg:gem/rails@7.1.0?Platform=java \\r\\n"
      "pkg:generic/x";  // no final newline
  EXPECT_EQ(RunShell("printf '" + input + "' | " + kCanonical + " 2>/dev/null", &out), 1);
  EXPECT_EQ(out,
            "pkg:maven/org.apache.commons/io@1.3.4\n"
            "error: purl: a maven purl needs a namespace (as in pkg:maven/NAMESPACE/NAME)\n"
            "pkg:gem/rails@7.1.0?platform=java\n"
            "pkg:generic/x\n");
}

TEST(PurlCliTest, EmptyInputIsNotAnError) {
  std::string out;
  EXPECT_EQ(RunShell(kCanonical + " </dev/null", &out), 0);
  EXPECT_EQ(out, "");
}

TEST(PurlCliTest, AnInvalidArgumentFailsTheRun) {
  std::string out;
  EXPECT_EQ(
      RunShell(kCanonical + " pkg:cargo/rand@0.7.2 EnterpriseLibrary.Common@6.0.1304 2>/dev/null",
               &out),
      1);
  EXPECT_EQ(
      out,
      "pkg:cargo/rand@0.7.2\n"
      "error: purl: the \"pkg:\" scheme is missing in \"EnterpriseLibrary.Common@6.0.1304\"\n");
}

TEST(PurlCliTest, AnOverlongLineIsReportedNotHeld) {
  std::string out;
  // 2 MiB without a newline: more than the command keeps of a line.
  EXPECT_EQ(
      RunShell("head -c 2097152 /dev/zero | tr '\\0' a | " + kCanonical + " 2>/dev/null", &out), 1);
  EXPECT_EQ(out, "error: purl: longer than 65536 bytes\n");
}

}  // namespace
}  // namespace bulwark::tests
