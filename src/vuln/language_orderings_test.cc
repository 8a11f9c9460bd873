// Tests of the SemVer-family and language-registry orderings: the osv-scalibr conformance
// fixtures (../shared/conformance/versions), unit cases from each specification, and
// properties every ordering must have (a total order; CoarseKey sorts with Compare).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "testing/version_fixtures.h"
#include "vuln/internal/orderings.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

using internal::NewLanguageOrdering;

constexpr VersionScheme kLanguageSchemes[] = {
    VersionScheme::kSemVer,   VersionScheme::kGo,        VersionScheme::kNuGet,
    VersionScheme::kPub,      VersionScheme::kPep440,    VersionScheme::kMaven,
    VersionScheme::kRubyGems, VersionScheme::kPackagist,
};

const VersionOrdering& Ordering(VersionScheme scheme) {
  static std::vector<std::unique_ptr<VersionOrdering>>* orderings = [] {
    auto* all = new std::vector<std::unique_ptr<VersionOrdering>>();
    for (VersionScheme s : kLanguageSchemes) all->push_back(NewLanguageOrdering(s));
    return all;
  }();
  for (const auto& o : *orderings) {
    if (o->scheme() == scheme) return *o;
  }
  std::abort();
}

int Sign(int x) { return (x > 0) - (x < 0); }

char OpOf(int sign) { return sign < 0 ? '<' : sign > 0 ? '>' : '='; }

using FixtureLine = testing::VersionFixtureLine;
using testing::ReadVersionFixture;
using testing::VersionFixturePath;

// A fixture line where the ecosystem's real implementation disagrees with the fixture; we
// follow the implementation and check that instead.
struct Deviation {
  std::string_view file;
  std::string_view line;
  char actual;
  std::string_view why;
};

constexpr Deviation kDeviations[] = {
    {"maven-versions.txt", "1-1 = 1-ga-1", '>',
     "Maven 3.8/3.9 parse 1-ga-1 as [1, [[1]]] and 1-1 as [1, [1]]: a list is below a number"},
    {"packagist-versions.txt", "1.0.0 > 1.0", '=',
     "Composer normalizes both to 1.0.0.0; only raw version_compare calls them different"},
    {"packagist-versions.txt", "1.2.3.# = 1.2.3", '<',
     "PHP canonicalizes '#' after '.' away, leaving an empty last part, which is below 0"},
    {"packagist-versions.txt", "1.2.3.# = 1.2.3.1", '<',
     "as above: the empty part left by '#' is below the number 1"},
    {"packagist-versions.txt", "999999999999999999999999999991 < 999999999999999999999999999999",
     '=',
     "Composer refuses both; PHP's version_compare reads numbers with strtol: both are 2^63-1"},
    {"packagist-versions.txt",
     "999999999999999999999999999991.999999999999999999999999999991.999999999999999999999999999991 "
     "< "
     "999999999999999999999999999999.999999999999999999999999999991.999999999999999999999999999991",
     '=', "as above"},
};

struct FixtureCase {
  std::string file;
  VersionScheme scheme;
};

class FixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(FixtureTest, EveryLineHolds) {
  const FixtureCase& fixture = GetParam();
  std::string path = VersionFixturePath(fixture.file);
  if (!std::ifstream(path)) {
    GTEST_SKIP() << "../shared/conformance/versions/" << fixture.file
                 << " is absent; skipping the conformance fixture";
  }
  const VersionOrdering& ordering = Ordering(fixture.scheme);
  std::vector<FixtureLine> lines = ReadVersionFixture(path);
  EXPECT_FALSE(lines.empty());
  for (const FixtureLine& line : lines) {
    char expected = line.op;
    for (const Deviation& d : kDeviations) {
      if (d.file == fixture.file && d.line == line.text) expected = d.actual;
    }
    int forward = Sign(ordering.Compare(line.a, line.b));
    int backward = Sign(ordering.Compare(line.b, line.a));
    EXPECT_EQ(OpOf(forward), expected) << fixture.file << ":" << line.number << ": " << line.text;
    EXPECT_EQ(backward, -forward) << fixture.file << ":" << line.number << ": " << line.text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Conformance, FixtureTest,
    ::testing::Values(FixtureCase{"semver-versions.txt", VersionScheme::kSemVer},
                      FixtureCase{"pypi-versions.txt", VersionScheme::kPep440},
                      FixtureCase{"maven-versions.txt", VersionScheme::kMaven},
                      FixtureCase{"nuget-versions.txt", VersionScheme::kNuGet},
                      FixtureCase{"rubygems-versions.txt", VersionScheme::kRubyGems},
                      FixtureCase{"packagist-versions.txt", VersionScheme::kPackagist},
                      FixtureCase{"pub-versions.txt", VersionScheme::kPub}),
    [](const ::testing::TestParamInfo<FixtureCase>& info) {
      std::string name = info.param.file.substr(0, info.param.file.find('-'));
      return name;
    });

TEST(FixtureDeviations, EachNamesALineOfItsFixture) {
  for (const Deviation& d : kDeviations) {
    std::string path = VersionFixturePath(std::string(d.file));
    if (!std::ifstream(path)) continue;
    std::vector<FixtureLine> lines = ReadVersionFixture(path);
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                            [&](const FixtureLine& l) { return l.text == d.line; }))
        << d.file << ": " << d.line;
  }
}

