// `bulwark scan` as a user runs it: a real SBOM from ../shared against the real Go advisory
// corpus, in every output format, from advisories and from a saved index, with the exit
// statuses a CI pipeline relies on.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {
namespace {

namespace json = boost::json;

const std::string kShared = std::string(BULWARK_SOURCE_DIR) + "/../shared";
const std::string kGoCorpus = kShared + "/corpora/osv/go";
const std::string kProtonJson =
    kShared + "/corpora/sbom/cyclonedx/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.json";
const std::string kProtonXml =
    kShared + "/corpora/sbom/cyclonedx/SBOM/proton-bridge/proton-bridge-v1.6.3.bom.xml";
const std::string kLaravel = kShared + "/corpora/sbom/cyclonedx/SBOM/laravel-7.12.0/bom.1.4.json";

// Runs `bulwark ARGS`, keeping standard output only.
int Scan(const std::string& args, std::string* out) {
  return testing::RunShell(std::string(BULWARK_BINARY) + " scan " + args + " 2>/dev/null", out);
}

class ScanCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kGoCorpus) || !std::filesystem::exists(kProtonJson)) {
      GTEST_SKIP() << kShared << " (the Go corpus and the SBOMs) is absent; skipping";
    }
  }
};

TEST_F(ScanCliTest, FindsKnownVulnerabilitiesInARealSbom) {
  std::string out;
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format json", &out), 1);
  json::value report = json::parse(out);
  const json::array& findings = report.at("findings").as_array();
  ASSERT_FALSE(findings.empty());
  // gin v1.4.0 is affected by GO-2020-0001 (fixed in 1.6.0).
  bool gin = false;
  std::set<std::pair<std::string, std::string>> seen;
  for (const json::value& f : findings) {
    std::string purl(f.at("component").at("purl").as_string());
    std::string advisory(f.at("advisory").as_string());
    EXPECT_TRUE(seen.insert({purl, advisory}).second) << "duplicate finding " << purl;
    if (advisory == "GO-2020-0001") {
      gin = true;
      EXPECT_EQ(purl, "pkg:golang/github.com/gin-gonic/gin@v1.4.0");
      EXPECT_EQ(f.at("upgrade_to").as_string(), "1.6.0");
      EXPECT_EQ(f.at("range").at("fixed").as_string(), "1.6.0");
      EXPECT_EQ(f.at("aliases").as_array().front().as_string(), "CVE-2020-36567");
    }
  }
  EXPECT_TRUE(gin);
  EXPECT_EQ(report.at("components").as_int64(),
            report.at("matched_components").as_int64() +
                static_cast<int64_t>(report.at("unmatched").as_array().size()));
}

TEST_F(ScanCliTest, JsonAndXmlOfOneSbomGiveTheSameFindings) {
  std::string from_json, from_xml;
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format json", &from_json), 1);
  ASSERT_EQ(Scan(kProtonXml + " --advisories " + kGoCorpus + " --format json", &from_xml), 1);
  EXPECT_EQ(json::parse(from_json).at("findings"), json::parse(from_xml).at("findings"));
}

