// The distributions' orderings (dpkg, rpm, apk) and the dotted-number registries (CRAN,
// Hackage): the shared conformance fixtures, each scheme's own rules, and the properties every
// ordering owes the matcher (a total order; CoarseKey never contradicts Compare).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "testing/version_fixtures.h"
#include "vuln/internal/orderings.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

constexpr VersionScheme kSchemes[] = {VersionScheme::kDpkg, VersionScheme::kRpm,
                                      VersionScheme::kApk, VersionScheme::kCran,
                                      VersionScheme::kHackage};

const VersionOrdering& Ordering(VersionScheme scheme) {
  static const auto* orderings = [] {
    auto* m = new std::map<VersionScheme, std::unique_ptr<VersionOrdering>>;
    for (VersionScheme s : kSchemes) (*m)[s] = internal::NewDistributionOrdering(s);
    return m;
  }();
  return *orderings->at(scheme);
}

int Sign(int v) { return (v > 0) - (v < 0); }

char OpOf(int c) { return c < 0 ? '<' : c > 0 ? '>' : '='; }

using FixtureLine = testing::VersionFixtureLine;
using testing::ReadVersionFixture;
using testing::VersionFixturePath;

// Fixture lines on which the fixture disagrees with the ecosystem's implementation, with the
// implementation's answer. All are apk strings; we follow apk-tools 2.12-2.14 (see
// apk_ordering.h and apk_ordering_test.cc):
//  - after "-r" come only digits, so "1-r-0" is revision 0 and then an invalid tail, which
//    ranks above anything at that place;
//  - ".r" is an empty dotted number then a letter, and a dotted number ranks above a letter;
//  - an upper-case letter ends the version as invalid, which ranks above a lower-case letter;
//  - "-ruff" is an empty revision (0) then an invalid tail, "--" invalid at once.
const std::map<std::string, char>& KnownFixtureDisagreements() {
  static const auto* known = new std::map<std::string, char>{
      {"alpine-versions.txt: 1-r-0 < 1-r0", '>'},
      {"alpine-versions.txt: 1-r-1 < 1-r0", '>'},
      {"alpine-versions.txt: 0.r1 < 0r2", '>'},
      {"alpine-versions.txt: 0.8.21.r2 < 0.8.21r2", '>'},
      {"alpine-versions.txt: 1.2.0A < 1.2.0d", '>'},
      {"alpine-versions.txt: 1.2.0D < 1.2.0d", '>'},
      {"alpine-versions.txt: 1 > 1-ruff", '<'},
      {"alpine-versions.txt: 1-ruff2 = 1--ruff1", '<'},
  };
  return *known;
}

void CheckFixture(VersionScheme scheme, const std::string& file) {
  std::string path = VersionFixturePath(file);
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "../shared/conformance/versions/" << file << " is absent; skipping";
  }
  const VersionOrdering& ordering = Ordering(scheme);
  std::vector<FixtureLine> lines = ReadVersionFixture(path);
  EXPECT_FALSE(lines.empty());
  int checked = 0;
  for (const FixtureLine& line : lines) {
    char expected = line.op;
    if (auto it = KnownFixtureDisagreements().find(file + ": " + line.text);
        it != KnownFixtureDisagreements().end()) {
      expected = it->second;
    }
    EXPECT_EQ(OpOf(ordering.Compare(line.a, line.b)), expected)
        << file << ":" << line.number << ": " << line.text;
    char reversed = expected == '<' ? '>' : expected == '>' ? '<' : '=';
    EXPECT_EQ(OpOf(ordering.Compare(line.b, line.a)), reversed)
        << file << ":" << line.number << " reversed: " << line.text;
    ++checked;
  }
  ::testing::Test::RecordProperty("lines", checked);
}

TEST(DistributionOrderingsTest, DebianFixture) {
  CheckFixture(VersionScheme::kDpkg, "debian-versions.txt");
}
TEST(DistributionOrderingsTest, RedHatFixture) {
  CheckFixture(VersionScheme::kRpm, "redhat-versions.txt");
}
TEST(DistributionOrderingsTest, AlpineFixture) {
  CheckFixture(VersionScheme::kApk, "alpine-versions.txt");
}
TEST(DistributionOrderingsTest, CranFixture) {
  CheckFixture(VersionScheme::kCran, "cran-versions.txt");
}
TEST(DistributionOrderingsTest, HackageFixture) {
  CheckFixture(VersionScheme::kHackage, "hackage-versions.txt");
}