// ---- Unit cases from the specifications. ----

struct SpecCase {
  VersionScheme scheme;
  // Strictly increasing versions.
  std::vector<std::string> ascending;
  // Groups of versions equal to each other.
  std::vector<std::vector<std::string>> equal;
  // Strings the scheme rejects.
  std::vector<std::string> invalid;
};

std::vector<SpecCase> SpecCases() {
  return {
      {VersionScheme::kSemVer,
       {"0.0.0-0", "0.0.0-alpha", "0.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
        "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0",
        "1.10.0", "2.0.0", "18446744073709551616.0.0", "99999999999999999999999.0.0"},
       {{"1.2.3", "v1.2.3", "=1.2.3", "=v1.2.3", " 1.2.3 ", "1.2.3+build.5", "1.2.3+0"},
        {"1.2.3-a.1+x", "1.2.3-a.1+y"}},
       {"1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b", "V1.2.3", "", "0", "1.2.3.4",
        "x", "1.2.3-a_b"}},
      {VersionScheme::kGo,
       {"v0.0.0-20210101000000-abcdefabcdef", "v0.0.0", "v0.0.1-0.20210101000000-abcdefabcdef",
        "v0.0.1", "v1.0.0-rc.1", "v1", "v1.2", "v1.2.1", "v2.0.0+incompatible", "v10.0.0"},
       {{"v1", "v1.0", "v1.0.0", "v1.0.0+incompatible", "1.0.0", "1"},
        {"v1.0.0-rc.1", "v1.0.0-rc.1+meta"}},
       {"v1.2-pre", "v1.02.0", "", "vx", "v1.2.3.4", "v1.2.3-", "v1.2.3-01", "V1.2.3"}},
      {VersionScheme::kNuGet,
       {"0.9.9.1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
        "1.0.0", "1.0.0.1-alpha", "1.0.0.1", "1.0.1", "2", "99999999999999999999"},
       {{"1", "1.0", "1.0.0", "1.0.0.0", "1.0.0+meta", "01.0", " 1.0.0 "},
        {"1.0.0-alpha", "1.0.0-ALPHA", "1.0.0-Alpha+x"}},
       {"1.0.0.0.0", "1.", "v1.0", "1.0.0-01", "1.0.0-", "", "a", "1..0", "1.0.0+", "-1"}},
      {VersionScheme::kPub,
       {"1.0.0-alpha", "1.0.0-alpha+build", "1.0.0-alpha.1", "1.0.0", "1.0.0+1", "1.0.0+2",
        "1.0.0+10", "1.0.0+a", "1.0.0+a.1", "1.0.1"},
       {{"01.2.3", "1.2.3", "v1.2.3"}, {"1.2.3-01", "1.2.3-1"}},
       {"1.2", "1.2.3-", "1.2.3+", "", "1.2.3.4", "=1.2.3"}},
      {VersionScheme::kPep440,
       {"1.0.dev0",
        "1.0.dev1",
        "1.0a0.dev0",
        "1.0a0",
        "1.0a1",
        "1.0a1.post0.dev0",
        "1.0a1.post0",
        "1.0b0",
        "1.0rc0",
        "1.0",
        "1.0+abc",
        "1.0+abc.5",
        "1.0+5",
        "1.0.post0.dev0",
        "1.0.post0",
        "1.0.post1",
        "1.0.1",
        "1.1.dev0",
        "1.1",
        "2",
        "99999999999999999999999",
        "1!0.1"},
       {{"1.0", "1", "1.0.0", "v1.0", " 1.0 ", "1.0.0.0", "V1.0", "0!1.0"},
        {"1.0a1", "1.0-alpha.1", "1.0ALPHA1", "1.0_a_1", "1.0a-1", "1.0.a1"},
        {"1.0c1", "1.0rc1", "1.0pre1", "1.0preview1", "1.0-RC-1"},
        {"1.0-1", "1.0.post1", "1.0post1", "1.0-r1", "1.0rev1", "1.0_post_1"},
        {"1.0.post", "1.0.post0", "1.0-post", "1.0post"},
        {"1.0.dev", "1.0.dev0", "1.0-dev", "1.0dev0"},
        {"1.0a", "1.0a0", "1.0a."},
        {"1.0+Local.1", "1.0+local-1", "1.0+local_01"}},
       {"1.0-", "a1.0", "1.0+", "1.0+a..b", "1..0", "1.0.", "", "-1", "1.0.0-bulbasaur", "1.0 2",
        "1.0+a+b", "1!", "!1"}},
      {VersionScheme::kMaven,
       {"1.0-alpha-1", "1.0-alpha-2", "1.0-beta-1", "1.0-milestone-1", "1.0-rc-1", "1.0-SNAPSHOT",
        "1.0", "1.0-sp", "1.0-abc", "1.0-xyz", "1.0-1", "1.0.1", "1.1", "12345678901234567890",
        "123456789012345678901"},
       {{"1", "1.0", "1.0.0", "1-0", "1.ga", "1-final", "1.release", "1-GA", "1.", "1-"},
        {"1a1", "1-alpha-1", "1.0-ALPHA1", "1-a1"},
        {"1.0.RC2", "1.0-cr-2"},
        {"", "0", "0.0"}},
       {}},
      {VersionScheme::kRubyGems,
       {"1.0.A", "1.0.a", "1.0.a.1", "1.0.b", "1.0-1", "1.0.rc1", "1.0", "1.0.0.1", "1.1", "2",
        "10", "99999999999999999999999"},
       {{"1", "1.0", "1.0.0", " 1.0 ", "1.00"},
        {"1.0.a2", "1.0.a.2", "1.a.2", "1.0.a.2.0"},
        {"", "0", "0.0"}},
       {"1beta", "a", "1..0", "1.0.", "-1", "1.0-", "1 0", "1.0_a"}},
      {VersionScheme::kPackagist,
       {"dev-master", "1.0.0-dev", "1.0.0-alpha1", "1.0.0-alpha2", "1.0.0-beta", "1.0.0-RC1",
        "1.0.0", "1.0.0-p1", "1.0.1", "1.x-dev", "2.0.0", "99999.0"},
       {{"1.0", "1.0.0", "v1.0.0", "1.0.0.0", "1.0.0+build", "1.0.0@stable", "1.0 as 2.0"},
        {"1.0.0RC1", "1.0.0-rc1", "1.0.0.RC1"},
        {"1.0.0-beta2.1", "1.0.0-b.2.1"}},
       {"4.3-2RC1", "1.2.3.#", "", "1.0.0.0.0", "not a version"}},
  };
}