TEST_F(ScanCliTest, SavedIndexGivesTheSameAnswer) {
  testing::TempDir dir;
  std::string index = dir.path() + "/go.idx";
  std::string out;
  ASSERT_EQ(
      testing::RunShell(
          std::string(BULWARK_BINARY) + " advisories index -o " + index + " " + kGoCorpus, &out),
      0)
      << out;
  std::string from_index, from_corpus;
  ASSERT_EQ(Scan(kProtonJson + " --index " + index + " --format json", &from_index), 1);
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format json", &from_corpus), 1);
  EXPECT_EQ(json::parse(from_index).at("findings"), json::parse(from_corpus).at("findings"));

  // A damaged index is an error (exit 2), never a wrong answer.
  {
    std::fstream f(index, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    f.put('\x7f');
  }
  EXPECT_EQ(Scan(kProtonJson + " --index " + index, &out), 2);
}

TEST_F(ScanCliTest, VexNamesComponentsByTheInputsOwnBomRefs) {
  std::string out;
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format cyclonedx-vex", &out), 1);
  json::value vex = json::parse(out);
  EXPECT_EQ(vex.at("bomFormat").as_string(), "CycloneDX");
  EXPECT_EQ(vex.at("specVersion").as_string(), "1.6");

  std::ifstream in(kProtonJson);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json::value sbom = json::parse(text);
  std::set<std::string> refs;
  for (const json::value& c : sbom.at("components").as_array()) {
    refs.insert(std::string(c.at("bom-ref").as_string()));
  }
  std::string serial(sbom.at("serialNumber").as_string());
  std::string prefix = "urn:cdx:" + serial.substr(9) + "/1#";
  size_t affects = 0;
  for (const json::value& v : vex.at("vulnerabilities").as_array()) {
    for (const json::value& a : v.at("affects").as_array()) {
      std::string ref(a.at("ref").as_string());
      ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
      // Undo the fragment's percent-encoding and find the bom-ref in the input.
      std::string fragment = ref.substr(prefix.size()), decoded;
      for (size_t i = 0; i < fragment.size(); ++i) {
        if (fragment[i] == '%' && i + 2 < fragment.size()) {
          decoded.push_back(static_cast<char>(std::stoi(fragment.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          decoded.push_back(fragment[i]);
        }
      }
      EXPECT_TRUE(refs.count(decoded)) << decoded;
      ++affects;
    }
  }
  EXPECT_GT(affects, 0u);
  // The same input gives the same document identity.
  std::string again;
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format cyclonedx-vex", &again),
            1);
  EXPECT_EQ(json::parse(again).at("serialNumber"), vex.at("serialNumber"));
}

TEST_F(ScanCliTest, SarifHasOneResultPerFinding) {
  std::string sarif_text, json_text;
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format sarif", &sarif_text), 1);
  ASSERT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --format json", &json_text), 1);
  json::value sarif = json::parse(sarif_text);
  EXPECT_EQ(sarif.at("version").as_string(), "2.1.0");
  const json::object& run = sarif.at("runs").as_array().front().as_object();
  const json::array& results = run.at("results").as_array();
  EXPECT_EQ(results.size(), json::parse(json_text).at("findings").as_array().size());
  const json::array& rules = run.at("tool").at("driver").at("rules").as_array();
  for (const json::value& r : results) {
    int64_t rule = r.at("ruleIndex").as_int64();
    ASSERT_LT(rule, static_cast<int64_t>(rules.size()));
    EXPECT_EQ(rules[rule].at("id"), r.at("ruleId"));
  }
}

TEST_F(ScanCliTest, ExitStatusFollowsFailOn) {
  std::string out;
  // Go advisories carry no severity: unknown meets every threshold, none never fails.
  EXPECT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --fail-on critical", &out), 1);
  EXPECT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --fail-on none", &out), 0);
  EXPECT_NE(out.find("GO-2020-0001"), std::string::npos);
  // A PHP application has nothing in the Go corpus: clean.
  EXPECT_EQ(Scan(kLaravel + " --advisories " + kGoCorpus, &out), 0);
  EXPECT_NE(out.find("0 findings"), std::string::npos) << out;
}

TEST_F(ScanCliTest, BadInputIsAnErrorThatSaysWhere) {
  testing::TempDir dir;
  std::string broken = dir.path() + "/broken.json";
  std::ofstream(broken) << "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.4\",\n"
                           "\"components\": [ {\"name\": 3} ]}";
  std::string out;
  EXPECT_EQ(testing::RunShell(std::string(BULWARK_BINARY) + " scan " + broken + " --advisories " +
                                  kGoCorpus + " 2>&1",
                              &out),
            2);
  EXPECT_NE(out.find("components[0].name"), std::string::npos) << out;
  EXPECT_EQ(Scan(dir.path() + "/missing.json --advisories " + kGoCorpus, &out), 2);
  EXPECT_EQ(Scan(kProtonJson, &out), 2);  // neither --advisories nor --index
  EXPECT_EQ(Scan(kProtonJson + " --advisories " + dir.path() + "/nowhere", &out), 2);
  EXPECT_EQ(Scan(kProtonJson + " --advisories " + kGoCorpus + " --fail-on severe", &out), 2);
}

// An advisory's `versions` list is authoritative: a listed version that is not PEP 440 (real
// PyPI advisories list "0.3.2d" and "3.0.0b3-") is reported, and so is an unlisted non-PEP 440
// version inside a range from "0", placed by packaging's legacy order. Needs nothing from
// ../shared.
TEST(ScanListedVersionsTest, NonPep440VersionsListedByAnAdvisoryAreReported) {
  testing::TempDir dir;
  {
    std::ofstream advisory(dir.path() + "/PYSEC-2099-1.json");
    advisory << R"({"id": "PYSEC-2099-1", "modified": "2026-01-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "PyPI", "name": "Legacy_Pkg"},
                    "versions": ["0.3.2d", "3.0.0b3-"],
                    "ranges": [{"type": "ECOSYSTEM",
                                "events": [{"introduced": "0"}, {"fixed": "0.1"}]}]}]})";
  }
  {
    std::ofstream sbom(dir.path() + "/bom.json");
    sbom << R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
      {"type": "library", "bom-ref": "a", "name": "legacy-pkg", "purl": "pkg:pypi/legacy-pkg@0.3.2d"},
      {"type": "library", "bom-ref": "b", "name": "legacy-pkg", "purl": "pkg:pypi/legacy-pkg@3.0.0B3-"},
      {"type": "library", "bom-ref": "c", "name": "legacy-pkg", "purl": "pkg:pypi/legacy-pkg@0.0.1x"},
      {"type": "library", "bom-ref": "d", "name": "legacy-pkg", "purl": "pkg:pypi/legacy-pkg@0.3.2e"},
      {"type": "library", "bom-ref": "e", "name": "legacy-pkg", "purl": "pkg:pypi/legacy-pkg@1.0"}]})";
  }
  std::string out;
  ASSERT_EQ(Scan(dir.path() + "/bom.json --advisories " + dir.path() + " --format json", &out), 1)
      << out;
  json::value report = json::parse(out);
  std::map<std::string, std::string> reason_of;  // bom-ref -> reason
  for (const json::value& f : report.at("findings").as_array()) {
    reason_of[std::string(f.at("component").at("bom_ref").as_string())] =
        std::string(f.at("reason").as_string());
  }
  EXPECT_EQ(report.at("unmatched").as_array().size(), 0u) << out;
  EXPECT_EQ(reason_of["a"], "matched by the advisory's version list");
  EXPECT_EQ(reason_of["b"], "matched by the advisory's version list");  // the legacy order's case
  // Below every PEP 440 version, so in [0, 0.1).
  EXPECT_NE(reason_of["c"].find("in the affected range >= 0, < 0.1; 0.0.1x is not a valid pep440"),
            std::string::npos)
      << reason_of["c"];
  EXPECT_NE(reason_of["d"].find("not a valid pep440"), std::string::npos) << reason_of["d"];
  EXPECT_EQ(reason_of.count("e"), 0u) << out;
}

}  // namespace
}  // namespace bulwark::tests
