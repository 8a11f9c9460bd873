// Differential tests of the version orderings against each ecosystem's own implementation.
//
// For every ecosystem with a reference implementation in Debian, thousands of pairs of version
// strings are compared by our ordering and by the reference, and every pair where the two
// disagree is printed. The strings are real ones (every version in the OSV records and SBOMs of
// ../shared/corpora, every version in ../shared/conformance/versions, a list of typical versions
// of each ecosystem below) and mutations of them: suffixes and qualifiers, changed separators,
// changed case, a leading "v", letters directly after digits, very long numbers, empty parts,
// fewer or more numbers.
//
// Each reference is a small adapter in testdata/version_references/ that reads "A<TAB>B" lines
// and prints "<", "=" or ">" for each, or "?" when the reference refuses one of the versions
// (such pairs are counted and not compared: our ordering still places every string, as
// version.h says, but there is no answer to check it against). scripts/install-deps.sh installs
// every reference; a missing one is a failure that says what to install.
//
// BULWARK_DIFFERENTIAL_PAIRS (a number) and BULWARK_DIFFERENTIAL_SEED change the number of
// generated pairs per ecosystem and the seed, for longer runs than `make test` does.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "testing/shell.h"
#include "testing/temp_dir.h"
#include "testing/version_fixtures.h"
#include "vuln/purl.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

namespace fs = std::filesystem;

// One ecosystem's reference implementation and what the generator knows of its versions.
struct Reference {
  std::string_view name;           // the test's name
  VersionScheme scheme;            // our ordering
  std::string_view command;        // run from testdata/version_references
  std::string_view requires_path;  // a file that exists when the reference is installed
  std::string_view debian_packages;
  std::string_view fixture;                  // ../shared/conformance/versions file, or ""
  std::vector<std::string_view> purl_types;  // SBOM components whose versions are real ones
  std::vector<std::string_view> typical;     // typical versions of the ecosystem
  std::vector<std::string_view> suffixes;    // qualifiers, pre-releases, revisions
  std::string_view separators;               // characters that separate parts
  int pairs;                                 // generated pairs in `make test`
};

