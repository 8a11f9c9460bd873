#include "vuln/purl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/json.h"
#include "vuln/internal/purl_types.h"

namespace bulwark::vuln {
namespace {

using internal::ComponentRule;
using internal::Normalization;
using internal::PurlTypeRule;
using internal::QualifierRule;
using internal::Requirement;
using ::testing::HasSubstr;

// The canonical form of `text`, or "error: <message>".
std::string Canonical(std::string_view text) {
  StatusOr<PackageUrl> purl = ParsePackageUrl(text);
  if (!purl.ok()) return "error: " + purl.status().message();
  return purl->ToString();
}

// The error message parsing `text` gives, or "" when it parses.
std::string ParseError(std::string_view text) {
  StatusOr<PackageUrl> purl = ParsePackageUrl(text);
  EXPECT_FALSE(purl.ok()) << text << " parsed as " << purl->ToString();
  if (purl.ok()) return "";
  EXPECT_EQ(purl.status().code(), StatusCode::kInvalidArgument);
  return purl.status().message();
}

// The purl-spec files in the shared conformance directory, beside the checkout. They are not part
// of the repository; the tests that read them skip when they are absent.
const std::string kConformanceDir = std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/purl";

boost::json::value ReadJsonFile(const std::string& path) {
  StatusOr<std::string> text = ReadFileToString(path, 16 << 20);
  EXPECT_TRUE(text.ok()) << path << ": " << text.status().ToString();
  if (!text.ok()) return nullptr;
  StatusOr<boost::json::value> document = ParseJson(*text);
  EXPECT_TRUE(document.ok()) << path << ": " << document.status().ToString();
  return document.ok() ? *document : nullptr;
}

// ---- The spec's conformance vectors (purl-spec tests/spec/specification-test.json).

std::string OptionalString(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) return "";
  return std::string(value->as_string());
}

std::vector<std::pair<std::string, std::string>> Qualifiers(const boost::json::object& object) {
  std::vector<std::pair<std::string, std::string>> out;
  const boost::json::value* value = object.if_contains("qualifiers");
  if (value == nullptr || value->is_null()) return out;
  for (const auto& [key, v] : value->as_object()) {
    out.emplace_back(std::string(key), std::string(v.as_string()));
  }
  return out;
}

PackageUrl Components(const boost::json::object& object) {
  PackageUrl purl;
  purl.type = OptionalString(object, "type");
  purl.namespace_ = OptionalString(object, "namespace");
  purl.name = OptionalString(object, "name");
  purl.version = OptionalString(object, "version");
  purl.qualifiers = Qualifiers(object);
  purl.subpath = OptionalString(object, "subpath");
  return purl;
}

TEST(PurlConformanceTest, SpecificationVectors) {
  const std::string path = kConformanceDir + "/specification-test.json";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "../shared/conformance/purl/specification-test.json is absent; skipping the "
                    "purl conformance vectors";
  }
  boost::json::value document = ReadJsonFile(path);
  ASSERT_TRUE(document.is_object());
  const boost::json::array& tests = document.at("tests").as_array();

  int parse = 0, build = 0, validate = 0;
  for (const boost::json::value& value : tests) {
    const boost::json::object& test = value.as_object();
    const std::string type(test.at("test_type").as_string());
    const bool expected_failure =
        test.contains("expected_failure") && test.at("expected_failure").as_bool();
    SCOPED_TRACE(std::string(test.at("description").as_string()) + " (" + type + ")");
    if (type == "parse") {
      ++parse;
      StatusOr<PackageUrl> purl = ParsePackageUrl(test.at("input").as_string());
      if (expected_failure) {
        EXPECT_FALSE(purl.ok()) << "parsed as " << purl->ToString();
        continue;
      }
      ASSERT_TRUE(purl.ok()) << purl.status().ToString();
      PackageUrl expected = Components(test.at("expected_output").as_object());
      std::sort(expected.qualifiers.begin(), expected.qualifiers.end());
      EXPECT_EQ(*purl, expected) << purl->ToString();
    } else if (type == "build") {
      ++build;
      StatusOr<PackageUrl> purl = BuildPackageUrl(Components(test.at("input").as_object()));
      if (expected_failure) {
        EXPECT_FALSE(purl.ok()) << "built " << purl->ToString();
        continue;
      }
      ASSERT_TRUE(purl.ok()) << purl.status().ToString();
      EXPECT_EQ(purl->ToString(), test.at("expected_output").as_string());
    } else {
      // "validate" (and "roundtrip" in later versions of the file): the input's canonical form.
      ASSERT_TRUE(type == "validate" || type == "roundtrip") << type;
      ++validate;
      StatusOr<PackageUrl> purl = ParsePackageUrl(test.at("input").as_string());
      ASSERT_TRUE(purl.ok()) << purl.status().ToString();
      EXPECT_EQ(purl->ToString(), test.at("expected_output").as_string());
    }
  }
  EXPECT_GT(parse, 0);
  EXPECT_GT(build, 0);
  EXPECT_GT(validate, 0);
}

// ---- The type table against the purl-spec type definitions (types/<type>-definition.json).

// Every *-definition.json, by type; empty (and the calling test skipped) when the directory is
// absent.
std::map<std::string, boost::json::object> ReadTypeDefinitions() {
  std::map<std::string, boost::json::object> definitions;
  const std::string dir = kConformanceDir + "/types";
  if (!std::filesystem::is_directory(dir)) return definitions;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with("-definition.json")) continue;
    boost::json::value document = ReadJsonFile(entry.path().string());
    if (!document.is_object()) {
      ADD_FAILURE() << file << " is not a JSON object";
      continue;
    }
    const std::string type(document.at("type").as_string());
    EXPECT_EQ(file, type + "-definition.json");
    definitions[type] = document.as_object();
  }
  return definitions;
}

Requirement RequirementNamed(std::string_view text) {
  if (text == "required") return Requirement::kRequired;
  if (text == "prohibited") return Requirement::kProhibited;
  EXPECT_EQ(text, "optional");
  return Requirement::kOptional;
}

std::string_view RequirementName(Requirement requirement) {
  switch (requirement) {
    case Requirement::kOptional:
      return "optional";
    case Requirement::kRequired:
      return "required";
    case Requirement::kProhibited:
      return "prohibited";
  }
  return "?";
}

