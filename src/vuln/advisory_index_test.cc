#include "vuln/advisory_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "testing/temp_dir.h"
#include "vuln/internal/index_layout.h"
#include "vuln/inventory_index.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

using Kind = RangeEvent::Kind;

AffectedRange Range(AffectedRange::Type type, std::vector<RangeEvent> events) {
  return AffectedRange{type, "", std::move(events)};
}

Advisory MakeAdvisory(std::string id, std::string ecosystem, std::string name,
                      std::vector<AffectedRange> ranges, std::vector<std::string> versions = {}) {
  Advisory a;
  a.id = std::move(id);
  a.modified = FromUnixMicros(1'000'000);
  a.aliases = {"CVE-2024-0001"};
  a.summary = "test advisory";
  AffectedPackage p;
  p.ecosystem = std::move(ecosystem);
  p.name = std::move(name);
  p.ranges = std::move(ranges);
  p.versions = std::move(versions);
  a.affected.push_back(std::move(p));
  return a;
}

PurlPackage Package(std::string ecosystem, std::string name, std::string version) {
  return PurlPackage{PackageKey{ecosystem, NormalizePackageName(ecosystem, name)},
                     std::move(version)};
}

AdvisoryIndex Build(const std::vector<Advisory>& advisories) {
  AdvisoryIndexBuilder builder;
  for (const Advisory& a : advisories) EXPECT_TRUE(builder.Add(a).ok()) << a.id;
  return std::move(builder).Finish();
}

std::vector<std::string> Ids(const std::vector<Finding>& findings) {
  std::vector<std::string> ids;
  for (const Finding& f : findings) ids.push_back(f.advisory_id);
  return ids;
}

// The package table's hash is part of the file format (docs/vulnerability-index.md): each string
// as 8-byte little-endian words, the last one zero-padded, then its length.
uint64_t DefinedPackageKeyHash(std::string_view ecosystem, std::string_view name) {
  uint64_t h = 0x243f6a8885a308d3u;
  auto mix = [&h](uint64_t word) {
    h = (h ^ word) * 0x9e3779b97f4a7c15u;
    h ^= h >> 29;
  };
  for (std::string_view s : {ecosystem, name}) {
    for (size_t i = 0; i <= s.size(); i += 8) {  // a length of 8k ends with a zero word
      uint64_t word = 0;
      for (size_t b = 0; b < 8 && i + b < s.size(); ++b) {
        word |= uint64_t{static_cast<unsigned char>(s[i + b])} << (8 * b);
      }
      mix(word);
    }
    mix(s.size());
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  return h;
}

TEST(AdvisoryIndex, PackageKeyHashIsTheFormatsHashForEveryLength) {
  std::string text = "github.com/\xe4\xf6/some-module/with/a/long/path/v2";
  for (size_t e = 0; e <= 17; ++e) {
    for (size_t n = 0; n <= text.size(); ++n) {
      std::string_view ecosystem = std::string_view(text).substr(text.size() - e);
      std::string_view name = std::string_view(text).substr(0, n);
      EXPECT_EQ(internal::PackageKeyHash(ecosystem, name), DefinedPackageKeyHash(ecosystem, name))
          << "ecosystem of " << e << " bytes, name of " << n;
    }
  }
}

TEST(AdvisoryIndex, IntroducedFixedInterval) {
  AdvisoryIndex index = Build({MakeAdvisory(
      "GO-1", "Go", "example.com/mod",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}, {Kind::kFixed, "1.6.0"}})})});
  auto match = [&](std::string v) {
    return index.Match(std::vector{Package("Go", "example.com/mod", v)});
  };
  ASSERT_EQ(match("v1.5.9").size(), 1u);
  EXPECT_TRUE(match("v1.6.0").empty());
  EXPECT_TRUE(match("v1.7.0").empty());
  EXPECT_EQ(match("v1.6.0-rc.1").size(), 1u);  // a prerelease of the fix is still affected
  Finding f = match("v1.2.3").front();
  EXPECT_EQ(f.range_type, "SEMVER");
  EXPECT_EQ(f.introduced, "0");
  EXPECT_EQ(f.fixed, "1.6.0");
  EXPECT_EQ(f.upgrade_to, "1.6.0");
  EXPECT_EQ(f.aliases, std::vector<std::string>{"CVE-2024-0001"});
  EXPECT_EQ(f.installed_version, "v1.2.3");
}