TEST(SpecCases, AscendingChainsEqualGroupsAndValidity) {
  for (const SpecCase& c : SpecCases()) {
    const VersionOrdering& o = Ordering(c.scheme);
    SCOPED_TRACE(std::string(o.name()));
    for (size_t i = 0; i < c.ascending.size(); ++i) {
      EXPECT_TRUE(o.IsValid(c.ascending[i])) << c.ascending[i];
      for (size_t j = i + 1; j < c.ascending.size(); ++j) {
        EXPECT_LT(o.Compare(c.ascending[i], c.ascending[j]), 0)
            << c.ascending[i] << " < " << c.ascending[j];
        EXPECT_GT(o.Compare(c.ascending[j], c.ascending[i]), 0)
            << c.ascending[j] << " > " << c.ascending[i];
      }
    }
    for (const std::vector<std::string>& group : c.equal) {
      for (const std::string& a : group) {
        EXPECT_TRUE(o.IsValid(a)) << "\"" << a << "\"";
        for (const std::string& b : group) {
          EXPECT_EQ(o.Compare(a, b), 0) << "\"" << a << "\" = \"" << b << "\"";
        }
      }
    }
    for (const std::string& v : c.invalid) {
      EXPECT_FALSE(o.IsValid(v)) << "\"" << v << "\"";
    }
  }
}

