#include "vuln/advisory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/time_format.h"

namespace bulwark::vuln {
namespace {

const std::string kGoCorpus = std::string(BULWARK_SOURCE_DIR) + "/../shared/corpora/osv/go";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Time At(std::string_view rfc3339) { return ParseRfc3339(rfc3339).value(); }

// A record with every field the parser reads, in the shape GitHub's and the distributions'
// feeds write them.
constexpr std::string_view kFullRecord = R"json({
  "schema_version": "1.7.0",
  "id": "GHSA-abcd-efgh-ijkl",
  "modified": "2024-05-01T10:20:30.123456Z",
  "published": "2024-04-01T00:00:00Z",
  "aliases": ["CVE-2024-0001"],
  "related": ["CVE-2024-0002"],
  "upstream": ["CVE-2024-0003"],
  "summary": "Out-of-bounds read in libexample",
  "details": "ignored by the parser, kept in the JSON",
  "severity": [
    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
    {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}
  ],
  "affected": [
    {
      "package": {"ecosystem": "PyPI", "name": "example", "purl": "pkg:pypi/example"},
      "severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}],
      "ranges": [
        {"type": "ECOSYSTEM", "events": [{"fixed": "1.2"}, {"introduced": "0"},
                                         {"introduced": "2.0"}, {"fixed": "2.1"}]}
      ],
      "versions": ["1.0", "1.1", "2.0"],
      "database_specific": {"severity": "MODERATE"}
    },
    {
      "package": {"ecosystem": "Debian:12", "name": "libexample"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                  {"last_affected": "1.4-2"}]}],
      "ecosystem_specific": {"severity": "high"}
    },
    {
      "package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "libexample"},
      "severity": [{"type": "Ubuntu", "score": "medium"}],
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.4-3ubuntu1"}]}]
    },
    {
      "ranges": [{"type": "GIT", "repo": "https://example.org/libexample.git",
                  "events": [{"introduced": "a1b2c3"}, {"limit": "d4e5f6"}]}]
    }
  ],
  "references": [{"type": "WEB", "url": "https://example.org"}],
  "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-125"]},
  "a_field_from_a_later_schema": {"anything": [1, 2, 3]}
})json";

