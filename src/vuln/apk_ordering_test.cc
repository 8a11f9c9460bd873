// The apk ordering (Alpine, Wolfi, Chainguard) against apk-tools 2.12-2.14's version.c: pairs
// from apk-tools' own test/version.data, real Alpine versions, each rule internal/
// apk_ordering.h describes, apk_version_validate, and the properties the matcher relies on (a
// total order, and CoarseKey never contradicting Compare).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "vuln/internal/order_cases_for_test.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

const VersionOrdering& Apk() { return OrderingFor(VersionScheme::kApk); }

int Sign(int v) { return (v > 0) - (v < 0); }

using Case = OrderCase;

Case ParseCase(const std::string& line) { return ParseOrderCaseForTest(line); }

void ExpectCases(const std::vector<Case>& cases) { ExpectOrderCasesForTest(Apk(), cases); }

void ExpectOrder(const std::vector<std::string>& lines) {
  ExpectCases(ParseOrderCasesForTest(lines));
}

// Pairs of apk-tools' test/version.data (the 2.x branch, whose version.c we follow), one of
// each shape of version.
const std::vector<std::string>& ApkToolsTestData() {
  static const auto* lines =
      new std::vector<std::string>{"2.34 > 0.1.0_alpha",
                                   "1.0 < 1.0bc",
                                   "0.1.0_alpha = 0.1.0_alpha",
                                   "0.1.0_alpha < 0.1.3_alpha",
                                   "0.1.0_alpha2 > 0.1.0_alpha",
                                   "0.1.0_alpha < 2.2.39-r1",
                                   "1.0.4-r3 < 1.0.4-r4",
                                   "1.0.4-r4 < 1.6",
                                   "1.0.2 > 0.7-r1",
                                   "0.7-r1 < 1.0.0",
                                   "1.1 > 1.1_alpha1",
                                   "1.1_alpha1 < 1.2.1",
                                   "1.2 < 1.3_alpha",
                                   "1.3_alpha < 1.3_alpha2",
                                   "1.3_alpha2 < 1.3_alpha3",
                                   "1.3_alpha8 > 0.6.0",
                                   "0.7.0 < 0.8_beta1",
                                   "0.8_beta1 < 0.8_beta2",
                                   "0.8_beta4 < 4.8-r1",
                                   "2.3.0b-r1 < 2.3.0b-r2",
                                   "2.3.0b-r4 > 0.12.1",
                                   "0.12 < 0.13_beta1",
                                   "0.13_beta5 > 0.9.12",
                                   "0.6 < 2.1.13-r3",
                                   "2.1.13-r3 < 2.1.15-r2",
                                   "1.2.14-r1 > 0.7.1",
                                   "1.2.1 > 0.7-r1",
                                   "2.4.32 < 2.8-r4",
                                   "2.8-r4 > 0.9.6",
                                   "0.9.6 > 0.2.0-r1",
                                   "0.2.0-r1 = 0.2.0-r1",
                                   "0.2.0-r1 < 3.1_p16",
                                   "3.1_p16 < 3.1_p17",
                                   "1.06-r6 < 006",
                                   "006 > 1.0.0",
                                   "1.0.0 < 1.2.2-r1",
                                   "0.3-r1 < 9.3.2-r4",
                                   "2.16.1-r3 > 2.1.0-r2",
                                   "0.9-r1 > 0.8-r1",
                                   "0.8-r1 < 1.0.6-r3",
                                   "1.0.6-r3 > 0.11",
                                   "1.2.1-r1 < 1.2.2.1",
                                   "1.0.3-r6 < 1.0.4",
                                   "20050718-r1 < 20050718-r2",
                                   "2.01.01_alpha10 > 0.94",
                                   "0.7 < 1.21-r1",
                                   "0.13 < 0.90.1-r1",
                                   "0.90.1-r1 > 0.10.2",
                                   "1.39 > 1.00_beta2",
                                   "1.00_beta2 > 0.9.2",
                                   "1.02 < 1.03-r1",
                                   "1.03-r1 < 1.12.12-r2",
                                   "2.8.0.6-r1 > 0.5.2.7",
                                   "0.5.2.7 < 4.2.52_p2-r1",
                                   "4.2.52_p2-r1 < 4.2.52_p4-r2",
                                   "1.02.07 < 1.02.10-r1",
                                   "1.05-r18 < 1.05-r19",
                                   "2.11 > 0.1.6-r3",
                                   "0.1.6-r3 < 0.47-r1",
                                   "0.47-r1 < 0.49",
                                   "4 > 0.7.3-r2",
                                   "4.3.0 < 4.3.2-r1",
                                   "1.0.0 = 1.0.0",
                                   "1.1 = 1.1",
                                   "2.1.10-r2 > 0.7.18-r2",
                                   "2.5.1-r8 < 2.5.1a-r1",
                                   "1.3.5-r9 > 1.0",
                                   "0.9.16 > 0.3-r2",
                                   "0.3-r2 < 6.3",
                                   "0.7.2-r3 < 1.2.10",
                                   "1.1.0-r2 > 0.3",
                                   "0.3 < 20020207-r2",
                                   "2.6.19.20061214 > 0.6.2-r1",
                                   "3.0.0-r2 < 021109-r3",
                                   "021109-r3 < 20060512",
                                   "0.9.16-r1 < 3.9_pre20060124",
                                   "3.9_pre20060124 > 0.01",
                                   "0.01 < 0.06",
                                   "0.06 < 1.1.7",
                                   "1.12-r7 < 1.12-r8",
                                   "3.97 > 0.10.0-r1",
                                   "0.10.0-r1 > 0.10.0",
                                   "0.10.0 < 0.10.1_rc1",
                                   "0.10.1_rc1 > 0.9.11",
                                   "1.0.1 = 1.0.1",
                                   "1.1a < 1.3a",
                                   "1.2.2-r1 > 1.0-r1",
                                   "1.0-r1 > 0.15.1b",
                                   "0.15.1b < 1.0.1",
                                   "1.0.1 < 1.06-r1",
                                   "1.06-r2 > 0.15.1b-r2",
                                   "0.15.1b-r2 > 0.15.1b",
                                   "0.15.1b < 2.5.7",
                                   "1.1.2.1-r1 > 0.0.31",
                                   "2.1_pre20 < 2.1_pre26",
                                   "2.10.1 > 02.08.01b",
                                   "02.08.01b < 4.77",
                                   "2.02.06 < 2.02.10",
                                   "2.02.10 < 2.8.5-r3",
                                   "0.9.2 < 8.1.2.20040524-r1",
                                   "8.1.2.20040524-r1 < 8.1.2.20050715-r1",
                                   "1.6d > 1.2.07.8",
                                   "1.2.07.8 < 1.2.12.04",
                                   "1.2.12.04 < 1.2.12.05",
                                   "1.2.12.05 < 1.3.3",
                                   "0.9.2 < 1.07-r1",
                                   "1.07-r1 < 1.07.5",
                                   "1.07.5 > 1.07",
                                   "1.07 < 1.19",
                                   "20061003 > 0.1_pre20060810",
                                   "0.1_pre20060810 < 0.1_pre20060817",
                                   "0.1_pre20060817 < 1.0.3",
                                   "3.3.17 > 0.59s-r11",
                                   "0.59s-r11 < 0.65",
                                   "0.2.10-r2 < 2.01",
                                   "0.2.0 < 5.5-r2",
                                   "0.26.1-r1 < 5.2.1.2-r1",
                                   "5.2.1.2-r1 < 5.4",
                                   "110-r8 > 0.17-r2",
                                   "0.17-r2 < 1.05-r4",
                                   "5.28.0 > 0.51.6-r1",
                                   "0.51.6-r1 < 1.0.6-r6",
                                   "1.0.6-r6 > 0.8.3",
                                   "0.20070118 < 0.20070207_rc1",
                                   "0.20070207_rc1 < 1.0",
                                   "0.10.1 < 4.3_p2-r1",
                                   "4.3_p2-r1 < 4.3_p2-r5",
                                   "4.5_p1-r1 > 4.5_p1",
                                   "4.5_p1 > 0.9.8c-r1",
                                   "0.9.8c-r1 < 0.9.8d",
                                   "0.9.8d < 2.4.4",
                                   "0.9.6 < 2.2.0-r1",
                                   "2.2.3-r2 < 013",
                                   "013 < 014-r1",
                                   "014-r1 > 1.3.1-r1",
                                   "0.11.3 = 0.11.3",
                                   "0.1.23 < 5b-r9",
                                   "3.2.7 > 0.3.1_rc8",
                                   "0.3.1_rc8 < 22.2",
                                   "0.98.6-r1 < 5.7-r2",
                                   "5.7-r3 > 5.1_p4",
                                   "1.7 < 1.7b",
                                   "1.7b < 1.8.4-r3",
                                   "1.8.5 < 1.8.5_p2",
                                   "0.98 < 1.00",
                                   "2.9.11_pre20051101-r2 < 2.9.11_pre20051101-r3",
                                   "2.9.11_pre20051101-r3 > 2.9.11_pre20051101",
                                   "2.6.1.2 < 2.6.1.3-r1",
                                   "1.3.2-r3 < 1.6.8_p12-r1",
                                   "1.6.8_p9-r2 > 1.3.0-r1",
                                   "0.40-r1 < 2.25b-r5",
                                   "2.25b-r5 < 2.25b-r6",
                                   "1.0.5 < 1.4_p12-r2",
                                   "1.4_p12-r5 > 1.1",
                                   "0.9.28-r1 < 0.9.28-r2",
                                   "0.9.28-r2 < 0.9.28.1",
                                   "0.9.28.1 < 087-r1",
                                   "1.2.5_rc2 > 0.1",
                                   "2.12r-r4 < 2.12r-r5",
                                   "2.12r-r5 > 0.0.7",
                                   "1.1.1-r3 > 0.3.4_pre20061029",
                                   "0.3.4_pre20061029 < 0.4.0",
                                   "1.3-r0 < 1.3.1-r0",
                                   "1.3_pre1-r1 < 1.3.2",
                                   "1.0_p10-r0 > 1.0_p9-r0",
                                   "0.1.0_alpha_pre2 < 0.1.0_alpha",
                                   "1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0",
                                   "6.0_pre1 < 6.0",
                                   "6.0_p1 > 6.0"};
  return *lines;
}