// Invalid strings sort below every valid version in the schemes that reject strings.
TEST(SpecCases, InvalidStringsSortBelowValidOnes) {
  for (const SpecCase& c : SpecCases()) {
    const VersionOrdering& o = Ordering(c.scheme);
    if (c.scheme == VersionScheme::kPackagist) continue;  // compares raw strings instead
    for (const std::string& bad : c.invalid) {
      for (const std::string& good : c.ascending) {
        EXPECT_LT(o.Compare(bad, good), 0) << o.name() << ": " << bad << " < " << good;
      }
    }
  }
}

TEST(SemVerFamily, InvalidStringsOrderBytewiseExceptGoWhereTheyAreEqual) {
  EXPECT_LT(Ordering(VersionScheme::kSemVer).Compare("1.2", "1.3"), 0);
  EXPECT_GT(Ordering(VersionScheme::kNuGet).Compare("v2", "v1"), 0);
  EXPECT_LT(Ordering(VersionScheme::kPub).Compare("1.2", "1.3"), 0);
  EXPECT_EQ(Ordering(VersionScheme::kGo).Compare("v1.2-pre", "garbage"), 0);
}

TEST(SemVerFamily, PubOrdersBuildMetadataOthersIgnoreIt) {
  EXPECT_LT(Ordering(VersionScheme::kPub).Compare("1.2.3", "1.2.3+1"), 0);
  EXPECT_EQ(Ordering(VersionScheme::kSemVer).Compare("1.2.3", "1.2.3+1"), 0);
  EXPECT_EQ(Ordering(VersionScheme::kGo).Compare("v1.2.3", "v1.2.3+1"), 0);
  EXPECT_EQ(Ordering(VersionScheme::kNuGet).Compare("1.2.3", "1.2.3+1"), 0);
}

TEST(Pep440, InvalidStringsSortBelowValidAndBytewiseAmongThemselves) {
  const VersionOrdering& o = Ordering(VersionScheme::kPep440);
  EXPECT_LT(o.Compare("0.1-bulbasaur", "0.1-charmander"), 0);
  EXPECT_LT(o.Compare("zzz", "0.dev0"), 0);
  EXPECT_EQ(o.Compare("not a version", "not a version"), 0);
}

TEST(Maven, QualifierOrderAndCaseInsensitivity) {
  const VersionOrdering& o = Ordering(VersionScheme::kMaven);
  EXPECT_EQ(o.Compare("1-FOO", "1-foo"), 0);
  EXPECT_LT(o.Compare("1-foo", "1-goo"), 0);
  EXPECT_LT(o.Compare("1.0.RC2", "1.0-RC3"), 0);
  EXPECT_LT(o.Compare("1.0-RC3", "1.0.1"), 0);
  EXPECT_LT(o.Compare("1-0-1", "1-1"), 0);
  // Where Maven is not transitive, its answer for each pair all the same (Maven 3.8 says so):
  // 1.0.alpha.1 < 1 < 1-1 < 1.0.alpha.1, and 1 < 1-sp < 1-0-alpha < 1.
  EXPECT_LT(o.Compare("1.0.alpha.1", "1"), 0);
  EXPECT_LT(o.Compare("1", "1-1"), 0);
  EXPECT_GT(o.Compare("1.0.alpha.1", "1-1"), 0);
  EXPECT_LT(o.Compare("1", "1-sp"), 0);
  EXPECT_GT(o.Compare("1-0-alpha", "1-sp"), 0);
  EXPECT_LT(o.Compare("1-0-alpha", "1"), 0);
}

TEST(Maven, DeepNestingNeedsNoStack) {
  const VersionOrdering& o = Ordering(VersionScheme::kMaven);
  std::string deep, deeper;
  for (int i = 0; i < 200000; ++i) deep += "1-";
  deeper = deep + "1";
  EXPECT_EQ(o.Compare(deep, deep), 0);
  EXPECT_LT(o.Compare(deep, deeper), 0);
  EXPECT_LE(o.CoarseKey(deep), o.CoarseKey(deeper));
}