TEST(ParseOsvAdvisory, ReadsEveryField) {
  StatusOr<Advisory> parsed = ParseOsvAdvisory(kFullRecord);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Advisory& a = *parsed;
  EXPECT_EQ(a.id, "GHSA-abcd-efgh-ijkl");
  EXPECT_EQ(a.schema_version, "1.7.0");
  EXPECT_EQ(a.modified, At("2024-05-01T10:20:30.123456Z"));
  EXPECT_EQ(a.published, At("2024-04-01T00:00:00Z"));
  EXPECT_EQ(a.withdrawn, std::nullopt);
  EXPECT_EQ(a.aliases, std::vector<std::string>{"CVE-2024-0001"});
  EXPECT_EQ(a.related, std::vector<std::string>{"CVE-2024-0002"});
  EXPECT_EQ(a.upstream, std::vector<std::string>{"CVE-2024-0003"});
  EXPECT_EQ(a.summary, "Out-of-bounds read in libexample");
  ASSERT_EQ(a.severity.size(), 2u);
  EXPECT_EQ(a.severity[1].type, "CVSS_V4");
  EXPECT_EQ(a.rating, "HIGH");
  ASSERT_EQ(a.affected.size(), 4u);

  const AffectedPackage& pypi = a.affected[0];
  EXPECT_EQ(pypi.ecosystem, "PyPI");
  EXPECT_EQ(pypi.name, "example");
  EXPECT_EQ(pypi.purl, "pkg:pypi/example");
  EXPECT_EQ(pypi.severity, (std::vector<SeverityScore>{{"CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}));
  EXPECT_EQ(pypi.versions, (std::vector<std::string>{"1.0", "1.1", "2.0"}));
  EXPECT_EQ(pypi.rating, "MODERATE");
  ASSERT_EQ(pypi.ranges.size(), 1u);
  EXPECT_EQ(pypi.ranges[0].type, AffectedRange::Type::kEcosystem);
  // Events keep the record's order, which need not be sorted.
  using Kind = RangeEvent::Kind;
  EXPECT_EQ(pypi.ranges[0].events, (std::vector<RangeEvent>{{Kind::kFixed, "1.2"},
                                                            {Kind::kIntroduced, "0"},
                                                            {Kind::kIntroduced, "2.0"},
                                                            {Kind::kFixed, "2.1"}}));

  EXPECT_EQ(a.affected[1].ecosystem, "Debian:12");
  EXPECT_EQ(a.affected[1].rating, "high");
  EXPECT_EQ(a.affected[1].ranges[0].events[1], (RangeEvent{Kind::kLastAffected, "1.4-2"}));
  EXPECT_EQ(a.affected[2].ecosystem, "Ubuntu:22.04:LTS");
  EXPECT_EQ(a.affected[2].severity[0], (SeverityScore{"Ubuntu", "medium"}));
  EXPECT_EQ(a.affected[2].rating, "");

  const AffectedPackage& git = a.affected[3];
  EXPECT_EQ(git.ecosystem, "");
  ASSERT_EQ(git.ranges.size(), 1u);
  EXPECT_EQ(git.ranges[0].type, AffectedRange::Type::kGit);
  EXPECT_EQ(git.ranges[0].repo, "https://example.org/libexample.git");
  EXPECT_EQ(git.ranges[0].events[1], (RangeEvent{Kind::kLimit, "d4e5f6"}));
}

TEST(ParseOsvAdvisory, MinimalRecordAndNullLists) {
  StatusOr<Advisory> a = ParseOsvAdvisory(
      R"({"id": "OSV-2020-111", "modified": "2021-01-01T00:00:00+01:00", "aliases": null,
          "affected": null, "severity": null, "withdrawn": "2021-02-01T00:00:00Z"})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->modified, At("2020-12-31T23:00:00Z"));
  EXPECT_EQ(a->withdrawn, At("2021-02-01T00:00:00Z"));
  EXPECT_TRUE(a->aliases.empty());
  EXPECT_TRUE(a->affected.empty());
  EXPECT_EQ(a->schema_version, "");
}

TEST(ParseOsvAdvisory, IdsOfRealDatabasesAreAccepted) {
  for (const char* id :
       {"GO-2020-0001", "GHSA-vp9c-fpxx-744v", "RHSA-2024:1234", "openEuler-SA-2024-1001",
        "PUB-A-123456", "DSA-5000-1", "RUSTSEC-2021-0001", "CVE-2021-3114", "BIT-apache-2023-1"}) {
    std::string json =
        std::string(R"({"id": ")") + id + R"(", "modified": "2024-01-01T00:00:00Z"})";
    StatusOr<Advisory> a = ParseOsvAdvisory(json);
    EXPECT_TRUE(a.ok()) << id << ": " << a.status().ToString();
  }
}

struct InvalidCase {
  std::string_view json;
  std::string_view message;  // the error begins with it: the field's path and the problem
};

TEST(ParseOsvAdvisory, InvalidRecordsNameTheFieldAndTheProblem) {
  const InvalidCase cases[] = {
      {R"([])", "an OSV record must be a JSON object"},
      {R"({"id": "GO-1", "modified": )", "malformed JSON at line 1"},
      {R"({"modified": "2024-01-01T00:00:00Z"})", "id: is required"},
      {R"({"id": 7, "modified": "2024-01-01T00:00:00Z"})", "id: must be a string"},
      {R"({"id": "NODASH", "modified": "2024-01-01T00:00:00Z"})", "id: 'NODASH' is not an OSV id"},
      {R"({"id": "GO-", "modified": "2024-01-01T00:00:00Z"})", "id: 'GO-' is not an OSV id"},
      {R"({"id": "-GO-1", "modified": "2024-01-01T00:00:00Z"})", "id: '-GO-1' is not an OSV id"},
      {R"({"id": "GO-1/../x", "modified": "2024-01-01T00:00:00Z"})", "id: may contain only"},
      {R"({"id": "GO-1\u001b[2J", "modified": "2024-01-01T00:00:00Z"})",
       "id: must not contain control characters"},
      {R"({"id": "GO-1"})", "modified: is required"},
      {R"({"id": "GO-1", "modified": "2024-01-01"})", "modified: '2024-01-01' is not an RFC 3339"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "published": 5})",
       "published: must be an RFC 3339 date-time string"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "withdrawn": "yesterday"})",
       "withdrawn: 'yesterday' is not an RFC 3339"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "aliases": "CVE-1"})",
       "aliases: must be an array"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-1", 2]})",
       "aliases[1]: must be a non-empty string"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "related": [{"type": "X"}]})",
       "related[0].id: is required"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "upstream": [""]})",
       "upstream[0]: must be a non-empty string"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "summary": ["x"]})",
       "summary: must be a string"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "severity": [{"type": "CVSS_V9", "score": "x"}]})",
       "severity[0].type: 'CVSS_V9' is not a severity type"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "severity": [{"type": "CVSS_V3"}]})",
       "severity[0].score: is required"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "affected": [3]})",
       "affected[0]: must be an object"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"package": {"name": "x"}}]})",
       "affected[0].package.ecosystem: is required"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"package": {"ecosystem": "Go", "name": ""}}]})",
       "affected[0].package.name: must not be empty"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"package": {"ecosystem": "Go", "name": "a\u0000b"}}]})",
       "affected[0].package.name: must not contain control characters"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]},
                                    {"type": "NPM", "events": [{"introduced": "0"}]}]}]})",
       "affected[0].ranges[1].type: 'NPM' is not a range type (SEMVER, ECOSYSTEM, GIT)"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "GIT", "events": [{"introduced": "abc"}]}]}]})",
       "affected[0].ranges[0].repo: is required"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER"}]}]})",
       "affected[0].ranges[0].events: a range needs at least one event"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}]}]})",
       "affected[0].ranges[0].events: a range needs an 'introduced' event"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER", "events": [
               {"introduced": "0"}, {"fixed": "1.0.0"}, {"last_affected": "2.0.0"}]}]}]})",
       "affected[0].ranges[0].events: a range may not have both 'fixed' and 'last_affected'"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER", "events": [
               {"introduced": "0"}, {"fixed": "1.0.0"}, {"introduced": "2.0.0", "fixed": "3"}]}]}]})",
       "affected[0].ranges[0].events[2]: an event needs exactly one of introduced, fixed, "
       "last_affected, limit"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {}]}]}]})",
       "affected[0].ranges[0].events[1]: an event needs exactly one of"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": 0}]}]}]})",
       "affected[0].ranges[0].events[0].introduced: must be a non-empty version string"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"versions": ["1.0", null]}]})",
       "affected[0].versions[1]: must be a non-empty string"},
      {R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z",
           "affected": [{"severity": [{"type": "CVSS_V3", "score": ""}]}]})",
       "affected[0].severity[0].score: must not be empty"},
  };
  for (const InvalidCase& c : cases) {
    StatusOr<Advisory> a = ParseOsvAdvisory(c.json);
    ASSERT_FALSE(a.ok()) << c.json;
    EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(a.status().message().substr(0, c.message.size()), c.message)
        << "got: " << a.status().message();
  }
}