TEST(DistributionOrderingsTest, FactoryCoversExactlyItsSchemes) {
  std::set<VersionScheme> mine(std::begin(kSchemes), std::end(kSchemes));
  for (VersionScheme scheme : AllVersionSchemes()) {
    std::unique_ptr<VersionOrdering> ordering = internal::NewDistributionOrdering(scheme);
    if (!mine.count(scheme)) {
      EXPECT_EQ(ordering, nullptr);
      continue;
    }
    ASSERT_NE(ordering, nullptr);
    EXPECT_EQ(ordering->scheme(), scheme);
  }
  EXPECT_EQ(Ordering(VersionScheme::kDpkg).name(), "dpkg");
  EXPECT_EQ(Ordering(VersionScheme::kRpm).name(), "rpm");
  EXPECT_EQ(Ordering(VersionScheme::kApk).name(), "apk");
  EXPECT_EQ(Ordering(VersionScheme::kCran).name(), "cran");
  EXPECT_EQ(Ordering(VersionScheme::kHackage).name(), "hackage");
}

// Checks "a op b" lines given in code.
void ExpectOrder(VersionScheme scheme, std::initializer_list<const char*> lines) {
  const VersionOrdering& ordering = Ordering(scheme);
  for (std::string line : lines) {
    size_t first = line.find(' ');
    std::string a = line.substr(0, first), b = line.substr(first + 3);
    EXPECT_EQ(OpOf(ordering.Compare(a, b)), line[first + 1]) << ordering.name() << ": " << line;
  }
}

TEST(DpkgOrderingTest, FollowsDebianPolicy) {
  ExpectOrder(VersionScheme::kDpkg, {
                                        // The tilde sorts before everything, even the end.
                                        "1.0~rc1 < 1.0",
                                        "1.0~~ < 1.0~",
                                        "1.0~ < 1.0",
                                        "1.0 < 1.0a",
                                        // Letters before non-letters.
                                        "1.0a < 1.0+",
                                        "1.0+ < 1.0.",
                                        "1.0Z < 1.0a",
                                        // Digit runs by value, of any length.
                                        "1.9 < 1.10",
                                        "1.010 = 1.10",
                                        "99999999999999999999998 < 99999999999999999999999",
                                        "1.000000000000000000000000001 = 1.1",
                                        // Epoch first, missing = 0.
                                        "1:0.1 > 9.9",
                                        "0:1.0 = 1.0",
                                        "10:1 > 9:1",
                                        "99999999999999999999:1 > 9999999999:1",
                                        // The revision follows the LAST hyphen.
                                        "1.0-2-1 > 1.0-10",
                                        "1.0-1 < 1.0-1ubuntu1",
                                        "1.0 = 1.0-0",
                                        "1.0-1 > 1.0",
                                        "1.0-1~bpo1 < 1.0-1",
                                        // Invalid strings still have a place.
                                        "a:1 > 9:1",
                                        ":1 = 0:1",
                                        "~ < ",
                                        " = 0",
                                        "~ < 0",
                                    });
}

TEST(DpkgOrderingTest, ValidityFollowsDpkgParseVersion) {
  const VersionOrdering& dpkg = Ordering(VersionScheme::kDpkg);
  for (const char* v : {"1.0", "1:1.0-1", "2.7.4+reloaded2-13+deb9u1", "1.0~rc1-1~bpo1", "1:2:3-1",
                        "0.0.0-a-b", "2147483647:1"}) {
    EXPECT_TRUE(dpkg.IsValid(v)) << v;
  }
  for (const char* v : {"", "a1.0", "1.0-", "1:", ":1", "a:1", "2147483648:1", "1.0 1", "1.0_1",
                        "1.0-1_2", "1.0-a:b", "-1"}) {
    EXPECT_FALSE(dpkg.IsValid(v)) << v;
  }
}

TEST(RpmOrderingTest, FollowsRpmVerCmp) {
  ExpectOrder(VersionScheme::kRpm, {
                                       // Separators only separate.
                                       "1.0 = 1_0",
                                       "1..0 = 1.0",
                                       "1.0a = 1.0.a",
                                       // Numbers beat letters; letters by strcmp.
                                       "1.0 > 1.a",
                                       "1.A < 1.a",
                                       "1.abc > 1.ab",
                                       // Leading zeros stripped, longer number wins.
                                       "1.010 = 1.10",
                                       "1.99999999999999999999 > 1.9999999999999999999",
                                       // Tilde: before everything; caret: after the end only.
                                       "1.0~rc1 < 1.0",
                                       "1.0~~ < 1.0~",
                                       "1.0^ > 1.0",
                                       "1.0^ < 1.0.1",
                                       "1.0^ < 1.0a",
                                       "1.0~ < 1.0^",
                                       // Epoch, version, release.
                                       "1:1.0 > 2.0",
                                       "0:1.0 = 1.0",
                                       "1.0-2 < 1.0-10",
                                       "1.0-1 < 1.0.1-0",
                                       "2-1-1 > 2-1.1",
                                       "1.0 < 1.0-0",
                                       // Non-ASCII bytes are separators.
                                       "1.\xce\xb1 = 1",
                                   });
}