// A component's definition against our rule. An absent definition, like an absent field, means
// the schema's defaults: optional and case sensitive.
void ExpectComponentAgrees(const boost::json::object& definition, std::string_view key,
                           const ComponentRule& rule) {
  SCOPED_TRACE(std::string(key));
  static const boost::json::object kAbsent;
  const boost::json::value* value = definition.if_contains(key);
  const boost::json::object& component = value != nullptr ? value->as_object() : kAbsent;

  const boost::json::value* requirement = component.if_contains("requirement");
  EXPECT_EQ(RequirementName(rule.requirement),
            RequirementName(requirement != nullptr ? RequirementNamed(requirement->as_string())
                                                   : Requirement::kOptional));

  const boost::json::value* case_sensitive = component.if_contains("case_sensitive");
  EXPECT_EQ(rule.case_sensitive, case_sensitive == nullptr || case_sensitive->as_bool());

  const boost::json::value* permitted = component.if_contains("permitted_characters");
  EXPECT_EQ(rule.permitted_characters,
            permitted != nullptr ? std::string_view(permitted->as_string()) : "");

  // Free-text normalization rules cannot be compared, but every component that has some must
  // be one we have read and decided on, and no other component may claim to have them.
  const boost::json::value* rules = component.if_contains("normalization_rules");
  const bool has_rules = rules != nullptr && !rules->as_array().empty();
  const bool we_read_rules = rule.normalization == Normalization::kDescribedOnly ||
                             rule.normalization == Normalization::kPypiName ||
                             rule.normalization == Normalization::kPubName;
  EXPECT_EQ(we_read_rules, has_rules)
      << (has_rules ? boost::json::serialize(*rules) : "no normalization_rules");
}

TEST(PurlTypeDefinitionsTest, TableAgreesWithEveryDefinition) {
  const std::map<std::string, boost::json::object> definitions = ReadTypeDefinitions();
  if (definitions.empty()) {
    GTEST_SKIP() << "../shared/conformance/purl/types is absent; skipping the type definitions";
  }
  std::set<std::string> in_table;
  for (const PurlTypeRule& rule : internal::PurlTypeRules()) {
    in_table.insert(std::string(rule.type));
    EXPECT_EQ(internal::FindPurlTypeRule(rule.type), &rule) << rule.type << " is out of order";
  }
  std::set<std::string> defined;
  for (const auto& [type, definition] : definitions) defined.insert(type);
  EXPECT_EQ(in_table, defined);

  for (const auto& [type, definition] : definitions) {
    SCOPED_TRACE(type);
    const PurlTypeRule* rule = internal::FindPurlTypeRule(type);
    ASSERT_NE(rule, nullptr);
    ExpectComponentAgrees(definition, "namespace_definition", rule->namespace_);
    ExpectComponentAgrees(definition, "name_definition", rule->name);
    ExpectComponentAgrees(definition, "version_definition", rule->version);
    ExpectComponentAgrees(definition, "subpath_definition", rule->subpath);

    std::map<std::string, std::pair<std::string, std::string>>
        expected;  // key: requirement, default
    if (const boost::json::value* qualifiers = definition.if_contains("qualifiers_definition")) {
      for (const boost::json::value& q : qualifiers->as_array()) {
        const boost::json::object& qualifier = q.as_object();
        const boost::json::value* requirement = qualifier.if_contains("requirement");
        expected[std::string(qualifier.at("key").as_string())] = {
            std::string(RequirementName(requirement != nullptr
                                            ? RequirementNamed(requirement->as_string())
                                            : Requirement::kOptional)),
            OptionalString(qualifier, "default_value")};
      }
    }
    std::map<std::string, std::pair<std::string, std::string>> ours;
    for (const QualifierRule& qualifier : rule->qualifiers) {
      ours[std::string(qualifier.key)] = {std::string(RequirementName(qualifier.requirement)),
                                          std::string(qualifier.default_value)};
    }
    EXPECT_EQ(ours, expected);
  }
}