TEST(AdvisoryIndex, EventsInAnyOrderAndSeveralIntervals) {
  // Two affected intervals, events shuffled: [1.0, 1.2.5) and [2.0, 2.1.3).
  AdvisoryIndex index =
      Build({MakeAdvisory("GHSA-1", "npm", "left-pad",
                          {Range(AffectedRange::Type::kSemver, {{Kind::kFixed, "2.1.3"},
                                                                {Kind::kIntroduced, "1.0.0"},
                                                                {Kind::kIntroduced, "2.0.0"},
                                                                {Kind::kFixed, "1.2.5"}})})});
  auto affected = [&](std::string v) {
    return !index.Match(std::vector{Package("npm", "left-pad", v)}).empty();
  };
  EXPECT_FALSE(affected("0.9.0"));
  EXPECT_TRUE(affected("1.0.0"));
  EXPECT_TRUE(affected("1.2.4"));
  EXPECT_FALSE(affected("1.2.5"));
  EXPECT_FALSE(affected("1.9.9"));
  EXPECT_TRUE(affected("2.0.0"));
  EXPECT_FALSE(affected("2.1.3"));
  auto f = index.Match(std::vector{Package("npm", "left-pad", "2.0.1")});
  EXPECT_EQ(f.front().upgrade_to, "2.1.3");
  EXPECT_EQ(f.front().introduced, "2.0.0");
}

TEST(AdvisoryIndex, LastAffectedIsInclusiveAndLimitExclusive) {
  AdvisoryIndex index =
      Build({MakeAdvisory("PYSEC-1", "PyPI", "Django_REST",
                          {Range(AffectedRange::Type::kEcosystem,
                                 {{Kind::kIntroduced, "1.0"}, {Kind::kLastAffected, "1.4"}})}),
             MakeAdvisory("PYSEC-2", "PyPI", "django-rest",
                          {Range(AffectedRange::Type::kEcosystem,
                                 {{Kind::kIntroduced, "0"}, {Kind::kLimit, "2.0"}})})});
  auto ids = [&](std::string v) {
    return Ids(index.Match(std::vector{Package("PyPI", "django.rest", v)}));
  };
  EXPECT_EQ(ids("1.4"), (std::vector<std::string>{"PYSEC-1", "PYSEC-2"}));
  EXPECT_EQ(ids("1.4.0"), (std::vector<std::string>{"PYSEC-1", "PYSEC-2"}));  // PEP 440 equal
  EXPECT_EQ(ids("1.4.post1"), std::vector<std::string>{"PYSEC-2"});
  EXPECT_EQ(ids("2.0"), std::vector<std::string>{});
  EXPECT_EQ(ids("0.5"), std::vector<std::string>{"PYSEC-2"});
  // Neither gives a fixed version to upgrade to.
  EXPECT_EQ(index.Match(std::vector{Package("PyPI", "django-rest", "1.2")}).front().upgrade_to, "");
}