TEST(ApkOrderingTest, FollowsApkToolsTestData) { ExpectOrder(ApkToolsTestData()); }

TEST(ApkOrderingTest, OrdersRealAlpineVersions) {
  ExpectOrder({
      // openssh, busybox, openssl, musl, tzdata as Alpine packages them.
      "9.6_p1-r0 < 9.6_p1-r1",
      "9.6_p1-r0 > 9.6-r5",
      "9.6_p1-r0 < 9.7_p1-r0",
      "9.6_p1-r0 < 9.6_p2-r0",
      "1.36.1-r15 > 1.36.1-r5",
      "1.36.1-r15 < 1.36.1-r16",
      "1.36.1-r15 < 1.37.0-r0",
      "3.1.4-r5 < 3.1.4-r10",
      "3.1.4-r5 < 3.1.5-r0",
      "3.1.4-r5 > 3.1.4",
      "1.2.4_git20230717-r4 > 1.2.4-r4",
      "1.2.4_git20230717-r4 < 1.2.5-r0",
      "1.2.4_git20230717-r4 < 1.2.4_git20230718-r0",
      "1.2.4_git20230717-r4 < 1.2.4_p1-r0",
      "2024a-r0 < 2024b-r0",
      "2023c-r1 < 2024a-r0",
      "2024a-r0 > 2024-r0",
      "1.1.1w-r1 > 1.1.1t-r3",
      "1.1.1w-r1 > 1.1.1-r9",
      "1.1.1w-r1 < 1.1.2-r0",
      // Upstream spellings with digits after the letter, which apk-tools 2 accepts (libretls
      // 3.3.3p1, sudo 1.7.4p6, older openssh advisories).
      "8.5p1-r0 < 8.5p1-r1",
      "8.5p1-r0 < 8.5p2-r0",
      "8.5p1-r0 > 8.5_p1-r0",
      "8.5p1-r0 > 8.5-r0",
      "8.5p1-r0 < 8.6_p1-r0",
      "8.5p1 < 8.5p1-r0",
      "3.3.3p1-r3 > 3.3.3p1-r2",
      "1.7.4p6-r0 > 1.7.4p5-r1",
      "0.12.5a0-r0 > 0.12.5-r0",
      "0.12.5a0-r0 > 0.12.5a-r0",
  });
}