// The percent-decoded text of a purl with its key=value pairs in sorted order: two spellings of
// one purl that the spec tells apart only by encoding and qualifier order compare equal.
std::string DecodedWithSortedQualifiers(std::string_view purl) {
  std::string_view rest = purl;
  std::string_view subpath;
  if (size_t hash = rest.rfind('#'); hash != std::string_view::npos) {
    subpath = rest.substr(hash);
    rest = rest.substr(0, hash);
  }
  std::string text;
  if (size_t question = rest.rfind('?'); question != std::string_view::npos) {
    std::vector<std::string> pairs;
    std::string_view query = rest.substr(question + 1);
    for (size_t start = 0; start <= query.size();) {
      size_t end = std::min(query.find('&', start), query.size());
      pairs.emplace_back(query.substr(start, end - start));
      start = end + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    text = std::string(rest.substr(0, question + 1));
    for (size_t i = 0; i < pairs.size(); ++i) text += (i == 0 ? "" : "&") + pairs[i];
  } else {
    text = std::string(rest);
  }
  text += subpath;
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) &&
        std::isxdigit(text[i + 2])) {
      decoded += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

// The definitions' examples that are not in canonical form as written, with the canonical form
// the spec gives them and why. Every other example must be canonical as written.
const std::map<std::string, std::string> kExamplesWrittenOtherwise = {
    // Qualifiers not in sorted order.
    {"pkg:generic/openssl@1.1.10g?download_url=https:%2F%2Fopenssl.org%2Fsource%2Fopenssl-1.1.0g."
     "tar.gz&checksum=sha256:de4d501267da",
     "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https:%2F%2Fopenssl."
     "org%2Fsource%2Fopenssl-1.1.0g.tar.gz"},
    {"pkg:julia/RegisterQD@0.3.1?uuid=ac24ea0c-1830-11e9-18d4-81f172323054&repository_url=https:"
     "%2F%2Fgithub.com%2FHolyLab%2FHolyLabRegistry",
     "pkg:julia/RegisterQD@0.3.1?repository_url=https:%2F%2Fgithub.com%2FHolyLab%"
     "2FHolyLabRegistry&uuid=ac24ea0c-1830-11e9-18d4-81f172323054"},
    {"pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=zip&classifier=dist",
     "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=dist&type=zip"},
    {"pkg:mlflow/trafficsigns@10?model_uuid=36233173b22f4c89b451f1228d700d49&run_id=410a3121-2709-"
     "4f88-98dd-dba0ef056b0a&repository_url=https:%2F%2Fadb-5245952564735461.0.azuredatabricks."
     "net%2Fapi%2F2.0%2Fmlflow",
     "pkg:mlflow/trafficsigns@10?model_uuid=36233173b22f4c89b451f1228d700d49&repository_url="
     "https:%2F%2Fadb-5245952564735461.0.azuredatabricks.net%2Fapi%2F2.0%2Fmlflow&run_id="
     "410a3121-2709-4f88-98dd-dba0ef056b0a"},
    {"pkg:oci/debian@sha256%3A244fd47e07d10?repository_url=docker.io%2Flibrary%2Fdebian&arch="
     "amd64&tag=latest",
     "pkg:oci/debian@sha256:244fd47e07d10?arch=amd64&repository_url=docker.io%2Flibrary%"
     "2Fdebian&tag=latest"},
    {"pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&epoch=1&distro=fedora-25",
     "pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1"},
    {"pkg:otp/erts@10.6.3?platform=linux&arch=amd64&repository_url=https:%2F%2Fgithub.com%"
     "2Ferlang%2Fotp&vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Ferlang%2Fotp.git",
     "pkg:otp/erts@10.6.3?arch=amd64&platform=linux&repository_url=https:%2F%2Fgithub.com%"
     "2Ferlang%2Fotp&vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Ferlang%2Fotp.git"},
    {"pkg:otp/crypto@4.6.4?platform=darwin&arch=x86_64&repository_url=https:%2F%2Fgithub.com%"
     "2Ferlang%2Fotp&vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Ferlang%2Fotp.git",
     "pkg:otp/crypto@4.6.4?arch=x86_64&platform=darwin&repository_url=https:%2F%2Fgithub.com%"
     "2Ferlang%2Fotp&vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Ferlang%2Fotp.git"},
    // ':' is never encoded.
    {"pkg:docker/customer/dockerimage@sha256%3A244fd47e07d10?repository_url=gcr.io",
     "pkg:docker/customer/dockerimage@sha256:244fd47e07d10?repository_url=gcr.io"},
    {"pkg:oci/debian@sha256%3A244fd47e07d10?repository_url=ghcr.io%2Fdebian&tag=bullseye",
     "pkg:oci/debian@sha256:244fd47e07d10?repository_url=ghcr.io%2Fdebian&tag=bullseye"},
    {"pkg:oci/static@sha256%3A244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic&tag="
     "latest",
     "pkg:oci/static@sha256:244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic&tag="
     "latest"},
    // '+' in a subpath segment is encoded.
    {"pkg:cocoapods/GoogleUtilities@7.5.2#NSData+zlib",
     "pkg:cocoapods/GoogleUtilities@7.5.2#NSData%2Bzlib"},
    // The version runs from the last '@' to the '?': "3/16.1", whose '/' is encoded.
    {"pkg:opam/git@3/16.1", "pkg:opam/git@3%2F16.1"},
    // No '?' before the qualifiers, so "2.35&repository_url=..." is all version, and its '&'
    // and '=' are encoded.
    {"pkg:yocto/core/glibc@2.35&repository_url=https:%2F%2Fgit.openembedded.org%2Fopenembedded-"
     "core&layer_version=kirkstone",
     "pkg:yocto/core/glibc@2.35%26repository_url%3Dhttps:%2F%2Fgit.openembedded.org%"
     "2Fopenembedded-core%26layer_version%3Dkirkstone"},
    {"pkg:yocto/core/glibc@2.35&repository_url=https:%2F%2Fgit.openembedded.org%2Fopenembedded-"
     "core&layer_version=25ba9895b9",
     "pkg:yocto/core/glibc@2.35%26repository_url%3Dhttps:%2F%2Fgit.openembedded.org%"
     "2Fopenembedded-core%26layer_version%3D25ba9895b9"},
    {"pkg:yocto/core/glibc@2.35&repository_url=https:%2F%2Fgit.openembedded.org%2Fopenembedded-"
     "core&layer_version=25ba9895b98715adb66a06e50f644aea2e2c9eb6",
     "pkg:yocto/core/glibc@2.35%26repository_url%3Dhttps:%2F%2Fgit.openembedded.org%"
     "2Fopenembedded-core%26layer_version%3D25ba9895b98715adb66a06e50f644aea2e2c9eb6"},
};

TEST(PurlTypeDefinitionsTest, EveryExampleParsesToItsCanonicalForm) {
  const std::map<std::string, boost::json::object> definitions = ReadTypeDefinitions();
  if (definitions.empty()) {
    GTEST_SKIP() << "../shared/conformance/purl/types is absent; skipping the type definitions";
  }
  int examples = 0;
  for (const auto& [type, definition] : definitions) {
    for (const boost::json::value& value : definition.at("examples").as_array()) {
      const std::string example(value.as_string());
      SCOPED_TRACE(example);
      ++examples;
      StatusOr<PackageUrl> purl = ParsePackageUrl(example);
      ASSERT_TRUE(purl.ok()) << purl.status().ToString();
      EXPECT_EQ(purl->type, type);
      const std::string canonical = purl->ToString();
      auto written_otherwise = kExamplesWrittenOtherwise.find(example);
      EXPECT_EQ(canonical, written_otherwise == kExamplesWrittenOtherwise.end()
                               ? example
                               : written_otherwise->second);
      EXPECT_EQ(DecodedWithSortedQualifiers(canonical), DecodedWithSortedQualifiers(example));

      StatusOr<PackageUrl> again = ParsePackageUrl(canonical);
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      EXPECT_EQ(*again, *purl);
      StatusOr<PackageUrl> built = BuildPackageUrl(*purl);
      ASSERT_TRUE(built.ok()) << built.status().ToString();
      EXPECT_EQ(*built, *purl);
    }
  }
  EXPECT_GT(examples, 0);
  // Each entry of kExamplesWrittenOtherwise is an example of some definition.
  for (const auto& [example, canonical] : kExamplesWrittenOtherwise) {
    bool found = false;
    for (const auto& [type, definition] : definitions) {
      for (const boost::json::value& value : definition.at("examples").as_array()) {
        found = found || value.as_string() == example;
      }
    }
    EXPECT_TRUE(found) << example << " is no longer an example";
  }
}

TEST(PurlTypeDefinitionsTest, PermittedCharactersMatchersAgreeWithTheirExpressions) {
  const std::vector<std::string> samples = {
      "",
      "a",
      "A",
      "_",
      "-",
      "0",
      "7x",
      "x7",
      "1.2",
      "1.2.3.4",
      "1.2.3.4.5",
      "1..2",
      ".1",
      "1.",
      "12.0034",
      "1.2.3-beta",
      "\xD9\xA3",  // ARABIC-INDIC DIGIT THREE: not ECMA-262's \d
      "hlepfoohegkhhmjieoechaddaejaokhf",
      "hlepfoohegkhhmjieoechaddaejaokh",
      "hlepfoohegkhhmjieoechaddaejaokhfa",
      "hlepfoohegkhhmjieoechaddaejaokhq",
      "HLEPFOOHEGKHHMJIEOECHADDAEJAOKHF",
      "44444algnefjeiefhmpklpfiohadpglk",
      "characters",
      "flutter_web",
      "Flutter",
  };
  std::set<std::string_view> patterns;
  for (const PurlTypeRule& rule : internal::PurlTypeRules()) {
    for (const ComponentRule* component :
         {&rule.namespace_, &rule.name, &rule.version, &rule.subpath}) {
      if (!component->permitted_characters.empty()) {
        patterns.insert(component->permitted_characters);
      }
    }
  }
  EXPECT_FALSE(patterns.empty());
  for (std::string_view pattern : patterns) {
    SCOPED_TRACE(std::string(pattern));
    ASSERT_TRUE(internal::HasPermittedCharactersMatcher(pattern));
    const std::regex expression(std::string(pattern), std::regex::ECMAScript);
    for (const std::string& sample : samples) {
      EXPECT_EQ(internal::MatchesPermittedCharacters(pattern, sample),
                std::regex_search(sample, expression))
          << '"' << sample << '"';
    }
  }
  EXPECT_FALSE(internal::MatchesPermittedCharacters("^.*$", "anything"));
}

// ---- General rules.

TEST(PurlTest, ParsesEveryComponent) {
  StatusOr<PackageUrl> purl = ParsePackageUrl(
      "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io/"
      "release&classifier=sources#META-INF/MANIFEST.MF");
  ASSERT_TRUE(purl.ok()) << purl.status().ToString();
  EXPECT_EQ(purl->type, "maven");
  EXPECT_EQ(purl->namespace_, "org.apache.xmlgraphics");
  EXPECT_EQ(purl->name, "batik-anim");
  EXPECT_EQ(purl->version, "1.9.1");
  ASSERT_EQ(purl->qualifiers.size(), 2u);
  EXPECT_EQ(purl->qualifiers[0], (std::pair<std::string, std::string>("classifier", "sources")));
  EXPECT_EQ(purl->Qualifier("repository_url"), "repo.spring.io/release");
  EXPECT_EQ(purl->Qualifier("type"), "");
  EXPECT_EQ(purl->subpath, "META-INF/MANIFEST.MF");
  EXPECT_EQ(purl->ToString(),
            "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&"
            "repository_url=repo.spring.io%2Frelease#META-INF/MANIFEST.MF");
}

TEST(PurlTest, SchemeIsCaseInsensitiveAndSlashesAfterItAreIgnored) {
  EXPECT_EQ(Canonical("PKG:gem/rails@7.1.0"), "pkg:gem/rails@7.1.0");
  EXPECT_EQ(Canonical("pkg://gem/rails@7.1.0"), "pkg:gem/rails@7.1.0");
  EXPECT_EQ(Canonical("pkg:///gem/rails@7.1.0"), "pkg:gem/rails@7.1.0");
}

TEST(PurlTest, TypeIsLowercasedAndChecked) {
  EXPECT_EQ(Canonical("pkg:GeNeRiC/openssl"), "pkg:generic/openssl");
  EXPECT_EQ(Canonical("pkg:my.registry-2/thing"), "pkg:my.registry-2/thing");
  EXPECT_THAT(ParseError("pkg:3nginx/nginx@0.8.9"), HasSubstr("must start with a letter"));
  EXPECT_THAT(ParseError("pkg:-nginx/nginx"), HasSubstr("must start with a letter"));
  EXPECT_THAT(ParseError("pkg:nginx:a/nginx@0.8.9"), HasSubstr("the type \"nginx:a\""));
  EXPECT_THAT(ParseError("pkg:n%67inx/nginx"), HasSubstr("never percent-encoded"));
  EXPECT_THAT(ParseError("pkg:c++/boost"), HasSubstr("the type \"c++\""));
  EXPECT_THAT(ParseError("pkg:my_type/boost"), HasSubstr("the type \"my_type\""));
  EXPECT_THAT(ParseError("pkg:/npm"), HasSubstr("the type is missing, or the name after it"));
  EXPECT_THAT(ParseError("pkg:hackage"), HasSubstr("the type is missing, or the name after it"));
  EXPECT_THAT(ParseError("pkg://name"), HasSubstr("the type is missing"));
  EXPECT_THAT(ParseError("pkg://"), HasSubstr("the type is missing"));
}

TEST(PurlTest, SchemeErrors) {
  EXPECT_THAT(ParseError("npm/foo@1.0"), HasSubstr("\"pkg:\" scheme is missing"));
  EXPECT_THAT(ParseError("pkg%3Anpm/foo"), HasSubstr("\"pkg:\" scheme is missing"));
  EXPECT_THAT(ParseError("https://example.com/foo"), HasSubstr("not \"https\""));
  EXPECT_THAT(ParseError(""), HasSubstr("empty"));
}

TEST(PurlTest, NameAndVersion) {
  EXPECT_THAT(ParseError("pkg:maven/@1.3.4"), HasSubstr("the name is missing"));
  EXPECT_THAT(ParseError("pkg:npm/"), HasSubstr("the name is missing"));
  EXPECT_THAT(ParseError("pkg:npm/foobar@"), HasSubstr("the version after '@' is empty"));
  // An empty last segment before the version is a missing name, not a name further left.
  EXPECT_THAT(ParseError("pkg:swift/github.com/Alamofire/@5.4.3"),
              HasSubstr("the name is missing"));
  // Trailing slashes are not significant.
  EXPECT_EQ(Canonical("pkg:generic/openssl/"), "pkg:generic/openssl");
  EXPECT_EQ(Canonical("pkg:generic/name@1.0%2Fbeta"), "pkg:generic/name@1.0%2Fbeta");
}

TEST(PurlTest, TheVersionStartsAtTheLastAt) {
  EXPECT_EQ(Canonical("pkg:generic/a@b@1.0"), "pkg:generic/a%40b@1.0");
  EXPECT_EQ(Canonical("pkg:brew/node@20@20.10.0"), "pkg:brew/node%4020@20.10.0");
  // Even when a '/' follows it: the version is "3/16.1".
  StatusOr<PackageUrl> purl = ParsePackageUrl("pkg:opam/git@3/16.1");
  ASSERT_TRUE(purl.ok()) << purl.status().ToString();
  EXPECT_EQ(purl->name, "git");
  EXPECT_EQ(purl->version, "3/16.1");
  EXPECT_EQ(purl->ToString(), "pkg:opam/git@3%2F16.1");
}

TEST(PurlTest, ScopeWithUnencodedAtAndNoVersion) {
  StatusOr<PackageUrl> purl = ParsePackageUrl("pkg:npm/@babel/core#/googleapis/api/annotations/");
  ASSERT_TRUE(purl.ok()) << purl.status().ToString();
  EXPECT_EQ(purl->namespace_, "@babel");
  EXPECT_EQ(purl->name, "core");
  EXPECT_EQ(purl->version, "");
  EXPECT_EQ(purl->subpath, "googleapis/api/annotations");
  EXPECT_EQ(purl->ToString(), "pkg:npm/%40babel/core#googleapis/api/annotations");
  EXPECT_EQ(Canonical("pkg:npm/@babel/core@7.0.0"), "pkg:npm/%40babel/core@7.0.0");
}

TEST(PurlTest, NamespaceSegments) {
  StatusOr<PackageUrl> purl = ParsePackageUrl("pkg:golang//github.com//gorilla/context@v1.1.1");
  ASSERT_TRUE(purl.ok()) << purl.status().ToString();
  EXPECT_EQ(purl->namespace_, "github.com/gorilla");
  EXPECT_EQ(purl->ToString(), "pkg:golang/github.com/gorilla/context@v1.1.1");
  EXPECT_THAT(ParseError("pkg:generic/a%2Fb/name"), HasSubstr("may not contain '/'"));
  EXPECT_THAT(ParseError("pkg:generic/a%2Fb/name"), HasSubstr("namespace segment"));
}

TEST(PurlTest, PercentEncodingOfTheCanonicalForm) {
  PackageUrl purl;
  purl.type = "generic";
  purl.namespace_ = "@scope:x";
  purl.name = "a/b c";
  purl.version = "1.0+build/7@x";
  purl.qualifiers = {{"url", "https://h/p?q=1&r=#f"}, {"note", "caf\xC3\xA9 100%,ok~"}};
  purl.subpath = "dir/fi le#1";
  StatusOr<PackageUrl> built = BuildPackageUrl(purl);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  // Every component is encoded alike: ':' never, '/' everywhere it is not a separator.
  EXPECT_EQ(built->ToString(),
            "pkg:generic/%40scope:x/a%2Fb%20c@1.0%2Bbuild%2F7%40x?note=caf%C3%A9%20100%25%2Cok~&"
            "url=https:%2F%2Fh%2Fp%3Fq%3D1%26r%3D%23f#dir/fi%20le%231");
  StatusOr<PackageUrl> again = ParsePackageUrl(built->ToString());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *built);
}