TEST(Packagist, BranchesOrderByNameWhenVersionCompareTies) {
  const VersionOrdering& o = Ordering(VersionScheme::kPackagist);
  EXPECT_LT(o.Compare("dev-foo", "dev-fop"), 0);
  EXPECT_EQ(o.Compare("dev-foo", "dev-foo"), 0);
  EXPECT_LT(o.Compare("dev-foo", "1.0.0"), 0);
  EXPECT_TRUE(o.IsValid("dev-feature/x"));
  EXPECT_TRUE(o.IsValid("1.x-dev"));
  EXPECT_TRUE(o.IsValid("20240131"));
  EXPECT_EQ(o.Compare("", ""), 0);
  EXPECT_LT(o.Compare("", "dev"), 0);
}

TEST(Packagist, DateVersionsKeepTheirNumbers) {
  const VersionOrdering& o = Ordering(VersionScheme::kPackagist);
  EXPECT_LT(o.Compare("20240131", "20240201"), 0);
  EXPECT_EQ(o.Compare("2024-01-31", "2024:01:31"), 0);
  // Composer does not accept numbers this long, so they compare raw, as PHP's version_compare
  // reads them: with strtol, which stops at 2^63 - 1.
  EXPECT_LT(o.Compare("9223372036854775806", "9223372036854775807"), 0);
  EXPECT_EQ(o.Compare("99999999999999999999998", "99999999999999999999999"), 0);
}

TEST(Factory, NamesSchemesAndLeavesOthersToTheDistributionOrderings) {
  const std::pair<VersionScheme, std::string_view> names[] = {
      {VersionScheme::kSemVer, "semver"},     {VersionScheme::kGo, "go"},
      {VersionScheme::kNuGet, "nuget"},       {VersionScheme::kPub, "pub"},
      {VersionScheme::kPep440, "pep440"},     {VersionScheme::kMaven, "maven"},
      {VersionScheme::kRubyGems, "rubygems"}, {VersionScheme::kPackagist, "packagist"},
  };
  for (const auto& [scheme, name] : names) {
    std::unique_ptr<VersionOrdering> o = NewLanguageOrdering(scheme);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->scheme(), scheme);
    EXPECT_EQ(o->name(), name);
  }
  for (VersionScheme other : {VersionScheme::kDpkg, VersionScheme::kRpm, VersionScheme::kApk,
                              VersionScheme::kCran, VersionScheme::kHackage}) {
    EXPECT_EQ(NewLanguageOrdering(other), nullptr);
  }
}

// ---- Properties over fixture versions, spec versions, invalid strings and random ones. ----

const char* FixtureFileOf(VersionScheme scheme) {
  switch (scheme) {
    case VersionScheme::kSemVer:
    case VersionScheme::kGo:
      return "semver-versions.txt";
    case VersionScheme::kNuGet:
      return "nuget-versions.txt";
    case VersionScheme::kPub:
      return "pub-versions.txt";
    case VersionScheme::kPep440:
      return "pypi-versions.txt";
    case VersionScheme::kMaven:
      return "maven-versions.txt";
    case VersionScheme::kRubyGems:
      return "rubygems-versions.txt";
    case VersionScheme::kPackagist:
      return "packagist-versions.txt";
    default:
      return "";
  }
}

// Random strings over an alphabet that hits every scheme's syntax.
std::string RandomVersion(std::mt19937& rng) {
  static constexpr std::string_view kPieces[] = {
      "0",   "1",     "2",     "9",    "10",    "007",      "99999999999999999999",
      ".",   ".",     "-",     "+",    "_",     "a",        "b",
      "rc",  "c",     "alpha", "beta", "dev",   "post",     "r",
      "pre", "sp",    "ga",    "m",    "x",     "SNAPSHOT", "v",
      "!",   "#",     "p",     "pl",   "patch", "RC",       "A",
      "z",   "final", " ",     "@",    "dev-",
  };
  std::uniform_int_distribution<int> length(0, 7);
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1);
  std::string v;
  for (int n = length(rng); n > 0; --n) v += kPieces[piece(rng)];
  return v;
}