TEST(AdvisoryIndex, ListedVersionsAndGitRangesDoNotStopEvaluation) {
  Advisory a = MakeAdvisory(
      "OSV-1", "PyPI", "pkg",
      {AffectedRange{AffectedRange::Type::kGit,
                     "https://example.com/repo.git",
                     {{Kind::kIntroduced, "0"}, {Kind::kFixed, "abc123"}}},
       Range(AffectedRange::Type::kEcosystem, {{Kind::kIntroduced, "3.0"}, {Kind::kFixed, "3.1"}})},
      {"1.0", "2.0"});
  AdvisoryIndex index = Build({a});
  auto match = [&](std::string v) { return index.Match(std::vector{Package("PyPI", "pkg", v)}); };
  ASSERT_EQ(match("2.0").size(), 1u);
  EXPECT_EQ(match("2.0").front().range_type, "versions");
  EXPECT_EQ(match("2.0.0").size(), 1u);  // equal in PEP 440
  EXPECT_TRUE(match("1.5").empty());
  EXPECT_EQ(match("3.0.5").front().range_type, "ECOSYSTEM");
  EXPECT_EQ(match("3.0.5").front().upgrade_to, "3.1");
}

TEST(AdvisoryIndex, UpgradeTargetSkipsFixesThatAreAffectedAgain) {
  // Fixed in 1.1 but reintroduced in 1.1 by a second range; the next real fix is 1.3.
  Advisory a = MakeAdvisory(
      "GHSA-2", "npm", "pkg",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}, {Kind::kFixed, "1.1.0"}}),
       Range(AffectedRange::Type::kSemver,
             {{Kind::kIntroduced, "1.1.0"}, {Kind::kFixed, "1.3.0"}})});
  AdvisoryIndex index = Build({a});
  auto f = index.Match(std::vector{Package("npm", "pkg", "1.0.0")});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.front().upgrade_to, "1.3.0");
}

TEST(AdvisoryIndex, DistributionReleasesAreKeptApart) {
  AdvisoryIndex index = Build(
      {MakeAdvisory("DSA-1", "Debian:12", "openssl",
                    {Range(AffectedRange::Type::kEcosystem,
                           {{Kind::kIntroduced, "0"}, {Kind::kFixed, "3.0.11-1~deb12u1"}})}),
       MakeAdvisory("USN-1", "Ubuntu:22.04:LTS", "openssl",
                    {Range(AffectedRange::Type::kEcosystem,
                           {{Kind::kIntroduced, "0"}, {Kind::kFixed, "3.0.2-0ubuntu1.10"}})})});
  EXPECT_EQ(Ids(index.Match(std::vector{Package("Debian:12", "openssl", "3.0.9-1")})),
            std::vector<std::string>{"DSA-1"});
  EXPECT_TRUE(index.Match(std::vector{Package("Debian:11", "openssl", "1.1.1n-0")}).empty());
  EXPECT_TRUE(index.Match(std::vector{Package("Debian", "openssl", "1.1.1n-0")}).empty());
  EXPECT_EQ(Ids(index.Match(std::vector{Package("Ubuntu:22.04", "openssl", "3.0.2-0ubuntu1.9")})),
            std::vector<std::string>{"USN-1"});
  // dpkg order: ~ sorts before everything.
  EXPECT_EQ(index.Match(std::vector{Package("Debian:12", "openssl", "3.0.11-1~deb12u0")}).size(),
            1u);
  EXPECT_TRUE(index.Match(std::vector{Package("Debian:12", "openssl", "3.0.11-1")}).empty());
}

TEST(AdvisoryIndex, NewerModifiedWinsAndWithdrawnIsDropped) {
  Advisory old_record = MakeAdvisory(
      "GHSA-3", "npm", "a",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}, {Kind::kFixed, "1.0.0"}})});
  Advisory newer = old_record;
  newer.modified = FromUnixMicros(2'000'000);
  newer.affected[0].ranges[0].events[1].version = "2.0.0";
  Advisory withdrawn = MakeAdvisory(
      "GHSA-4", "npm", "a", {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}})});
  withdrawn.withdrawn = FromUnixMicros(3'000'000);

  AdvisoryIndexBuilder builder;
  ASSERT_TRUE(builder.Add(newer).ok());
  ASSERT_TRUE(builder.Add(old_record).ok());  // older: ignored
  ASSERT_TRUE(builder.Add(withdrawn).ok());
  EXPECT_EQ(builder.advisory_count(), 1u);
  EXPECT_EQ(builder.withdrawn_count(), 1u);
  AdvisoryIndex index = std::move(builder).Finish();
  auto f = index.Match(std::vector{Package("npm", "a", "1.5.0")});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.front().fixed, "2.0.0");
}