TEST(PurlTest, QualifierValuesAreDecodedAndReencoded) {
  // An unencoded '/' in a value is accepted (qualifiers are split off at '?' first) and encoded
  // in the canonical form.
  EXPECT_EQ(Canonical("pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/source/"
                      "openssl-1.1.0g.tar.gz&checksum=sha256:de4d501267da"),
            "pkg:generic/openssl@1.1.10g?checksum=sha256:de4d501267da&download_url=https:%2F%2F"
            "openssl.org%2Fsource%2Fopenssl-1.1.0g.tar.gz");
  EXPECT_EQ(Canonical("pkg:npm/mypackage@12.4.5?vcs_url=git://host.com/path/to/repo.git%4043"),
            "pkg:npm/mypackage@12.4.5?vcs_url=git:%2F%2Fhost.com%2Fpath%2Fto%2Frepo.git%4043");
}

TEST(PurlTest, DecodingAcceptsEitherCaseAndPrintsUppercase) {
  EXPECT_EQ(Canonical("pkg:generic/caf%c3%a9@1%2b2"), "pkg:generic/caf%C3%A9@1%2B2");
  // Raw UTF-8 is decoded as itself and printed encoded.
  EXPECT_EQ(Canonical("pkg:generic/caf\xC3\xA9"), "pkg:generic/caf%C3%A9");
  // Needlessly encoded safe characters are printed plainly.
  EXPECT_EQ(Canonical("pkg:generic/%61%62%3A"), "pkg:generic/ab:");
}