TEST(RpmOrderingTest, ValidityFollowsTheSpecGrammar) {
  const VersionOrdering& rpm = Ordering(VersionScheme::kRpm);
  for (const char* v : {"1.0", "1:1.0-1.el7", "1.0~rc1^git2+3_4-5", "0:3.10.0-229.el7"}) {
    EXPECT_TRUE(rpm.IsValid(v)) << v;
  }
  for (const char* v : {"", "-1", "1-", "1-2-3", "a:1", ":1", "1.0 1", "1,0", "1:"}) {
    EXPECT_FALSE(rpm.IsValid(v)) << v;
  }
}

// apk's own cases are in apk_ordering_test.cc.

TEST(CranOrderingTest, FollowsPackageVersion) {
  ExpectOrder(VersionScheme::kCran, {
                                        "0.1-2 = 0.1.2",
                                        "1.0 < 1.0-0",
                                        "1.9 < 1.10",
                                        "0.01 = 0.1",
                                        "1.0.99999999999999999999 < 1.0.100000000000000000000",
                                        "1 < 1.0",
                                        // Parts as R's as.integer reads them.
                                        "1.1e2 = 1.100",
                                        "1.0x1A = 1.26",
                                        "1.+3 = 1.3",
                                        // A part that is not a number (NA in R) sorts below
                                        // every number, byte-wise among such parts.
                                        "0.1 < 1.0a",
                                        "0.0 < 1..0",
                                        "1.a < 1.0",
                                        "a < b",
                                        // A separator at the end adds no part.
                                        "1.0- = 1.0",
                                    });
  const VersionOrdering& cran = Ordering(VersionScheme::kCran);
  EXPECT_TRUE(cran.IsValid("1.0-3"));
  EXPECT_TRUE(cran.IsValid("0.01.0"));
  for (const char* v : {"1", "", "1.", ".1", "1..0", "1.0a", "1_0", "1.0 "}) {
    EXPECT_FALSE(cran.IsValid(v)) << v;
  }
}

TEST(HackageOrderingTest, FollowsCabalVersion) {
  ExpectOrder(VersionScheme::kHackage, {
                                           "0 < 0.0",
                                           "1.2.3 < 1.10",
                                           "1.0.99999999999999999999 < 1.0.100000000000000000000",
                                           "1.01 = 1.1",
                                           "1.0-foo < 0",
                                           "1.0-1 < 0",
                                       });
  const VersionOrdering& hackage = Ordering(VersionScheme::kHackage);
  for (const char* v : {"0", "1.2.3.4", "999999999.0"}) EXPECT_TRUE(hackage.IsValid(v)) << v;
  for (const char* v : {"", "1.", "1.01", "1000000000", "1.0-foo", "1-0", "v1"}) {
    EXPECT_FALSE(hackage.IsValid(v)) << v;
  }
}

// Fixture versions of a scheme, plus strings none of the schemes accept.
std::vector<std::string> PropertyCorpus(const std::string& file) {
  std::vector<std::string> corpus = {"",
                                     "~",
                                     "^",
                                     "-",
                                     ":",
                                     ".",
                                     "_",
                                     "a",
                                     "Z",
                                     "0",
                                     "00",
                                     "1",
                                     "01",
                                     "1.",
                                     ".1",
                                     "1..1",
                                     "1-",
                                     "-1",
                                     "1:",
                                     ":1",
                                     "a:1",
                                     "1:a",
                                     "1~",
                                     "1^",
                                     "1~~",
                                     "1^~",
                                     "1.0~rc1",
                                     "1.0^git1",
                                     "1_rc",
                                     "1_",
                                     "1_x",
                                     "1-r",
                                     "1-rx",
                                     "1-r1-r2",
                                     "1.0a1",
                                     "1.0A",
                                     "1.0-a",
                                     "1.0-1-1",
                                     "1\xff",
                                     "\xce\xb1",
                                     "1.0 1",
                                     "9999999999999999999999",
                                     "1.99999999999999999999999999",
                                     "0.0.0.0.0",
                                     "1.2.3_alpha1_beta2-r3",
                                     "2:1.0-1~bpo1+b2"};
  std::string path = VersionFixturePath(file);
  if (std::filesystem::exists(path)) {
    for (const FixtureLine& line : ReadVersionFixture(path)) {
      corpus.push_back(line.a);
      corpus.push_back(line.b);
    }
  }
  std::sort(corpus.begin(), corpus.end());
  corpus.erase(std::unique(corpus.begin(), corpus.end()), corpus.end());
  return corpus;
}