TEST(AdvisoryIndex, SupersededTextIsNotKept) {
  Advisory old_record = MakeAdvisory(
      "GHSA-5", "npm", "a",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}, {Kind::kFixed, "1.0.0"}})});
  old_record.summary = "an outdated summary that a newer record replaces";
  Advisory newer = old_record;
  newer.modified = FromUnixMicros(2'000'000);
  newer.summary = "the current summary";

  AdvisoryIndexBuilder builder;
  ASSERT_TRUE(builder.Add(old_record).ok());
  ASSERT_TRUE(builder.Add(newer).ok());
  AdvisoryIndex index = std::move(builder).Finish();
  EXPECT_EQ(index.bytes().find(old_record.summary), std::string_view::npos);
  auto f = index.Match(std::vector{Package("npm", "a", "0.5.0")});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.front().summary, "the current summary");
  EXPECT_EQ(f.front().aliases, std::vector<std::string>{"CVE-2024-0001"});
  // The layout survives a save and a load.
  StatusOr<AdvisoryIndex> loaded = AdvisoryIndex::FromBytes(index.bytes());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->Match(std::vector{Package("npm", "a", "0.5.0")}).size(), 1u);
}

TEST(AdvisoryIndex, OneFindingPerAdvisoryAndDeterministicOrder) {
  Advisory a = MakeAdvisory(
      "GHSA-5", "npm", "b",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}, {Kind::kFixed, "9.0.0"}})});
  a.affected.push_back(a.affected[0]);  // the same package twice, as some databases do
  Advisory c = MakeAdvisory("GHSA-0", "npm", "b",
                            {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}})});
  AdvisoryIndex index = Build({a, c});
  std::vector<PurlPackage> packages = {Package("npm", "b", "1.0.0"), Package("npm", "zzz", "1"),
                                       Package("npm", "b", "")};
  std::vector<Finding> findings = index.Match(packages);
  EXPECT_EQ(Ids(findings), (std::vector<std::string>{"GHSA-0", "GHSA-5"}));
  EXPECT_EQ(findings[0].package, 0u);
}

TEST(AdvisoryIndex, SaveAndLoadRoundTrip) {
  testing::TempDir dir;
  AdvisoryIndex index = Build({MakeAdvisory(
      "GO-9", "Go", "m", {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "1.0.0"}})})});
  std::string path = dir.path() + "/advisories.idx";
  ASSERT_TRUE(index.Save(path).ok());
  StatusOr<AdvisoryIndex> loaded = AdvisoryIndex::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->advisory_count(), 1u);
  EXPECT_EQ(loaded->bytes(), index.bytes());
  EXPECT_EQ(loaded->Match(std::vector{Package("Go", "m", "v1.2.0")}).size(), 1u);
}

TEST(AdvisoryIndex, CorruptFilesAreErrorsNotCrashes) {
  AdvisoryIndex index = Build({MakeAdvisory(
      "GO-9", "Go", "m",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "1.0.0"}, {Kind::kFixed, "2"}})},
      {"0.5.0"})});
  std::string bytes(index.bytes());
  EXPECT_FALSE(AdvisoryIndex::FromBytes("").ok());
  EXPECT_FALSE(AdvisoryIndex::FromBytes("not an index at all, just some text here....").ok());
  EXPECT_FALSE(AdvisoryIndex::FromBytes(bytes.substr(0, bytes.size() - 8)).ok());
  // Flip every byte in turn: each is caught by the checksum or the bounds checks, or (in the
  // header's checksum field itself) reported as a mismatch.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    StatusOr<AdvisoryIndex> loaded = AdvisoryIndex::FromBytes(damaged);
    EXPECT_FALSE(loaded.ok()) << "byte " << i;
  }
  testing::TempDir dir;
  EXPECT_EQ(AdvisoryIndex::Load(dir.path() + "/missing.idx").status().code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(AdvisoryIndex::Load(dir.path()).ok());
}