TEST(PurlTest, InvalidPercentEscapes) {
  EXPECT_THAT(ParseError("pkg:generic/abc%"), HasSubstr("the name has an invalid percent-escape"));
  EXPECT_THAT(ParseError("pkg:generic/abc%4"), HasSubstr("\"%4\""));
  EXPECT_THAT(ParseError("pkg:generic/abc%zz"), HasSubstr("\"%zz\""));
  EXPECT_THAT(ParseError("pkg:generic/abc@1%G0"), HasSubstr("the version has"));
  EXPECT_THAT(ParseError("pkg:generic/ns%/abc"), HasSubstr("a namespace segment has"));
  EXPECT_THAT(ParseError("pkg:generic/abc?k=%x1"), HasSubstr("the value of qualifier k has"));
  EXPECT_THAT(ParseError("pkg:generic/abc#a/%%"), HasSubstr("a subpath segment has"));
}

TEST(PurlTest, DecodedComponentsMustBeUtf8) {
  EXPECT_THAT(ParseError("pkg:generic/%FF"), HasSubstr("the name is not valid UTF-8"));
  EXPECT_THAT(ParseError("pkg:generic/%C0%AF"), HasSubstr("not valid UTF-8"));     // overlong '/'
  EXPECT_THAT(ParseError("pkg:generic/%ED%A0%80"), HasSubstr("not valid UTF-8"));  // surrogate
  EXPECT_THAT(ParseError("pkg:generic/%F4%90%80%80"), HasSubstr("not valid UTF-8"));  // > U+10FFFF
  EXPECT_THAT(ParseError("pkg:generic/%E2%82"), HasSubstr("not valid UTF-8"));        // truncated
  EXPECT_THAT(ParseError("pkg:generic/\xC3"), HasSubstr("not valid UTF-8"));
  EXPECT_EQ(Canonical("pkg:generic/%F0%9F%98%83"), "pkg:generic/%F0%9F%98%83");
}

TEST(PurlTest, NulAndControlCharacters) {
  using namespace std::string_literals;
  EXPECT_THAT(ParseError("pkg:generic/a\0b"s), HasSubstr("control character at offset 13"));
  EXPECT_THAT(ParseError("pkg:generic/a%00b"), HasSubstr("the name contains a control"));
  EXPECT_THAT(ParseError("pkg:generic/a@1%0A2"), HasSubstr("the version contains a control"));
  EXPECT_THAT(ParseError("pkg:generic/a?k=%7F"), HasSubstr("qualifier k contains a control"));
  EXPECT_THAT(ParseError("pkg:generic/a\tb"), HasSubstr("control character"));
  EXPECT_THAT(ParseError("pkg:generic/a b"), HasSubstr("a space must be percent-encoded"));
  // The message shows the offending bytes escaped, never raw.
  EXPECT_THAT(ParseError("pkg:generic/%1B[31m"), HasSubstr("\\x1B[31m"));
}

TEST(PurlTest, OverlongInput) {
  std::string text = "pkg:generic/" + std::string(64 * 1024, 'a');
  EXPECT_THAT(ParseError(text), HasSubstr("longer than 65536 bytes"));
  // Within the limit as text, but its canonical form would not be.
  std::string wide = "pkg:generic/";
  while (wide.size() < 60 * 1024) wide += "\xC3\xA9";
  EXPECT_THAT(ParseError(wide), HasSubstr("canonical form is longer"));
  PackageUrl big;
  big.type = "generic";
  big.name = "x";
  big.qualifiers.emplace_back("k", std::string(70 * 1024, 'v'));
  StatusOr<PackageUrl> built = BuildPackageUrl(big);
  ASSERT_FALSE(built.ok());
  EXPECT_THAT(built.status().message(), HasSubstr("longer than 65536 bytes in all"));
}