const std::map<VersionScheme, std::string>& FixtureFiles() {
  static const auto* files =
      new std::map<VersionScheme, std::string>{{VersionScheme::kDpkg, "debian-versions.txt"},
                                               {VersionScheme::kRpm, "redhat-versions.txt"},
                                               {VersionScheme::kApk, "alpine-versions.txt"},
                                               {VersionScheme::kCran, "cran-versions.txt"},
                                               {VersionScheme::kHackage, "hackage-versions.txt"}};
  return *files;
}

class OrderingPropertyTest : public ::testing::TestWithParam<VersionScheme> {};

// Antisymmetry, transitivity (of <, = and their mix) and CoarseKey's promise, on random
// triples; the seed is fixed so a failure reproduces.
TEST_P(OrderingPropertyTest, TotalOrderAndCoarseKey) {
  const VersionOrdering& ordering = Ordering(GetParam());
  std::vector<std::string> corpus = PropertyCorpus(FixtureFiles().at(GetParam()));
  std::mt19937 random(20240611);
  std::uniform_int_distribution<size_t> pick(0, corpus.size() - 1);
  for (int round = 0; round < 200000; ++round) {
    const std::string& a = corpus[pick(random)];
    const std::string& b = corpus[pick(random)];
    const std::string& c = corpus[pick(random)];
    int ab = Sign(ordering.Compare(a, b)), ba = Sign(ordering.Compare(b, a));
    int bc = Sign(ordering.Compare(b, c)), ac = Sign(ordering.Compare(a, c));
    ASSERT_EQ(ab, -ba) << "antisymmetry: [" << a << "] [" << b << "]";
    if (ab <= 0 && bc <= 0) {
      ASSERT_EQ(ac, std::min(ab, bc)) << "transitivity: [" << a << "] [" << b << "] [" << c << "]";
    }
    if (ab < 0) {
      ASSERT_LE(ordering.CoarseKey(a), ordering.CoarseKey(b))
          << "CoarseKey: [" << a << "] < [" << b << "]";
    }
  }
  for (const std::string& v : corpus) ASSERT_EQ(ordering.Compare(v, v), 0) << v;
}

// The same over every pair of the corpus, which catches what random triples may miss.
TEST_P(OrderingPropertyTest, CoarseKeyOnAllPairs) {
  const VersionOrdering& ordering = Ordering(GetParam());
  std::vector<std::string> corpus = PropertyCorpus(FixtureFiles().at(GetParam()));
  std::vector<uint64_t> keys;
  for (const std::string& v : corpus) keys.push_back(ordering.CoarseKey(v));
  for (size_t i = 0; i < corpus.size(); ++i) {
    for (size_t j = 0; j < corpus.size(); ++j) {
      int c = ordering.Compare(corpus[i], corpus[j]);
      if (c < 0) {
        ASSERT_LE(keys[i], keys[j]) << "[" << corpus[i] << "] < [" << corpus[j] << "]";
      }
      if (keys[i] == keys[j] && ordering.CoarseKeyIsExact(keys[i])) {
        ASSERT_EQ(c, 0) << "exact key, unequal versions: [" << corpus[i] << "] [" << corpus[j]
                        << "]";
      }
    }
  }
}

// CoarseKey is meant to be useful, not just correct: distinct leading numbers get distinct
// keys.
TEST_P(OrderingPropertyTest, CoarseKeySeparatesLeadingNumbers) {
  const VersionOrdering& ordering = Ordering(GetParam());
  EXPECT_LT(ordering.CoarseKey("1.2"), ordering.CoarseKey("2.0"));
  EXPECT_LT(ordering.CoarseKey("1.2"), ordering.CoarseKey("1.3"));
}

INSTANTIATE_TEST_SUITE_P(Distributions, OrderingPropertyTest, ::testing::ValuesIn(kSchemes),
                         [](const ::testing::TestParamInfo<VersionScheme>& info) {
                           return std::string(Ordering(info.param).name());
                         });

}  // namespace
}  // namespace bulwark::vuln