// A letter right after a number, then (apk-tools 2) a number again.
TEST(ApkOrderingTest, LetterAfterANumber) {
  ExpectOrder({
      "1.2.3a > 1.2.3",
      "1.2.3a < 1.2.3b",
      "1.2.3a < 1.2.3.1",
      "1.2.3a > 1.2.3_p1",
      "1.2.3a > 1.2.3-r1",
      "1.2.3a < 1.2.3a1",
      "1.2.3a1 < 1.2.3a2",
      "1.2.3a9 < 1.2.3a10",
      "1.2.3a01 = 1.2.3a1",
      "1.2.3a1 < 1.2.3b",
      "2.4.57b > 2.4.57",
      "2.4.57b < 2.4.58",
      "2.4.57b < 2.4.57b-r1",
      "2.4.57b > 2.4.57a",
      "1.0a1.2 < 1.0a1.3",
      "1a1b1 < 1a1b2",
  });
}

// A dotted number's leading zeros but the last count as minus their count.
TEST(ApkOrderingTest, LeadingZerosOfADottedNumber) {
  ExpectOrder({
      "1.01 < 1.1",
      "1.001 < 1.01",
      "1.05 < 1.5",
      "1.10 > 1.09",
      "1.0 > 1.00",
      "1.0 < 1.0.0",
      "8.2.0 > 8.2.001",
      "8.2.001 < 8.2.1",
      // The first number is a plain number.
      "01.1 = 1.1",
      "006 > 1.0.0",
      // So is one after a letter.
      "1.2.3a01 = 1.2.3a1",
  });
}