TEST(PurlTest, QualifiersAreLowercasedSortedAndEmptyOnesDropped) {
  EXPECT_EQ(Canonical("pkg:rpm/fedora/curl@7.50.3-1.fc25?Distro=fedora-25&Arch=i386&empty="),
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25");
  EXPECT_EQ(Canonical("pkg:generic/a?&k=v&&"), "pkg:generic/a?k=v");
  EXPECT_EQ(Canonical("pkg:generic/a?only="), "pkg:generic/a");
  EXPECT_EQ(Canonical("pkg:generic/a?"), "pkg:generic/a");
  EXPECT_EQ(Canonical("pkg:generic/a?k=x=y"), "pkg:generic/a?k=x%3Dy");
}

TEST(PurlTest, QualifierErrors) {
  EXPECT_THAT(ParseError("pkg:generic/a?k=1&K=2"), HasSubstr("qualifier k appears more than once"));
  EXPECT_THAT(ParseError("pkg:generic/a?k=&k=2"), HasSubstr("appears more than once"));
  EXPECT_THAT(ParseError("pkg:generic/a?in%20production=true"),
              HasSubstr("the qualifier key \"in%20production\""));
  EXPECT_THAT(ParseError("pkg:generic/a?1st=x"), HasSubstr("must start with a letter"));
  EXPECT_THAT(ParseError("pkg:generic/a?=x"), HasSubstr("empty key"));
  EXPECT_THAT(ParseError("pkg:generic/a?flag"), HasSubstr("the qualifier \"flag\" has no '='"));
}

TEST(PurlTest, SubpathSegments) {
  EXPECT_EQ(Canonical("pkg:github/package-url/purl-spec@244fd47#/./everybody//loves/../dogs/"),
            "pkg:github/package-url/purl-spec@244fd47#everybody/loves/dogs");
  EXPECT_EQ(Canonical("pkg:generic/a#%2E%2E/x/%2e"), "pkg:generic/a#x");
  EXPECT_EQ(Canonical("pkg:generic/a#./.."), "pkg:generic/a");
  EXPECT_EQ(Canonical("pkg:generic/a#..."), "pkg:generic/a#...");
  EXPECT_EQ(Canonical("pkg:bazel/rules_java@8.5.0#java/runfiles:runfiles"),
            "pkg:bazel/rules_java@8.5.0#java/runfiles:runfiles");
  EXPECT_THAT(ParseError("pkg:generic/a#x%2Fy"), HasSubstr("a subpath segment \"x%2Fy\""));
}

TEST(PurlTest, LowercaseIsUnicodeLowercase) {
  // deb names are case-insensitive: É (U+00C9) becomes é (U+00E9).
  EXPECT_EQ(Canonical("pkg:deb/debian/%C3%89COLE@1"), "pkg:deb/debian/%C3%A9cole@1");
  // Greek, Cyrillic and a letter outside the BMP (DESERET CAPITAL LONG I, U+10400).
  EXPECT_EQ(Canonical("pkg:deb/debian/%CE%A3%CE%91%D0%96%F0%90%90%80"),
            "pkg:deb/debian/%CF%83%CE%B1%D0%B6%F0%90%90%A8");
  // U+0130, I with dot above, lowercases to two code points: i and U+0307.
  EXPECT_EQ(Canonical("pkg:deb/debian/%C4%B0"), "pkg:deb/debian/i%CC%87");
  // A case-sensitive type keeps every letter as given.
  EXPECT_EQ(Canonical("pkg:maven/g/%C3%89COLE"), "pkg:maven/g/%C3%89COLE");
}

// ---- Per-type rules.

TEST(PurlTypeTest, PypiNamesAndVersions) {
  EXPECT_EQ(Canonical("pkg:PyPI/Django_Rest@1.0"), "pkg:pypi/django-rest@1.0");
  // Only '_' becomes '-'; dots stay (the pypi definition, narrower than PEP 503).
  EXPECT_EQ(Canonical("pkg:pypi/Zope.Interface_X@5.0"), "pkg:pypi/zope.interface-x@5.0");
  // Versions are case-insensitive.
  EXPECT_EQ(Canonical("pkg:pypi/django@1.11.1.DEV1"), "pkg:pypi/django@1.11.1.dev1");
  EXPECT_EQ(Canonical("pkg:pypi/django@1.11.1?file_name=Django-1.11.1.tar.gz"),
            "pkg:pypi/django@1.11.1?file_name=Django-1.11.1.tar.gz");
  EXPECT_THAT(ParseError("pkg:pypi/psf/requests"), HasSubstr("a pypi purl has no namespace"));
}

TEST(PurlTypeTest, CaseFoldingFollowsEachDefinition) {
  EXPECT_EQ(Canonical("pkg:github/Package-url/purl-Spec@244FD47"),
            "pkg:github/package-url/purl-spec@244FD47");
  EXPECT_EQ(Canonical("pkg:bitbucket/birKenfeld/pyGments-main@244fd47"),
            "pkg:bitbucket/birkenfeld/pygments-main@244fd47");
  EXPECT_EQ(Canonical("pkg:deb/Debian/Curl@7.50.3-1?arch=i386"),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386");
  EXPECT_EQ(Canonical("pkg:composer/Laravel/Laravel@5.5.0"), "pkg:composer/laravel/laravel@5.5.0");
  EXPECT_EQ(Canonical("pkg:rpm/Fedora/CentOS-Curl@7.50"), "pkg:rpm/fedora/CentOS-Curl@7.50");
  EXPECT_EQ(Canonical("pkg:oci/Debian@SHA256%3A244FD47e07d10?tag=latest"),
            "pkg:oci/debian@sha256:244fd47e07d10?tag=latest");
  EXPECT_EQ(Canonical("pkg:huggingface/microsoft/Deberta-V3@559062AD13D311B8"),
            "pkg:huggingface/microsoft/Deberta-V3@559062ad13d311b8");
  EXPECT_EQ(Canonical("pkg:brew/Homebrew/Core/SQLite@3.43.2"),
            "pkg:brew/homebrew/core/sqlite@3.43.2");
  EXPECT_EQ(Canonical("pkg:vscode-extension/MS-Python/Python@2023.25.X"),
            "pkg:vscode-extension/ms-python/python@2023.25.x");
  EXPECT_EQ(Canonical("pkg:otp/Asn1@5.4.1#SRC/Asn1ct.erl"), "pkg:otp/asn1@5.4.1#src/asn1ct.erl");
  // Case-sensitive types keep case: npm, golang, git, maven, nuget (their definitions say so).
  EXPECT_EQ(Canonical("pkg:npm/%40MyScope/MyPackage@1.0.0-RC"),
            "pkg:npm/%40MyScope/MyPackage@1.0.0-RC");
  EXPECT_EQ(Canonical("pkg:golang/github.com/ProtonMail/go-imap@v1"),
            "pkg:golang/github.com/ProtonMail/go-imap@v1");
  EXPECT_EQ(Canonical("pkg:git/gitlab.gnome.org/GNOME/adwaita-fonts"),
            "pkg:git/gitlab.gnome.org/GNOME/adwaita-fonts");
  EXPECT_EQ(Canonical("pkg:maven/HTTPClient/HTTPClient@0.3-3"),
            "pkg:maven/HTTPClient/HTTPClient@0.3-3");
  EXPECT_EQ(Canonical("pkg:nuget/EnterpriseLibrary.Common@6.0.1304"),
            "pkg:nuget/EnterpriseLibrary.Common@6.0.1304");
}

TEST(PurlTypeTest, NamespaceRequiredOrProhibited) {
  EXPECT_THAT(ParseError("pkg:maven/io@1.3.4"), HasSubstr("a maven purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:golang/context@v1"), HasSubstr("a golang purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:github/purl-spec"), HasSubstr("a github purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:alpm/pacman@6.0.1-1"), HasSubstr("an alpm purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:huggingface/distilbert-base-uncased"),
              HasSubstr("a huggingface purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:swift/Alamofire@5.4.3"), HasSubstr("swift purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:cargo/rust-lang/rand@0.7.2"), HasSubstr("a cargo purl has no"));
  EXPECT_THAT(ParseError("pkg:gem/rails/rails@7.1.0"), HasSubstr("a gem purl has no namespace"));
  EXPECT_THAT(ParseError("pkg:otp/namespace/hex@2.1.1"), HasSubstr("an otp purl has no"));
  EXPECT_THAT(ParseError("pkg:vcpkg/boost/asio@1.84.0"), HasSubstr("a vcpkg purl has no"));
  EXPECT_EQ(Canonical("pkg:cargo/rand@0.7.2"), "pkg:cargo/rand@0.7.2");
  // Building checks the same rules.
  PackageUrl components;
  components.type = "vscode-extension";
  components.name = "java";
  StatusOr<PackageUrl> built = BuildPackageUrl(components);
  ASSERT_FALSE(built.ok());
  EXPECT_THAT(built.status().message(), HasSubstr("a vscode-extension purl needs a namespace"));
}

TEST(PurlTypeTest, VersionsAreOptionalForEveryType) {
  EXPECT_EQ(Canonical("pkg:cran/A3"), "pkg:cran/A3");
  EXPECT_EQ(Canonical("pkg:swift/github.com/Alamofire/Alamofire"),
            "pkg:swift/github.com/Alamofire/Alamofire");
  EXPECT_EQ(Canonical("pkg:deb/debian/curl"), "pkg:deb/debian/curl");
}

TEST(PurlTypeTest, RequiredQualifiers) {
  EXPECT_EQ(Canonical("pkg:julia/Dates?uuid=ade2ca70-3891-5945-98fb-dc099432e06a"),
            "pkg:julia/Dates?uuid=ade2ca70-3891-5945-98fb-dc099432e06a");
  EXPECT_THAT(ParseError("pkg:julia/Dates@1.9.0"),
              HasSubstr("a julia purl needs a uuid qualifier"));
  EXPECT_EQ(Canonical("pkg:swid/Fedora@29?tag_id=org.fedoraproject.Fedora-29"),
            "pkg:swid/Fedora@29?tag_id=org.fedoraproject.Fedora-29");
  EXPECT_THAT(ParseError("pkg:swid/Fedora@29"), HasSubstr("needs a tag_id qualifier"));
  EXPECT_THAT(ParseError("pkg:swid/Fedora@29?tag_id="), HasSubstr("needs a tag_id qualifier"));
  // Unknown qualifiers are allowed on every type.
  EXPECT_EQ(Canonical("pkg:gem/sinatra@3.1.2?unknown=value"),
            "pkg:gem/sinatra@3.1.2?unknown=value");
}

TEST(PurlTypeTest, ConanNamespaceAndQualifiersAreIndependent) {
  EXPECT_EQ(Canonical("pkg:conan/cctz@2.3"), "pkg:conan/cctz@2.3");
  EXPECT_EQ(Canonical("pkg:conan/bincrafters/cctz@2.3"), "pkg:conan/bincrafters/cctz@2.3");
  EXPECT_EQ(Canonical("pkg:conan/cctz@2.3?channel=stable"), "pkg:conan/cctz@2.3?channel=stable");
  EXPECT_EQ(Canonical("pkg:conan/openssl.org/openssl@3.0.3?user=bincrafters&channel=stable"),
            "pkg:conan/openssl.org/openssl@3.0.3?channel=stable&user=bincrafters");
}

TEST(PurlTypeTest, CpanNamesAreDistributions) {
  EXPECT_EQ(Canonical("pkg:cpan/SBOM-CycloneDX"), "pkg:cpan/SBOM-CycloneDX");
  EXPECT_EQ(Canonical("pkg:cpan/URI-PackageURL?author=GDT"), "pkg:cpan/URI-PackageURL?author=GDT");
  // A namespace is the author's CPAN id, uppercase.
  EXPECT_EQ(Canonical("pkg:cpan/drolsky/DateTime@1.55"), "pkg:cpan/DROLSKY/DateTime@1.55");
  EXPECT_THAT(ParseError("pkg:cpan/URI::PackageURL@2.11"), HasSubstr("contains \"::\""));
  EXPECT_THAT(ParseError("pkg:cpan/GDT/URI::PackageURL"), HasSubstr("not a module"));
}

TEST(PurlTypeTest, MlflowNamesAreLowercasedOnlyOnDatabricks) {
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3?repository_url=https://adb-52.0."
                      "azuredatabricks.net/api/2.0/mlflow"),
            "pkg:mlflow/creditfraud@3?repository_url=https:%2F%2Fadb-52.0.azuredatabricks.net%"
            "2Fapi%2F2.0%2Fmlflow");
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3?repository_url=https://dbc-1-2.cloud."
                      "databricks.com/api/2.0/mlflow"),
            "pkg:mlflow/creditfraud@3?repository_url=https:%2F%2Fdbc-1-2.cloud.databricks.com%"
            "2Fapi%2F2.0%2Fmlflow");
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3?repository_url=https://westus2.api.azureml.ms/"
                      "mlflow/v1.0"),
            "pkg:mlflow/CreditFraud@3?repository_url=https:%2F%2Fwestus2.api.azureml.ms%"
            "2Fmlflow%2Fv1.0");
  // Only the host counts, not a path that mentions Databricks.
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3?repository_url=https://example.com/databricks"),
            "pkg:mlflow/CreditFraud@3?repository_url=https:%2F%2Fexample.com%2Fdatabricks");
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3"), "pkg:mlflow/CreditFraud@3");
}