std::vector<std::string> PropertyCorpus(VersionScheme scheme, std::mt19937& rng) {
  std::vector<std::string> corpus;
  std::string path = VersionFixturePath(FixtureFileOf(scheme));
  if (std::ifstream(path)) {
    for (const FixtureLine& line : ReadVersionFixture(path)) {
      corpus.push_back(line.a);
      corpus.push_back(line.b);
    }
  }
  for (const SpecCase& c : SpecCases()) {
    if (c.scheme != scheme) continue;
    corpus.insert(corpus.end(), c.ascending.begin(), c.ascending.end());
    for (const auto& group : c.equal) corpus.insert(corpus.end(), group.begin(), group.end());
    corpus.insert(corpus.end(), c.invalid.begin(), c.invalid.end());
  }
  for (int i = 0; i < 300; ++i) corpus.push_back(RandomVersion(rng));
  return corpus;
}

class PropertyTest : public ::testing::TestWithParam<VersionScheme> {};

TEST_P(PropertyTest, CompareIsATotalOrder) {
  const VersionOrdering& o = Ordering(GetParam());
  std::mt19937 rng(20240531);
  std::vector<std::string> corpus = PropertyCorpus(GetParam(), rng);
  std::uniform_int_distribution<size_t> pick(0, corpus.size() - 1);
  for (const std::string& v : corpus) EXPECT_EQ(o.Compare(v, v), 0) << v;
  for (int i = 0; i < 40000; ++i) {
    const std::string& a = corpus[pick(rng)];
    const std::string& b = corpus[pick(rng)];
    const std::string& c = corpus[pick(rng)];
    int ab = Sign(o.Compare(a, b)), bc = Sign(o.Compare(b, c)), ac = Sign(o.Compare(a, c));
    ASSERT_EQ(Sign(o.Compare(b, a)), -ab) << "antisymmetry: \"" << a << "\" \"" << b << "\"";
    // Maven's own order is not transitive (see maven_ordering.cc), and ours is Maven's.
    if (GetParam() == VersionScheme::kMaven) continue;
    // a <= b <= c implies a <= c, and strictly when either step is strict.
    if (ab <= 0 && bc <= 0) {
      ASSERT_LE(ac, 0) << "transitivity: \"" << a << "\" \"" << b << "\" \"" << c << "\"";
      if (ab < 0 || bc < 0) {
        ASSERT_LT(ac, 0) << "transitivity: \"" << a << "\" \"" << b << "\" \"" << c << "\"";
      }
    }
    if (ab >= 0 && bc >= 0) {
      ASSERT_GE(ac, 0) << "transitivity: \"" << a << "\" \"" << b << "\" \"" << c << "\"";
      if (ab > 0 || bc > 0) {
        ASSERT_GT(ac, 0) << "transitivity: \"" << a << "\" \"" << b << "\" \"" << c << "\"";
      }
    }
  }
}

TEST_P(PropertyTest, CoarseKeySortsWithCompare) {
  const VersionOrdering& o = Ordering(GetParam());
  std::mt19937 rng(7);
  std::vector<std::string> corpus = PropertyCorpus(GetParam(), rng);
  std::vector<uint64_t> keys;
  for (const std::string& v : corpus) keys.push_back(o.CoarseKey(v));
  size_t distinct_keys = 0;
  std::vector<uint64_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  distinct_keys = std::unique(sorted.begin(), sorted.end()) - sorted.begin();
  for (size_t i = 0; i < corpus.size(); ++i) {
    for (size_t j = 0; j < corpus.size(); ++j) {
      int c = o.Compare(corpus[i], corpus[j]);
      if (c < 0) {
        ASSERT_LE(keys[i], keys[j]) << "\"" << corpus[i] << "\" < \"" << corpus[j] << "\"";
      }
      if (keys[i] == keys[j] && o.CoarseKeyIsExact(keys[i])) {
        ASSERT_EQ(c, 0) << "exact key, unequal versions: \"" << corpus[i] << "\" \"" << corpus[j]
                        << "\"";
      }
    }
  }
  // A key that is constant would pass the implication; it must also tell versions apart.
  EXPECT_GT(distinct_keys, 5u);
}

INSTANTIATE_TEST_SUITE_P(LanguageSchemes, PropertyTest, ::testing::ValuesIn(kLanguageSchemes),
                         [](const ::testing::TestParamInfo<VersionScheme>& info) {
                           return std::string(Ordering(info.param).name());
                         });

}  // namespace
}  // namespace bulwark::vuln