TEST(ApkOrderingTest, SuffixesAndRevisions) {
  ExpectOrder({
      "1.2_alpha < 1.2_beta",
      "1.2_beta < 1.2_pre",
      "1.2_pre < 1.2_rc",
      "1.2_rc < 1.2",
      "1.2 < 1.2_cvs",
      "1.2_cvs < 1.2_svn",
      "1.2_svn < 1.2_git",
      "1.2_git < 1.2_hg",
      "1.2_hg < 1.2_p",
      "1.2_alpha_pre < 1.2_alpha",
      "1.2_alpha < 1.2_alpha1",
      "1.2_p < 1.2_p1",
      "1.2_p1_rc1 < 1.2_p1",
      "1.2_pre1 < 1.2_p1",
      "1.2-r9 < 1.2-r10",
      "1.2_p1-r0 > 1.2-r5",
      // "_" alone reads like "_cvs", "-r" alone like "-r0"; revisions may repeat.
      "1.0_ = 1.0_cvs",
      "1.0_ > 1.0",
      "1.0-r = 1.0-r0",
      "1-r1-r2 < 1-r1-r3",
      "1-r1-r2 > 1-r1",
  });
}

// Where one version's tokens run out or change kind first.
TEST(ApkOrderingTest, WhereOneVersionGoesOn) {
  ExpectOrder({
      "1.2 < 1.2.0",
      "1.2 < 1.2.0a",
      "1.2_rc1 < 1.2",
      "1.0_rc1 < 1.0",
      "6.0_pre1 < 6.0",
      "1.2 < 1.2-r0",
      "1.2-r0 < 1.2_p1",
      "1.2_p1 < 1.2a",
      "1.2a < 1.2.0",
      "1.0. > 1.0",
      "1.0. < 1.0.0",
  });
}

// An unexpected character ends a version as invalid, which ranks above any token at that
// place, except that an unknown suffix ranks with "_rc" there.
TEST(ApkOrderingTest, InvalidTails) {
  ExpectOrder({
      "1.2X > 1.2",
      "1.2X > 1.2_p1",
      "1.2X > 1.2.9",
      "1.2X = 1.2Y",
      "1.2-3 > 1.2",
      "1.0~abc > 1.0",
      "1.0~abc = 1.0~abd",
      "1.2_blah < 1.2",
      "1.2_blah > 1.2_rc",
      "1.2_blah > 1.2_alpha",
      "1.2_blah = 1.2_foo",
      "1.2_pr > 1.2_p",
      "1.2_prerelease > 1.2_pre",
      // Without a leading digit, the first number is 0.
      "x > 0",
      "x < y",
      "a = 0a",
      ".1 = 0.1",
  });
  ExpectCases({{"", '=', "0"}, {"", '<', "a"}, {"1.2 ", '>', "1.2"}});
}

// apk-tools ends a version at a run of 18 or more digits; we compare such numbers by value,
// and only IsValid keeps the limit.
TEST(ApkOrderingTest, NumbersOfAnyLengthCompareByValue) {
  ExpectOrder({
      "1.99999999999999999999999 > 1.99999999999999999999998",
      "99999999999999999999999 > 1",
      "1_p99999999999999999999 > 1_p9999999999999999999",
      "1-r100000000000000000000 > 1-r99999999999999999999",
      "1.00000000000000000000001 < 1.0000000000000000000001",
  });
  EXPECT_TRUE(Apk().IsValid("1.99999999999999999"));
  EXPECT_FALSE(Apk().IsValid("1.999999999999999999"));
  EXPECT_FALSE(Apk().IsValid("999999999999999999"));
  EXPECT_FALSE(Apk().IsValid("1-r999999999999999999"));
  // Zeros before the last one are counted, not read as a number.
  EXPECT_TRUE(Apk().IsValid("1.00000000000000000000001"));
}