TEST(PurlTypeTest, PermittedCharacters) {
  EXPECT_EQ(Canonical("pkg:chrome-extension/HLEPFOOHEGKHHMJIEOECHADDAEJAOKHF@25.7.1"),
            "pkg:chrome-extension/hlepfoohegkhhmjieoechaddaejaokhf@25.7.1");
  EXPECT_THAT(ParseError("pkg:chrome-extension/44444algnefjeiefhmpklpfiohadpglk"),
              HasSubstr("does not have the form ^[a-p]{32}$"));
  EXPECT_THAT(ParseError("pkg:chrome-extension/dogs"), HasSubstr("chrome-extension name"));
  EXPECT_THAT(ParseError("pkg:chrome-extension/dlpngalgnefjeiefhmpklpfiohadpglk@1.2.3.4.5"),
              HasSubstr("chrome-extension version \"1.2.3.4.5\""));
  EXPECT_THAT(ParseError("pkg:chrome-extension/dlpngalgnefjeiefhmpklpfiohadpglk@1.2.3-beta"),
              HasSubstr("chrome-extension version"));
}

TEST(PurlTypeTest, PubNamesAreLowercaseWithUnderscores) {
  EXPECT_EQ(Canonical("pkg:pub/Flutter-Web.Plugins@1.0"), "pkg:pub/flutter_web_plugins@1.0");
  EXPECT_EQ(Canonical("pkg:pub/caf%C3%A9@1"), "pkg:pub/caf_@1");
}