const std::vector<Reference>& References() {
  static const auto* references = new std::vector<Reference>{
      {"Debian",
       VersionScheme::kDpkg,
       "sh dpkg.sh",
       "/usr/bin/dpkg",
       "dpkg",
       "debian-versions.txt",
       {"deb"},
       {"2.36-9+deb12u4", "1:9.18.28-1~deb12u2", "3.0.11-1~deb12u2", "5.15.0-91.101",
        "2.7.4+dfsg-1ubuntu0.1", "1:2.0~rc1-1", "0.9.8o-4squeeze14", "7.88.1-10+deb12u5",
        "1.2.13.dfsg-1", "2:1.0-1", "1.0+git20230101.abcdef-2", "4.19.0-0.bpo.8-amd64", "1.0~~a",
        "6.1.0-13", "252.22-1~deb12u1", "10.0.0+r36-1"},
       {"~rc1", "+deb12u1", "-1", "-0ubuntu1", "+dfsg", "~bpo11+1", "a", "+b1", "-1.1", ".1",
        "+git20230101", "~~", "~", "+really1.0", "-", "ubuntu2", "~beta", "-2~exp1", ":1"},
       ".-+~:",
       2500},
      {"RPM",
       VersionScheme::kRpm,
       "/usr/bin/python3 rpmvercmp.py",
       "/usr/lib/python3/dist-packages/rpm/__init__.py",
       "python3-rpm",
       "redhat-versions.txt",
       {"rpm"},
       {"1.1.1k-7.el8_6", "2:8.2.2637-20.el9_1", "4.18.0-372.9.1.el8", "0.9.8e-fips-rhel5",
        "1.0^git20220101", "1.0~rc1", "3.0.7-16.el9_2", "1:1.2.13-5.el9", "2.17-326.el7_9",
        "5.14.0-284.11.1.el9_2", "1.0-0.1.beta2.fc38", "9.0p1-2", "1.2.3_4-1"},
       {"-1.el8", ".el9_2", "~rc1", "^git1", "-0.1.beta", "p1", "a", ".fc38", "_1", "-1", "+b", "^",
        "~", ".1", "-2.module+el8.5.0+1234+abcd", "-r1", "alpha"},
       ".-_+~^:",
       4000},
      {"Maven",
       VersionScheme::kMaven,
       "/usr/bin/python3 maven.py",
       "/usr/share/java/maven-artifact-3.x.jar",
       "libmaven3-core-java default-jre-headless",
       "maven-versions.txt",
       {"maven"},
       {"1.0-SNAPSHOT", "2.0.0.RELEASE", "1.0.Final", "1.0.0-M1", "3.0-alpha-1", "1.0-sp1",
        "1.0.0.CR1", "1.0-rc-1", "1.0-ga", "12rc1", "12.rc5", "31.1-jre", "2.13.4.2",
        "9.4.51.v20230217", "1.0-beta-2", "5.3.27", "2.0.0-beta.1", "1.0.0_1"},
       {"-SNAPSHOT",   ".RELEASE",     ".Final",   "-M1",      "-RC1",       "rc1",  "-alpha-1",
        "-beta",       "-b2",          "-a1",      "-m3",      "-cr1",       "-sp1", "-ga",
        "-final",      "-GA",          "-jre",     "-android", ".v20230101", "-1",   "_2",
        "-incubating", "-milestone-2", "-preview", "-ea",      ".0",         "-0",   "a",
        "-alpha",      "-rc",          "-rc.1",    "_rc1",     "-SP",        "1"},
       ".-_",
       6000},
      {"Packagist",
       VersionScheme::kPackagist,
       "php composer.php",
       "/usr/share/php/Composer/Semver/autoload.php",
       "php-cli php-composer-semver",
       "packagist-versions.txt",
       {"composer"},
       {"v1.0.0", "1.0.0-beta1", "1.0.0-RC2", "2.0.x-dev", "dev-master", "1.0.0-stable", "1.0.0-p1",
        "1.0.0-patch1", "1.0.0.1", "v2.4.1", "3.0.0-alpha3", "1.2", "10", "1.0.0-beta.2",
        "5.4.0-BETA1", "2.1.x-dev", "1.0.0pl3"},
       {"-beta1",  "-RC2", "-alpha",  "-stable", "-dev",    ".x-dev", "-p1",
        "-patch1", "-pl2", "-b1",     "a1",      "RC1",     "-BETA",  "-beta.1",
        "+build",  ".0",   "-rc.1",   "-Alpha2", "-STABLE", "-RC",    "b",
        "-p",      "pl1",  "-beta-2", "-Beta",   "stable",  "_rc1",   ".1"},
       ".-_+",
       10000},
      {"npm",
       VersionScheme::kSemVer,
       "node semver.js",
       "/usr/share/nodejs/semver/classes/semver.js",
       "node-semver",
       "semver-versions.txt",
       {"npm", "golang", "cargo"},
       {"1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0+20130313144700", "1.0.0-alpha+001",
        "2.0.0-rc.1+build.123", "v1.2.3", "0.0.0-20230101000000-abcdef012345", "1.0.0-beta.11",
        "10.20.30", "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay"},
       {"-alpha.1", "-rc.1", "-0", "+build.5", "-beta", "-alpha.beta", "-x.7.z.92", "-01", "-rc.01",
        "+001", "-alpha", "-RC.1", "-a-b", ".0", "-1", "+", "-", "-rc.1+b"},
       ".-+",
       8000},
      {"RubyGems",
       VersionScheme::kRubyGems,
       "ruby rubygems.rb",
       "/usr/bin/ruby",
       "ruby",
       "rubygems-versions.txt",
       {"gem"},
       {"1.0.0.pre", "5.2.4.rc1", "7.0.4.3", "1.13.10", "2.0.0.beta.2", "0.9.0a", "1.0.a10",
        "3.2.0.rc.1", "1.0-1", "4.1.16.1", "0.0.1.alpha"},
       {".pre", ".rc1", ".beta.2", "-java", ".a", "a", ".1", "-1", ".alpha", "pre1", ".dev", ".0",
        ".rc.1", "-pre", "b1", ".RC1", ".z"},
       ".-",
       6000},
      {"PyPI",
       VersionScheme::kPep440,
       "/usr/bin/python3 pep440.py",
       "/usr/lib/python3/dist-packages/pip/_vendor/packaging/version.py",
       "python3-packaging python3-pip",
       "pypi-versions.txt",
       {"pypi"},
       {"1.0.post1", "2.0.0rc1", "1.0.dev3", "1!2.0", "1.0+local.1", "0.3.2d", "3.0.0b3-",
        "1.0a1.post2.dev3", "2023.10.1", "v1.0", "1.0-1", "1.0.0-rc.1", "0.9.1.post1+ubuntu1",
        "1.0c1", "1.0.preview2", "1.0_alpha_1"},
       {"rc1",  "a1",       "b2",     ".post1", ".dev0",    "-1",        "post2", "c1",
        "pre1", "preview1", "alpha1", "beta",   "+local.1", "+ubuntu-1", ".r1",   "-rc.1",
        "_a1",  "d",        "-",      ".post",  "rev3",     ".dev",      "RC1",   "+Local_2"},
       ".-_+!",
       8000},
      {"CRAN",
       VersionScheme::kCran,
       "Rscript cran.R",
       "/usr/bin/Rscript",
       "r-base-core",
       "cran-versions.txt",
       {"cran"},
       {"1.2-3", "0.9.12.1", "3.6.3", "1.0-10", "2.14.0-1", "0.1.0.9000", "4.3.2"},
       {"-1", ".1", "-10", ".0", "-0", ".9000"},
       ".-",
       4000},
  };
  return *references;
}

