// The NuGet ordering against NuGet.Versioning's rules: the normalization learn.microsoft.com's
// "Package versioning" documents, NuGetVersion.TryParse's grammar (System.Version for the
// numbers, SemVer's labels and metadata), VersionComparer.Default's label order, and the
// properties the matcher relies on.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "vuln/internal/order_cases_for_test.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

const VersionOrdering& NuGet() { return OrderingFor(VersionScheme::kNuGet); }

int Sign(int v) { return (v > 0) - (v < 0); }

using Case = OrderCase;

void ExpectCases(const std::vector<Case>& cases) { ExpectOrderCasesForTest(NuGet(), cases); }

void ExpectOrder(const std::vector<std::string>& lines) {
  ExpectCases(ParseOrderCasesForTest(lines));
}

TEST(NuGetOrderingTest, NormalizesAsDocumented) {
  ExpectOrder({
      // Leading zeros are removed.
      "1.00 = 1.0",
      "1.01.1 = 1.1.1",
      "1.00.0.1 = 1.0.0.1",
      // A fourth part that is zero is dropped.
      "1.0.0.0 = 1.0.0",
      "1.0.01.0 = 1.0.1",
      // Build metadata is removed.
      "1.0.7+r3456 = 1.0.7",
      "1.0.0-beta+x = 1.0.0-beta+y",
      // Missing parts are zero.
      "1 = 1.0.0",
      "1.0 = 1.0.0.0",
      "2 > 1.9.9.9",
  });
}

TEST(NuGetOrderingTest, FourthPart) {
  ExpectOrder({
      "1.0.0.1 > 1.0.0",
      "1.0.0.1 < 1.0.1",
      "1.0.0.1-alpha < 1.0.0.1",
      "1.0.0.1-alpha > 1.0.0",
      "1.0.0.10 > 1.0.0.9",
  });
}

TEST(NuGetOrderingTest, ReleaseLabels) {
  ExpectOrder({
      "1.0.0-alpha < 1.0.0",
      "1.0.0-alpha < 1.0.0-beta",
      "1.0.0-alpha < 1.0.0-alpha.1",
      "1.0.0-alpha.1 < 1.0.0-alpha.beta",
      "1.0.0-beta.2 < 1.0.0-beta.11",
      "1.0.0-rc.1 < 1.0.0",
      // Case-insensitive.
      "1.0.0-BETA = 1.0.0-beta",
      "1.0.0-Alpha < 1.0.0-beta",
      "1.0.0-beta.X = 1.0.0-BETA.x",
      // Legacy SemVer 1.0 labels compare as text, so beta10 sorts before beta9.
      "1.0.0-beta1 < 1.0.0-beta2",
      "1.0.0-beta10 < 1.0.0-beta9",
      // Numbers below text; '-' is a letter of a label.
      "1.0.0-1 < 1.0.0-a",
      "1.0.0-2 < 1.0.0-10",
      "1.0.0-a-b > 1.0.0-a",
      "1.0.0-a-b < 1.0.0-ab",
  });
}

// VersionComparer takes a label for a number when int.TryParse reads it: a '-' in front
// makes it negative, and digits beyond 32 bits make it text.
TEST(NuGetOrderingTest, NumericLabelsAreWhatIntTryParseReads) {
  ExpectOrder({
      "1.0.0--1 < 1.0.0-0",
      "1.0.0--0 = 1.0.0-0",
      "1.0.0--007 = 1.0.0--7",
      "1.0.0--2147483648 < 1.0.0--2147483647",
      "1.0.0-2147483647 > 1.0.0-2147483646",
      "1.0.0-2147483647 < 1.0.0-2147483648",
      "1.0.0-99999999999 > 1.0.0-100000000000",
      "1.0.0-2147483648 < 1.0.0-a",
      "1.0.0--2147483649 > 1.0.0-0",
      "1.0.0--2147483649 < 1.0.0--a",
      "1.0.0--a > 1.0.0--5",
  });
}