TEST(PurlTypeTest, CocoapodsNamesAndSwidNamespacesAreChecked) {
  EXPECT_EQ(Canonical("pkg:cocoapods/GoogleUtilities@7.5.2#NSData+zlib"),
            "pkg:cocoapods/GoogleUtilities@7.5.2#NSData%2Bzlib");
  EXPECT_THAT(ParseError("pkg:cocoapods/.hidden@1"), HasSubstr("the cocoapods name"));
  EXPECT_THAT(ParseError("pkg:cocoapods/a%2Bb@1"), HasSubstr("the cocoapods name"));
  EXPECT_THAT(ParseError("pkg:cocoapods/a%20b@1"), HasSubstr("whitespace"));
  EXPECT_EQ(Canonical("pkg:swid/Acme/example.com/Enterprise+Server@1.0.0?tag_id=75b8c285"),
            "pkg:swid/Acme/example.com/Enterprise%2BServer@1.0.0?tag_id=75b8c285");
  EXPECT_THAT(ParseError("pkg:swid/a/b/c/Server@1.0.0?tag_id=x"),
              HasSubstr("more than two segments"));
}

// ---- Building from components.

TEST(PurlBuildTest, NormalizesLikeParsing) {
  PackageUrl components;
  components.type = "PyPI";
  components.namespace_ = "";
  components.name = "/Django_Rest/";
  components.version = "1.0";
  components.qualifiers = {{"Z", "1"}, {"a", ""}, {"B", "x y"}};
  components.subpath = "/./src//pkg/../";
  StatusOr<PackageUrl> built = BuildPackageUrl(components);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->ToString(), "pkg:pypi/django-rest@1.0?b=x%20y&z=1#src/pkg");
  EXPECT_EQ(*built, *ParsePackageUrl(built->ToString()));

  components = PackageUrl();
  components.type = "maven";
  components.namespace_ = "/org.apache//commons/";
  components.name = "io";
  built = BuildPackageUrl(components);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->namespace_, "org.apache/commons");
}

TEST(PurlBuildTest, Errors) {
  auto build_error = [](PackageUrl components) {
    StatusOr<PackageUrl> built = BuildPackageUrl(std::move(components));
    EXPECT_FALSE(built.ok()) << built->ToString();
    return built.ok() ? std::string() : built.status().message();
  };
  PackageUrl components;
  components.name = "nginx";
  EXPECT_THAT(build_error(components), HasSubstr("the type is missing"));
  components.type = "npm";
  components.name = "//";
  EXPECT_THAT(build_error(components), HasSubstr("the name is missing"));
  components.name = "myartifact";
  components.qualifiers = {{"in production", "true"}};
  EXPECT_THAT(build_error(components), HasSubstr("the qualifier key \"in production\""));
  components.qualifiers = {{"k", "a\nb"}};
  EXPECT_THAT(build_error(components), HasSubstr("the value of qualifier k contains a control"));
  components.qualifiers = {};
  components.namespace_ = std::string("a\0b", 3);
  EXPECT_THAT(build_error(components), HasSubstr("a namespace segment contains a control"));
  components.namespace_ = "";
  components.subpath = "ok/\xFF";
  EXPECT_THAT(build_error(components), HasSubstr("a subpath segment is not valid UTF-8"));
}

// ---- Idempotence: the canonical form parses back to the same purl and prints the same.

TEST(PurlTest, CanonicalFormIsAFixedPoint) {
  const char* inputs[] = {
      "pkg:npm/%40angular/animation@12.3.1",
      "pkg:generic/bitwarderl?vcs_url=git%2Bhttps://git.fsfe.org/dxtr/bitwarderl%40cc55108da32",
      "pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
      "pkg:conan/openssl.org/openssl@3.0.3?compiler=Visual%20Studio&user=x&channel=stable",
      "pkg:generic/..%2F..@..#...",
      "pkg:generic/%2F%2Fx%2F%2F",
      "pkg:opam/git@3/16.1",
      "pkg:deb/debian/%C4%B0%C3%89",
      "pkg:pub/A-b.C",
      "pkg:mlflow/M?repository_url=https://x.azuredatabricks.net",
  };
  for (const char* input : inputs) {
    SCOPED_TRACE(input);
    StatusOr<PackageUrl> first = ParsePackageUrl(input);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    StatusOr<PackageUrl> second = ParsePackageUrl(first->ToString());
    ASSERT_TRUE(second.ok()) << second.status().ToString();
    EXPECT_EQ(*second, *first);
    EXPECT_EQ(second->ToString(), first->ToString());
    StatusOr<PackageUrl> built = BuildPackageUrl(*first);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    EXPECT_EQ(*built, *first);
  }
}

}  // namespace
}  // namespace bulwark::vuln