std::string SharedPath(const std::string& rest) {
  return std::string(BULWARK_SOURCE_DIR) + "/../shared/" + rest;
}

std::string ReferenceDir() {
  return std::string(BULWARK_SOURCE_DIR) + "/src/vuln/testdata/version_references";
}

// A version string the adapters can carry: non-empty, no whitespace or control characters, at
// most 200 bytes.
bool Carriable(std::string_view v) {
  if (v.empty() || v.size() > 200) return false;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

// Real version strings from ../shared: the OSV records' versions and range events, and the
// versions of SBOM components, by scheme.
class RealVersions {
 public:
  static const RealVersions& Get() {
    static const RealVersions* versions = new RealVersions();
    return *versions;
  }

  std::vector<std::string> For(const Reference& ref) const {
    std::set<std::string> all;
    auto add = [&](const std::set<std::string>& from) { all.insert(from.begin(), from.end()); };
    if (auto it = by_scheme_.find(ref.scheme); it != by_scheme_.end()) add(it->second);
    for (std::string_view type : ref.purl_types) {
      if (auto it = by_purl_type_.find(std::string(type)); it != by_purl_type_.end()) {
        add(it->second);
      }
    }
    if (!ref.fixture.empty()) {
      std::string path = testing::VersionFixturePath(std::string(ref.fixture));
      if (std::ifstream(path)) {
        for (const auto& line : testing::ReadVersionFixture(path)) {
          all.insert(line.a);
          all.insert(line.b);
        }
      }
    }
    std::vector<std::string> out;
    for (const std::string& v : all) {
      if (Carriable(v)) out.push_back(v);
    }
    return out;
  }

 private:
  RealVersions() {
    ReadOsv(SharedPath("corpora/osv"));
    ReadSboms(SharedPath("corpora/sbom"));
  }

  static std::string ReadAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void ReadOsv(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".json") continue;
      boost::json::error_code json_error;
      boost::json::value doc = boost::json::parse(ReadAll(entry.path()), json_error);
      if (json_error || !doc.is_object()) continue;
      const auto* affected = doc.as_object().if_contains("affected");
      if (affected == nullptr || !affected->is_array()) continue;
      for (const auto& a : affected->as_array()) {
        if (!a.is_object()) continue;
        const auto* package = a.as_object().if_contains("package");
        const auto* ecosystem = package && package->is_object()
                                    ? package->as_object().if_contains("ecosystem")
                                    : nullptr;
        if (ecosystem == nullptr || !ecosystem->is_string()) continue;
        std::optional<VersionScheme> scheme = SchemeForEcosystem(ecosystem->as_string());
        if (!scheme) continue;
        // Go's versions are SemVer with a "v": real SemVer strings too.
        std::set<std::string>& out =
            by_scheme_[*scheme == VersionScheme::kGo ? VersionScheme::kSemVer : *scheme];
        if (const auto* versions = a.as_object().if_contains("versions");
            versions && versions->is_array()) {
          for (const auto& v : versions->as_array()) {
            if (v.is_string()) out.insert(std::string(v.as_string()));
          }
        }
        const auto* ranges = a.as_object().if_contains("ranges");
        if (ranges == nullptr || !ranges->is_array()) continue;
        for (const auto& r : ranges->as_array()) {
          const auto* events = r.is_object() ? r.as_object().if_contains("events") : nullptr;
          if (events == nullptr || !events->is_array()) continue;
          for (const auto& e : events->as_array()) {
            if (!e.is_object()) continue;
            for (const auto& [key, value] : e.as_object()) {
              if (value.is_string() && value.as_string() != "0") {
                out.insert(std::string(value.as_string()));
              }
            }
          }
        }
      }
    }
  }

  void ReadSboms(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
      if (!entry.is_regular_file()) continue;
      std::string text = ReadAll(entry.path());
      for (size_t at = text.find("pkg:"); at != std::string::npos; at = text.find("pkg:", at + 4)) {
        size_t end = text.find_first_of("\"'<> \t\r\n&", at);
        StatusOr<PackageUrl> purl = ParsePackageUrl(std::string_view(text).substr(
            at, end == std::string::npos ? std::string::npos : end - at));
        if (purl.ok() && !purl->version.empty()) {
          by_purl_type_[purl->type].insert(purl->version);
        }
      }
    }
  }

  std::map<VersionScheme, std::set<std::string>> by_scheme_;
  std::map<std::string, std::set<std::string>> by_purl_type_;
};