TEST(ParseOsvAdvisory, BoundsTheIdAndNesting) {
  std::string long_id = "GO-" + std::string(200, '1');
  StatusOr<Advisory> a =
      ParseOsvAdvisory(R"({"id": ")" + long_id + R"(", "modified": "2024-01-01T00:00:00Z"})");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "id: is longer than 128 characters");
  std::string deep = R"({"id": "GO-1", "modified": "2024-01-01T00:00:00Z", "x": )" +
                     std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_FALSE(ParseOsvAdvisory(deep).ok());
}

TEST(ParseOsvAdvisory, GoCorpusRecordsHaveTheirValues) {
  if (!std::filesystem::exists(kGoCorpus)) {
    GTEST_SKIP() << "../shared/corpora/osv/go is absent; skipping the corpus checks";
  }
  StatusOr<Advisory> first = ParseOsvAdvisory(ReadFile(kGoCorpus + "/GO-2020-0001.json"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->id, "GO-2020-0001");
  EXPECT_EQ(first->schema_version, "1.3.1");
  EXPECT_EQ(first->modified, At("0001-01-01T00:00:00Z"));
  EXPECT_EQ(first->published, At("2021-04-14T20:04:52Z"));
  EXPECT_EQ(first->aliases, (std::vector<std::string>{"CVE-2020-36567", "GHSA-6vm3-jj99-7229"}));
  EXPECT_EQ(first->summary, "Arbitrary log line injection in github.com/gin-gonic/gin");
  ASSERT_EQ(first->affected.size(), 1u);
  EXPECT_EQ(first->affected[0].ecosystem, "Go");
  EXPECT_EQ(first->affected[0].name, "github.com/gin-gonic/gin");
  EXPECT_EQ(first->affected[0].ranges,
            (std::vector<AffectedRange>{
                {AffectedRange::Type::kSemver,
                 "",
                 {{RangeEvent::Kind::kIntroduced, "0"}, {RangeEvent::Kind::kFixed, "1.6.0"}}}}));
  EXPECT_EQ(first->rating, "");

  StatusOr<Advisory> withdrawn = ParseOsvAdvisory(ReadFile(kGoCorpus + "/GO-2022-0617.json"));
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status().ToString();
  EXPECT_EQ(withdrawn->withdrawn, At("2024-08-21T16:25:56Z"));
  EXPECT_EQ(withdrawn->affected[0].ranges[0].events,
            (std::vector<RangeEvent>{{RangeEvent::Kind::kIntroduced, "0"}}));

  StatusOr<Advisory> related = ParseOsvAdvisory(ReadFile(kGoCorpus + "/GO-2020-0050.json"));
  ASSERT_TRUE(related.ok()) << related.status().ToString();
  EXPECT_EQ(related->related,
            (std::vector<std::string>{"CVE-2020-26290", "CVE-2020-27847", "GHSA-2x32-jm95-2cpx",
                                      "GHSA-m9hp-7r99-94h5"}));
}

TEST(ParseOsvAdvisory, WholeGoCorpusParses) {
  if (!std::filesystem::exists(kGoCorpus)) {
    GTEST_SKIP() << "../shared/corpora/osv/go is absent; skipping the corpus checks";
  }
  int parsed = 0;
  std::vector<std::string> problems;
  for (const auto& entry : std::filesystem::directory_iterator(kGoCorpus)) {
    if (entry.path().extension() != ".json") continue;
    StatusOr<Advisory> a = ParseOsvAdvisory(ReadFile(entry.path()));
    if (!a.ok()) {
      problems.push_back(entry.path().filename().string() + ": " + a.status().message());
      continue;
    }
    EXPECT_EQ(a->id + ".json", entry.path().filename().string());
    ++parsed;
  }
  EXPECT_EQ(parsed, 4291);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, first: " << problems.front();
}

}  // namespace
}  // namespace bulwark::vuln