TEST(ApkOrderingTest, ValidityFollowsApkVersionValidate) {
  for (const char* v :
       {"1", "1.2.3", "1.2.3a", "1.2_alpha1_p2", "1.2-r3", "1.2a_rc1-r0", "1.2_", "8.5p1-r0", "1a2",
        "1a1b1", "1.0a1.2", "1-r1-r2", "1.-r", "1.2.3.4.5_alpha1_p2_git-r3",
        // apk_version_validate reads these as starting with the number 0.
        "", "a", ".1"}) {
    EXPECT_TRUE(Apk().IsValid(v)) << v;
  }
  for (const char* v : {"1.2A", "1.2_foo", "1-3", "1.0~abc", "1.2-r1_p", "1.2_p1.3", "1a.2", "1ab",
                        "1.2 ", "1.2\xce\xb1"}) {
    EXPECT_FALSE(Apk().IsValid(v)) << v;
  }
  EXPECT_FALSE(Apk().IsValid(std::string("1.2\0", 4)));
}

// Every string of the cases above and some mutations of them: Compare is a total order and
// CoarseKey never contradicts it.
TEST(ApkOrderingTest, TotalOrderAndCoarseKey) {
  std::vector<std::string> corpus = {"",
                                     "0",
                                     "00",
                                     "1",
                                     "1.",
                                     "1..2",
                                     "1.0.",
                                     "_",
                                     "-",
                                     "-r",
                                     "1_",
                                     "1-r",
                                     "1-",
                                     "1.-r",
                                     "1.0~",
                                     "1.a",
                                     "1a.",
                                     "1.2.0000000009",
                                     "1.2.00000000000000000000009",
                                     "1.000000001a"};
  for (const std::string& line : ApkToolsTestData()) {
    Case c = ParseCase(line);
    corpus.push_back(c.a);
    corpus.push_back(c.b);
  }
  for (const char* v : {"8.5p1-r0", "1.2.3a01", "2024a-r0", "1.2_blah", "1.2X", "x", "1-r1-r2",
                        "1.2_pr", "1.2_p1_rc1", "1.0_", "9.6_p1-r0", "1.2.4_git20230717-r4"}) {
    corpus.push_back(v);
  }
  size_t n = corpus.size();
  for (size_t i = 0; i < n; ++i) {
    for (const char* tail : {"a", "1", ".0", "_rc", "_p2", "-r1", "X"})
      corpus.push_back(corpus[i] + tail);
  }
  std::sort(corpus.begin(), corpus.end());
  corpus.erase(std::unique(corpus.begin(), corpus.end()), corpus.end());
  std::vector<uint64_t> keys;
  for (const std::string& v : corpus) keys.push_back(Apk().CoarseKey(v));
  for (size_t i = 0; i < corpus.size(); ++i) {
    ASSERT_EQ(Apk().Compare(corpus[i], corpus[i]), 0) << corpus[i];
    for (size_t j = i + 1; j < corpus.size(); ++j) {
      int ab = Sign(Apk().Compare(corpus[i], corpus[j]));
      ASSERT_EQ(ab, -Sign(Apk().Compare(corpus[j], corpus[i]))) << corpus[i] << " " << corpus[j];
      if (ab < 0) {
        ASSERT_LE(keys[i], keys[j]) << corpus[i] << " < " << corpus[j];
      }
      if (ab > 0) {
        ASSERT_GE(keys[i], keys[j]) << corpus[i] << " > " << corpus[j];
      }
      if (ab == 0) {
        ASSERT_EQ(keys[i], keys[j]) << corpus[i] << " = " << corpus[j];
      }
    }
  }
  std::mt19937 random(20260611);
  std::uniform_int_distribution<size_t> pick(0, corpus.size() - 1);
  for (int round = 0; round < 100000; ++round) {
    const std::string& a = corpus[pick(random)];
    const std::string& b = corpus[pick(random)];
    const std::string& c = corpus[pick(random)];
    int ab = Sign(Apk().Compare(a, b)), bc = Sign(Apk().Compare(b, c));
    if (ab <= 0 && bc <= 0) {
      ASSERT_EQ(Sign(Apk().Compare(a, c)), std::min(ab, bc)) << a << " " << b << " " << c;
    }
  }
}

}  // namespace
}  // namespace bulwark::vuln