// Mutates version strings the ways real ones differ from each other.
class Mutator {
 public:
  Mutator(const Reference& ref, uint64_t seed) : ref_(ref), rng_(seed) {}

  std::string Mutate(std::string v) {
    int steps = Uniform(1, 3);
    for (int i = 0; i < steps; ++i) v = MutateOnce(std::move(v));
    return Carriable(v) ? v : "1";
  }

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[static_cast<size_t>(Uniform(0, static_cast<int>(from.size()) - 1))];
  }

 private:
  char PickSeparator() {
    return ref_.separators[static_cast<size_t>(Uniform(0, ref_.separators.size() - 1))];
  }

  std::vector<size_t> Positions(const std::string& v, bool (*want)(char)) {
    std::vector<size_t> at;
    for (size_t i = 0; i < v.size(); ++i) {
      if (want(v[i])) at.push_back(i);
    }
    return at;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool IsOther(char c) { return !IsDigit(c) && !IsLetter(c); }

  std::string MutateOnce(std::string v) {
    switch (Uniform(0, 12)) {
      case 0:
      case 1:  // a qualifier, pre-release or revision
        return v + std::string(Pick(ref_.suffixes));
      case 2: {  // another separator in place of one
        auto at = Positions(v, IsOther);
        if (at.empty()) return v + PickSeparator() + std::to_string(Uniform(0, 3));
        size_t i = Pick(at);
        if (Uniform(0, 3) == 0) return v.erase(i, 1);
        v[i] = PickSeparator();
        return v;
      }
      case 3: {  // case
        int how = Uniform(0, 2);
        for (char& c : v) {
          if (!IsLetter(c)) continue;
          bool upper = how == 0 || (how == 2 && Uniform(0, 1) == 0);
          c = upper ? static_cast<char>(c & ~0x20) : static_cast<char>(c | 0x20);
        }
        return v;
      }
      case 4:  // a leading "v"
        return (Uniform(0, 3) == 0 ? "V" : "v") + v;
      case 5: {  // letters directly after a digit
        auto at = Positions(v, IsDigit);
        if (at.empty()) return v;
        static const std::vector<std::string> kLetters = {"a",    "b", "p", "z",  "rc", "p1", "a2",
                                                          "beta", "c", "x", "pl", "RC", "P"};
        return v.insert(Pick(at) + 1, Pick(kLetters));
      }
      case 6: {  // a very long number, or leading zeros
        auto at = Positions(v, IsDigit);
        if (at.empty()) return v;
        static const std::vector<std::string> kNumbers = {"99999999999999999999",
                                                          "18446744073709551616",
                                                          "4294967296",
                                                          "00",
                                                          "0",
                                                          "123456789012345678901234567890",
                                                          "2147483648"};
        return v.insert(Pick(at), Pick(kNumbers));
      }
      case 7: {  // an empty part
        auto at = Positions(v, IsOther);
        int how = Uniform(0, 2);
        if (how == 0 && !at.empty()) {
          size_t i = Pick(at);
          return v.insert(i, 1, v[i]);
        }
        return how == 1 ? v + PickSeparator() : std::string(1, PickSeparator()) + v;
      }
      case 8: {  // fewer numbers
        size_t cut = v.find_last_of(ref_.separators);
        return cut == std::string::npos || cut == 0 ? v : v.substr(0, cut);
      }
      case 9:  // more numbers
        return v + (Uniform(0, 1) ? ".0" : "." + std::to_string(Uniform(0, 12)));
      case 10: {  // a neighbouring number
        auto at = Positions(v, IsDigit);
        if (at.empty()) return v;
        size_t i = Pick(at);
        v[i] = static_cast<char>('0' + Uniform(0, 9));
        return v;
      }
      case 11: {  // letters after a separator become letters after the number, or the reverse
        for (size_t i = 1; i + 1 < v.size(); ++i) {
          if (IsOther(v[i]) && IsDigit(v[i - 1]) && IsLetter(v[i + 1])) return v.erase(i, 1);
        }
        for (size_t i = 1; i < v.size(); ++i) {
          if (IsDigit(v[i - 1]) && IsLetter(v[i])) return v.insert(i, 1, PickSeparator());
        }
        return v;
      }
      default:  // another version's tail
        return v + std::string(1, PickSeparator()) + std::to_string(Uniform(0, 20));
    }
  }

  const Reference& ref_;
  std::mt19937_64 rng_;
};

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