TEST(AdvisoryIndex, EmptyIndexMatchesNothing) {
  AdvisoryIndex index;
  EXPECT_EQ(index.advisory_count(), 0u);
  EXPECT_TRUE(index.Match(std::vector{Package("npm", "a", "1.0.0")}).empty());
}

// The OSV evaluation done directly on a range's events, as the specification states it: walk
// the events in version order ("introduced": "0" first, an introduction first among equals);
// an introduction at or below the version opens, a fix or limit at or below it closes, a
// last_affected below it closes.
bool DirectlyInRange(const VersionOrdering& order, const AffectedRange& range,
                     const std::string& v) {
  std::vector<RangeEvent> events = range.events;
  auto zero = [](const RangeEvent& e) { return e.kind == Kind::kIntroduced && e.version == "0"; };
  std::stable_sort(events.begin(), events.end(), [&](const RangeEvent& a, const RangeEvent& b) {
    if (zero(a) != zero(b)) return zero(a);
    if (zero(a)) return false;
    int c = order.Compare(a.version, b.version);
    if (c != 0) return c < 0;
    return a.kind == Kind::kIntroduced && b.kind != Kind::kIntroduced;
  });
  bool affected = false;
  for (const RangeEvent& e : events) {
    int c = zero(e) ? 1 : order.Compare(v, e.version);
    switch (e.kind) {
      case Kind::kIntroduced:
        if (c >= 0) affected = true;
        break;
      case Kind::kFixed:
      case Kind::kLimit:
        if (c >= 0) affected = false;
        break;
      case Kind::kLastAffected:
        if (c > 0) affected = false;
        break;
    }
  }
  return affected;
}

bool DirectlyAffects(const AffectedPackage& p, const std::string& v) {
  std::optional<VersionScheme> scheme = SchemeForEcosystem(p.ecosystem);
  for (const std::string& listed : p.versions) {
    if (scheme ? OrderingFor(*scheme).Compare(listed, v) == 0 : listed == v) return true;
  }
  for (const AffectedRange& range : p.ranges) {
    if (range.type == AffectedRange::Type::kSemver &&
        DirectlyInRange(OrderingFor(VersionScheme::kSemVer), range, v)) {
      return true;
    }
    if (range.type == AffectedRange::Type::kEcosystem && scheme &&
        DirectlyInRange(OrderingFor(*scheme), range, v)) {
      return true;
    }
  }
  return false;
}