// The string is trimmed as .NET's String.Trim does, and System.Version takes each number with
// ASCII whitespace around it.
TEST(NuGetOrderingTest, Whitespace) {
  ExpectCases({
      {" 1.0.0 ", '=', "1.0.0"},
      {"\t1.0\r\n", '=', "1.0.0"},
      {"\xc2\xa0"
       "1.0\xe3\x80\x80",
       '=', "1.0.0"},
      {"1 .2", '=', "1.2.0"},
      {"1. 2.3", '=', "1.2.3"},
      {"1.0.0 -beta", '=', "1.0.0-beta"},
      {"1.0.0 +meta", '=', "1.0.0"},
  });
  for (const char* v : {"1.0 0", "1.0.0- beta",
                        "1.0.\xc2\xa0"
                        "0",
                        "1.0.0+ m"}) {
    EXPECT_FALSE(NuGet().IsValid(v)) << v;
  }
  EXPECT_TRUE(NuGet().IsValid("1.0.0-beta \xc2\x85"));
}

TEST(NuGetOrderingTest, Validity) {
  for (const char* v : {"1", "1.0", "1.0.0", "1.0.0.0", "01.0", "1.0.0-beta1", "1.0.0-beta.1",
                        "1.0.0-0", "1.0.0--1", "1.0.0-a-b", "1.0.0+01", "1.0.0+a.b-c",
                        "1.0.0.1-rc.1+build.5", "99999999999999999999.0"}) {
    EXPECT_TRUE(NuGet().IsValid(v)) << v;
  }
  for (const char* v :
       {"",           " ",        "1.",          ".1",        "1..0",      "1.0.0.0.0",
        "v1.0",       "-1",       "+1",          "1.0.0-",    "1.0.0+",    "1.0.0-01",
        "1.0.0-a..b", "1.0.0-a.", "1.0.0-beta+", "1.0.0-a_b", "1.0.0+a+b", "1.0.0+a..b",
        "1.0.0-+m",   "1.a",      "1.0a"}) {
    EXPECT_FALSE(NuGet().IsValid(v)) << v;
  }
}

// Versions beyond 32 bits, which NuGet rejects, compare by value as in the rest of the SemVer
// family.
TEST(NuGetOrderingTest, NumbersOfAnyLength) {
  ExpectOrder({
      "99999999999999999999.0 > 2",
      "1.0.0.99999999999999999999 > 1.0.0.99999999999999999998",
  });
}

TEST(NuGetOrderingTest, TotalOrderAndCoarseKey) {
  std::vector<std::string> corpus = {"",
                                     "1",
                                     "1.0",
                                     "1.0.0",
                                     "1.0.0.0",
                                     "1.0.0.1",
                                     "1.0.1",
                                     "2",
                                     "01.0",
                                     "1.0.0-0",
                                     "1.0.0--1",
                                     "1.0.0--0",
                                     "1.0.0-1",
                                     "1.0.0-a",
                                     "1.0.0-A",
                                     "1.0.0-a.1",
                                     "1.0.0-a.-1",
                                     "1.0.0-beta9",
                                     "1.0.0-beta10",
                                     "1.0.0-2147483648",
                                     "1.0.0-99999999999",
                                     "1.0.0-100000000000",
                                     "1.0.0--2147483649",
                                     "1.0.0--a",
                                     "1.0.0.1-alpha",
                                     "1.0.0+meta",
                                     " 1.0.0 ",
                                     "1 .0",
                                     "garbage",
                                     "v1.0",
                                     "1.0.0-",
                                     "1.0.0-65535",
                                     "1.0.0-65534",
                                     "1.0.0-70000",
                                     "99999999999999999999.0"};
  for (size_t i = 0; i < corpus.size(); ++i) {
    const std::string& a = corpus[i];
    ASSERT_EQ(NuGet().Compare(a, a), 0) << a;
    for (size_t j = 0; j < corpus.size(); ++j) {
      const std::string& b = corpus[j];
      int ab = Sign(NuGet().Compare(a, b));
      ASSERT_EQ(ab, -Sign(NuGet().Compare(b, a))) << a << " " << b;
      uint64_t ka = NuGet().CoarseKey(a), kb = NuGet().CoarseKey(b);
      if (ab < 0) {
        ASSERT_LE(ka, kb) << a << " < " << b;
      }
      if (ab == 0) {
        ASSERT_EQ(ka, kb) << a << " = " << b;
      }
      for (const std::string& c : corpus) {
        int bc = Sign(NuGet().Compare(b, c));
        if (ab <= 0 && bc <= 0) {
          ASSERT_EQ(Sign(NuGet().Compare(a, c)), std::min(ab, bc)) << a << " " << b << " " << c;
        }
      }
    }
  }
}

}  // namespace
}  // namespace bulwark::vuln