// The pairs for one reference: the fixture's own pairs, then generated ones.
std::vector<std::pair<std::string, std::string>> Pairs(const Reference& ref) {
  std::vector<std::string> pool = RealVersions::Get().For(ref);
  for (std::string_view t : ref.typical) pool.emplace_back(t);
  const int count = EnvInt("BULWARK_DIFFERENTIAL_PAIRS", ref.pairs);
  Mutator mutate(ref, static_cast<uint64_t>(EnvInt("BULWARK_DIFFERENTIAL_SEED", 20261202)));

  std::vector<std::pair<std::string, std::string>> pairs;
  if (!ref.fixture.empty()) {
    std::string path = testing::VersionFixturePath(std::string(ref.fixture));
    if (std::ifstream(path)) {
      for (const auto& line : testing::ReadVersionFixture(path)) {
        if (Carriable(line.a) && Carriable(line.b)) pairs.emplace_back(line.a, line.b);
      }
    }
  }
  for (int i = 0; i < count; ++i) {
    const std::string& base = mutate.Pick(pool);
    switch (mutate.Uniform(0, 9)) {
      case 0:
      case 1:
      case 2:
      case 3:  // a version against a mutation of itself
        pairs.emplace_back(base, mutate.Mutate(base));
        break;
      case 4:
      case 5:
      case 6:
      case 7: {  // two mutations of one version
        std::string a = mutate.Mutate(base);
        pairs.emplace_back(a, mutate.Mutate(base));
        break;
      }
      case 8:  // two versions of the pool
        pairs.emplace_back(base, mutate.Pick(pool));
        break;
      default:  // a mutation against another version's mutation
        pairs.emplace_back(mutate.Mutate(base), mutate.Mutate(mutate.Pick(pool)));
        break;
    }
  }
  return pairs;
}

char OpOf(int sign) { return sign < 0 ? '<' : sign > 0 ? '>' : '='; }

class DifferentialTest : public ::testing::TestWithParam<size_t> {};

TEST_P(DifferentialTest, AgreesWithTheReferenceImplementation) {
  const Reference& ref = References()[GetParam()];
  ASSERT_TRUE(fs::exists(std::string(ref.requires_path)))
      << ref.name << "'s reference implementation is not installed (" << ref.requires_path
      << " is missing): install the Debian packages " << ref.debian_packages
      << ", as scripts/install-deps.sh does";

  std::vector<std::pair<std::string, std::string>> pairs = Pairs(ref);
  testing::TempDir dir;
  const std::string input = dir.path() + "/pairs.tsv";
  {
    std::ofstream out(input);
    for (const auto& [a, b] : pairs) out << a << '\t' << b << '\n';
  }
  std::string output;
  int status = testing::RunShell(
      "cd '" + ReferenceDir() + "' && " + std::string(ref.command) + " < '" + input + "'", &output);
  ASSERT_EQ(status, 0) << ref.command << " failed";
  std::vector<std::string> answers;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) answers.push_back(line);
  ASSERT_EQ(answers.size(), pairs.size()) << ref.command << " answered a different number of pairs";

  const VersionOrdering& ours = OrderingFor(ref.scheme);
  int refused = 0, disagreements = 0;
  std::ostringstream shown;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [a, b] = pairs[i];
    if (answers[i] == "?") {
      ++refused;
      continue;
    }
    char theirs = answers[i].empty() ? '?' : answers[i][0];
    char mine = OpOf(ours.Compare(a, b));
    if (theirs == mine) continue;
    if (++disagreements <= 200) {
      shown << "  " << a << " " << theirs << " " << b << "  (ours: " << mine << ")\n";
    }
  }
  std::cout << ref.name << ": " << pairs.size() << " pairs, " << pairs.size() - refused
            << " compared, " << refused << " refused by the reference, " << disagreements
            << " disagreements\n";
  EXPECT_EQ(disagreements, 0) << ref.name << ": the reference's answer, then ours:\n"
                              << shown.str();
}

INSTANTIATE_TEST_SUITE_P(Ecosystems, DifferentialTest,
                         ::testing::Range<size_t>(0, References().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::string(References()[info.param].name);
                         });

}  // namespace
}  // namespace bulwark::vuln