// Random advisories in several orders, with SEMVER and ECOSYSTEM ranges in one package, listed
// versions equal in the order but spelled differently, events in any order and several
// entries of one advisory for one package: the index finds exactly what the direct evaluation
// finds, in advisory order.
TEST(AdvisoryIndex, AgreesWithDirectEvaluationOnRandomAdvisories) {
  struct Ecosystem {
    std::string name;
    std::vector<std::string> versions;  // bounds and installed versions are drawn from these
  };
  const std::vector<Ecosystem> ecosystems = {
      {"npm",
       {"0.1.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "2.0.0-beta", "2.0.0",
        "10.0.0", "v1.0.0"}},
      {"PyPI",
       {"0.9", "1.0.dev1", "1.0rc1", "1.0", "1.0.0", "1.0.post1", "1.1", "2!0.5", "2.0", "1.0.0.0",
        "not a version"}},
      {"Debian:12",
       {"1.0-1", "1.0-1~deb12u1", "1.0-2", "1:0.5-1", "2.0-1", "2.0~rc1-1", "0:1.0-1"}},
      {"Maven",
       {"1.0", "1.0-SNAPSHOT", "1.0.1", "1.1-beta", "1.1", "2.0.RELEASE", "1.0.0", "1-ga"}},
      {"OSS-Fuzz", {"a", "b", "c", "a1"}},
  };
  std::mt19937_64 rng(20261122);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  auto chance = [&](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
  };
  for (int round = 0; round < 300; ++round) {
    const Ecosystem& eco = ecosystems[round % ecosystems.size()];
    std::vector<Advisory> advisories;
    for (int a = 0; a < 12; ++a) {
      Advisory advisory;
      advisory.id = "ADV-" + std::to_string(100 + a);
      advisory.modified = FromUnixMicros(1'000'000);
      int entries = chance(20) ? 2 : 1;
      for (int e = 0; e < entries; ++e) {
        AffectedPackage p;
        p.ecosystem = eco.name;
        p.name = "pkg";
        int ranges = std::uniform_int_distribution<int>(0, 2)(rng);
        for (int r = 0; r < ranges; ++r) {
          AffectedRange range;
          range.type = chance(30) ? AffectedRange::Type::kSemver : AffectedRange::Type::kEcosystem;
          int events = std::uniform_int_distribution<int>(1, 4)(rng);
          for (int k = 0; k < events; ++k) {
            auto kind = static_cast<Kind>(std::uniform_int_distribution<int>(0, 3)(rng));
            std::string version =
                kind == Kind::kIntroduced && chance(30) ? "0" : pick(eco.versions);
            range.events.push_back({kind, version});
          }
          p.ranges.push_back(std::move(range));
        }
        int listed = chance(50) ? std::uniform_int_distribution<int>(1, 3)(rng) : 0;
        for (int k = 0; k < listed; ++k) p.versions.push_back(pick(eco.versions));
        advisory.affected.push_back(std::move(p));
      }
      advisories.push_back(std::move(advisory));
    }
    AdvisoryIndex index = Build(advisories);
    std::vector<std::string> installed = eco.versions;
    installed.insert(installed.end(), {"0", "0.0.1", "99", "1.0.0-rc.1+build", ""});
    for (const std::string& v : installed) {
      std::vector<std::string> expected;
      for (const Advisory& advisory : advisories) {
        if (v.empty()) break;  // an empty version matches nothing
        for (const AffectedPackage& p : advisory.affected) {
          if (DirectlyAffects(p, v)) {
            expected.push_back(advisory.id);
            break;
          }
        }
      }
      EXPECT_EQ(Ids(index.Match(std::vector{Package(eco.name, "pkg", v)})), expected)
          << eco.name << " " << v << " in round " << round;
    }
  }
}

TEST(InventoryIndex, ReverseQueryAgreesWithForwardMatch) {
  InventoryIndex inventories;
  inventories.Add("op-1", std::vector{Package("npm", "a", "1.0.0"), Package("npm", "b", "2.0.0")});
  inventories.Add("op-2", std::vector{Package("npm", "a", "1.5.0"), Package("npm", "a", "3.0.0")});
  inventories.Add("op-3", std::vector{Package("PyPI", "a", "1.0.0")});
  Advisory advisory = MakeAdvisory(
      "GHSA-7", "npm", "a",
      {Range(AffectedRange::Type::kSemver, {{Kind::kIntroduced, "0"}, {Kind::kFixed, "2.0.0"}})});
  StatusOr<std::vector<InventoryMatch>> matches = inventories.Affected(advisory);
  ASSERT_TRUE(matches.ok());
  ASSERT_EQ(matches->size(), 2u);
  EXPECT_EQ((*matches)[0].finding.installed_version, "1.0.0");
  EXPECT_EQ((*matches)[0].components, (std::vector<InventoryComponentRef>{{0, 0}}));
  EXPECT_EQ((*matches)[1].finding.installed_version, "1.5.0");
  EXPECT_EQ((*matches)[1].components, (std::vector<InventoryComponentRef>{{1, 0}}));
  EXPECT_EQ(inventories.inventory_id(1), "op-2");
  EXPECT_EQ((*matches)[0].finding.upgrade_to, "2.0.0");
}

}  // namespace
}  // namespace bulwark::vuln
