#include "vuln/sbom.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace bulwark::vuln {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kCorpus = std::string(BULWARK_SOURCE_DIR) + "/../shared/corpora/sbom";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Parses a corpus file, failing the test when it does not parse.
Sbom ParseCorpusFile(const std::string& relative_path) {
  StatusOr<Sbom> sbom = ParseSbom(ReadFile(kCorpus + "/" + relative_path));
  EXPECT_TRUE(sbom.ok()) << relative_path << ": " << sbom.status().ToString();
  return sbom.ok() ? *std::move(sbom) : Sbom{};
}

const SbomComponent* FindByPurl(const Sbom& sbom, std::string_view purl) {
  for (const SbomComponent& c : sbom.components) {
    if (c.purl == purl) return &c;
  }
  return nullptr;
}

using NameAndParent = std::pair<std::string, int>;

// A string of all of `literal`'s bytes, embedded NULs included.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

const SbomDependency* FindDependency(const Sbom& sbom, std::string_view ref) {
  for (const SbomDependency& d : sbom.dependencies) {
    if (d.ref == ref) return &d;
  }
  return nullptr;
}

#define SKIP_WITHOUT_CORPUS()                                                          \
  if (!std::filesystem::exists(kCorpus)) {                                             \
    GTEST_SKIP() << "../shared/corpora/sbom is absent; skipping the real-SBOM checks"; \
  }

// ---------------------------------------------------------------------------------------------
// The corpus of real SBOMs.

TEST(SbomCorpusTest, EveryDocumentParses) {
  SKIP_WITHOUT_CORPUS();
  int parsed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kCorpus)) {
    if (!entry.is_regular_file()) continue;
    const std::string extension = entry.path().extension().string();
    if (extension != ".json" && extension != ".xml") continue;  // README.md files
    const std::string path = entry.path().string();
    StatusOr<Sbom> sbom = ParseSbom(ReadFile(path));
    ASSERT_TRUE(sbom.ok()) << path << ": " << sbom.status().ToString();
    if (path.find("/spdx/") != std::string::npos) {
      EXPECT_EQ(sbom->format, Sbom::Format::kSpdxJson) << path;
    } else if (extension == ".xml") {
      EXPECT_EQ(sbom->format, Sbom::Format::kCycloneDxXml) << path;
    } else {
      EXPECT_EQ(sbom->format, Sbom::Format::kCycloneDxJson) << path;
    }
    ++parsed;
  }
  EXPECT_GE(parsed, 81);
}

TEST(SbomCorpusTest, JuiceShop) {
  SKIP_WITHOUT_CORPUS();
  Sbom sbom = ParseCorpusFile("cyclonedx/SBOM/juice-shop/v11.1.2/bom.json");
  EXPECT_EQ(sbom.format, Sbom::Format::kCycloneDxJson);
  EXPECT_EQ(sbom.spec_version, "1.2");
  EXPECT_EQ(sbom.serial_number, "urn:uuid:1f860713-54b9-4253-ba5a-9554851904af");
  EXPECT_EQ(sbom.version, 1);
  EXPECT_EQ(sbom.subject.name, "juice-shop");
  EXPECT_EQ(sbom.subject.version, "11.1.2");
  EXPECT_EQ(sbom.subject.purl, "pkg:npm/juice-shop@11.1.2");
  EXPECT_EQ(sbom.components.size(), 840u);
  const SbomComponent* express = FindByPurl(sbom, "pkg:npm/express@4.17.1");
  ASSERT_NE(express, nullptr);
  EXPECT_EQ(express->name, "express");
  EXPECT_EQ(express->version, "4.17.1");
  EXPECT_EQ(express->type, "framework");
  EXPECT_EQ(express->bom_ref, "pkg:npm/express@4.17.1");
  EXPECT_EQ(express->parent, -1);
}

TEST(SbomCorpusTest, Laravel) {
  SKIP_WITHOUT_CORPUS();
  Sbom sbom = ParseCorpusFile("cyclonedx/SBOM/laravel-7.12.0/bom.1.4.json");
  EXPECT_EQ(sbom.spec_version, "1.4");
  EXPECT_EQ(sbom.subject.purl, "pkg:composer/cyclonedx/cyclonedx-php-composer-demo@dev-master");
  EXPECT_EQ(sbom.subject.bom_ref, "cyclonedx/cyclonedx-php-composer-demo-dev-master");
  const SbomComponent* framework = FindByPurl(sbom, "pkg:composer/laravel/framework@v7.30.6");
  ASSERT_NE(framework, nullptr);
  EXPECT_EQ(framework->group, "laravel");
  EXPECT_EQ(framework->name, "framework");
  EXPECT_EQ(framework->version, "v7.30.6");
  EXPECT_EQ(framework->bom_ref, "laravel/framework-7.30.6.0");
  const SbomDependency* framework_dependencies = FindDependency(sbom, "laravel/framework-7.30.6.0");
  ASSERT_NE(framework_dependencies, nullptr);
  EXPECT_EQ(framework_dependencies->depends_on.size(), 25u);
  EXPECT_EQ(framework_dependencies->depends_on.front(), "doctrine/inflector-2.0.6.0");
}

TEST(SbomCorpusTest, LaravelXmlOfEverySpecVersion) {
  SKIP_WITHOUT_CORPUS();
  for (std::string version : {"1.1", "1.2", "1.3", "1.4"}) {
    Sbom sbom = ParseCorpusFile("cyclonedx/SBOM/laravel-7.12.0/bom." + version + ".xml");
    EXPECT_EQ(sbom.format, Sbom::Format::kCycloneDxXml);
    EXPECT_EQ(sbom.spec_version, version);
    const SbomComponent* cors = FindByPurl(sbom, "pkg:composer/asm89/stack-cors@1.3.0");
    ASSERT_NE(cors, nullptr) << version;
    EXPECT_EQ(cors->group, "asm89") << version;
    EXPECT_EQ(cors->name, "stack-cors") << version;
    EXPECT_EQ(cors->version, "1.3.0") << version;
    EXPECT_EQ(cors->type, "library") << version;
  }
}

TEST(SbomCorpusTest, Dropwizard) {
  SKIP_WITHOUT_CORPUS();
  Sbom sbom = ParseCorpusFile("cyclonedx/SBOM/dropwizard-1.3.15/bom.json");
  EXPECT_EQ(sbom.subject.purl, "pkg:maven/io.dropwizard/dropwizard-parent@1.3.15");
  EXPECT_EQ(sbom.components.size(), 167u);
  EXPECT_EQ(sbom.dependencies.size(), 167u);
  const SbomComponent* databind =
      FindByPurl(sbom, "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10?type=jar");
  ASSERT_NE(databind, nullptr);
  EXPECT_EQ(databind->group, "com.fasterxml.jackson.core");
  EXPECT_EQ(databind->name, "jackson-databind");
  EXPECT_EQ(databind->version, "2.9.10");
}

TEST(SbomCorpusTest, ProtonBridge) {
  SKIP_WITHOUT_CORPUS();
  Sbom sbom = ParseCorpusFile("cyclonedx/SBOM/proton-bridge/proton-bridge-v1.8.0.bom.json");
  EXPECT_EQ(sbom.subject.type, "application");
  EXPECT_EQ(sbom.subject.purl, "pkg:golang/github.com/ProtonMail/proton-bridge@v1.8.0");
  EXPECT_EQ(sbom.components.size(), 201u);
  const SbomComponent* imap = FindByPurl(
      sbom, "pkg:golang/github.com/ProtonMail/go-imap@v0.0.0-20201228133358-4db68cea0cac");
  ASSERT_NE(imap, nullptr);
  EXPECT_EQ(imap->name, "github.com/ProtonMail/go-imap");
  EXPECT_EQ(imap->version, "v0.0.0-20201228133358-4db68cea0cac");
}

// The JSON and XML encodings of one BOM give the same model, nested components included.
TEST(SbomCorpusTest, JsonAndXmlOfTheSameBomAgree) {
  SKIP_WITHOUT_CORPUS();
  const std::pair<std::string, std::string> pairs[] = {
      {"juice-shop/v11.1.2/bom.json", "juice-shop/v11.1.2/bom.xml"},
      {"juice-shop/via_npm/bare/bom.1.4.json", "juice-shop/via_npm/bare/bom.1.4.xml"},
      {"juice-shop/via_npm/flat/bom.1.3.json", "juice-shop/via_npm/flat/bom.1.3.xml"},
      {"laravel-7.12.0/bom.1.4.json", "laravel-7.12.0/bom.1.4.xml"},
      {"laravel-7.12.0/bom.1.2.json", "laravel-7.12.0/bom.1.2.xml"},
      {"dropwizard-1.3.15/bom.json", "dropwizard-1.3.15/bom.xml"},
      {"proton-bridge/proton-bridge-v1.8.0.bom.json", "proton-bridge/proton-bridge-v1.8.0.bom.xml"},
      {"keycloak-10.0.2/bom.json", "keycloak-10.0.2/bom.xml"},
  };
  for (const auto& [json_path, xml_path] : pairs) {
    Sbom json = ParseCorpusFile("cyclonedx/SBOM/" + json_path);
    Sbom xml = ParseCorpusFile("cyclonedx/SBOM/" + xml_path);
    EXPECT_EQ(json.spec_version, xml.spec_version) << json_path;
    // The two encodings were generated separately: serial numbers differ, and keycloak's
    // subject type does ("application" in JSON, "library" in XML).
    EXPECT_EQ(json.subject.bom_ref, xml.subject.bom_ref) << json_path;
    EXPECT_EQ(json.subject.purl, xml.subject.purl) << json_path;
    EXPECT_EQ(json.subject.version, xml.subject.version) << json_path;
    EXPECT_EQ(json.components, xml.components) << json_path;
    EXPECT_EQ(json.dependencies, xml.dependencies) << json_path;
  }
  Sbom bare = ParseCorpusFile("cyclonedx/SBOM/juice-shop/via_npm/bare/bom.1.4.xml");
  EXPECT_TRUE(std::any_of(bare.components.begin(), bare.components.end(),
                          [](const SbomComponent& c) { return c.parent >= 0; }));
}

TEST(SbomCorpusTest, SpdxPurlsFromPackageManagerReferences) {
  SKIP_WITHOUT_CORPUS();
  Sbom sbom = ParseCorpusFile("spdx/software/example11/spdx2.3/sbom.spdx.json");
  EXPECT_EQ(sbom.format, Sbom::Format::kSpdxJson);
  EXPECT_EQ(sbom.spec_version, "SPDX-2.3");
  // documentDescribes names one package (and a file): that package is the subject.
  EXPECT_EQ(sbom.subject.bom_ref, "SPDXRef-Package-hello-server-src");
  EXPECT_EQ(sbom.subject.purl, "pkg:deb/debian/libselinux1-dev@3.1-3?arch=s390x");
  EXPECT_EQ(sbom.subject.version, "0.1.0");
  ASSERT_EQ(sbom.components.size(), 3u);
  const SbomComponent* hyper = FindByPurl(sbom, "pkg:cargo/hyper@0.14");
  ASSERT_NE(hyper, nullptr);
  EXPECT_EQ(hyper->name, "hyper");
  EXPECT_EQ(hyper->version, "0.14");
  EXPECT_EQ(hyper->bom_ref, "SPDXRef-Package-SPDXRef-Package-cargo-hyper-0.14");
  const SbomComponent* tokio = FindByPurl(sbom, "pkg:cargo/tokio@1.19.2");
  ASSERT_NE(tokio, nullptr);
  EXPECT_EQ(tokio->version, "1.19.2");
  const SbomDependency* server = FindDependency(sbom, "SPDXRef-Package-hello-server-src");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->depends_on.size(), 3u);
}

TEST(SbomCorpusTest, SpdxDescribesRelationshipAndDynamicLink) {
  SKIP_WITHOUT_CORPUS();
  Sbom sbom =
      ParseCorpusFile("spdx/presentations/OSS-NA-2023/SPDXVersion2.3/03-SBOMwDependency.json");
  EXPECT_EQ(sbom.subject.bom_ref, "SPDXRef-Package");
  EXPECT_EQ(sbom.subject.name, "tools-java");
  EXPECT_EQ(sbom.subject.purl,
            "pkg:github/spdx/tools-java@2235d5d7f7fe46ce1e0d54b7831c5681633b25cc");
  ASSERT_EQ(sbom.components.size(), 1u);
  EXPECT_EQ(sbom.components[0].purl, "pkg:maven/org.webjars.npm/xlsx@0.16.6");
  EXPECT_EQ(sbom.components[0].version, "0.16.6");
  EXPECT_THAT(sbom.dependencies, ElementsAre(SbomDependency{"SPDXRef-Package", {"SPDXRef-xlsx"}}));
}

// ---------------------------------------------------------------------------------------------
// Hand-written documents: what the readers take from each format.

TEST(CycloneDxJsonTest, NestedComponentsAreFlattenedInDocumentOrder) {
  StatusOr<Sbom> sbom = ParseSbom(R"({
    "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 3,
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "metadata": {"component": {"type": "firmware", "name": "router", "version": "2.1",
                               "components": [{"name": "bootloader"}]}},
    "components": [
      {"bom-ref": "a", "type": "library", "group": "org.example", "name": "a", "version": "1",
       "purl": "pkg:maven/org.example/a@1", "cpe": "cpe:2.3:a:example:a:1:*:*:*:*:*:*:*",
       "components": [
         {"bom-ref": "a1", "name": "a1", "components": [{"bom-ref": "a11", "name": "a11"}]},
         {"bom-ref": "a2", "name": "a2"}]},
      {"bom-ref": "b", "name": "b", "unknownMember": {"ignored": true}}
    ],
    "dependencies": [{"ref": "a", "dependsOn": ["b", "a1"]}, {"ref": "b"}]
  })");
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  EXPECT_EQ(sbom->format, Sbom::Format::kCycloneDxJson);
  EXPECT_EQ(sbom->spec_version, "1.6");
  EXPECT_EQ(sbom->version, 3);
  EXPECT_EQ(sbom->serial_number, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
  EXPECT_EQ(sbom->subject.type, "firmware");
  EXPECT_EQ(sbom->subject.name, "router");
  ASSERT_EQ(sbom->components.size(), 6u);
  std::vector<NameAndParent> names_and_parents;
  for (const SbomComponent& c : sbom->components) names_and_parents.emplace_back(c.name, c.parent);
  EXPECT_THAT(
      names_and_parents,
      ElementsAre(NameAndParent{"bootloader", -1}, NameAndParent{"a", -1}, NameAndParent{"a1", 1},
                  NameAndParent{"a11", 2}, NameAndParent{"a2", 1}, NameAndParent{"b", -1}));
  const SbomComponent& a = sbom->components[1];
  EXPECT_EQ(a.bom_ref, "a");
  EXPECT_EQ(a.type, "library");
  EXPECT_EQ(a.group, "org.example");
  EXPECT_EQ(a.version, "1");
  EXPECT_EQ(a.purl, "pkg:maven/org.example/a@1");
  EXPECT_THAT(a.cpes, ElementsAre("cpe:2.3:a:example:a:1:*:*:*:*:*:*:*"));
  EXPECT_THAT(sbom->dependencies,
              ElementsAre(SbomDependency{"a", {"b", "a1"}}, SbomDependency{"b", {}}));
}

TEST(CycloneDxJsonTest, VexWithoutComponents) {
  StatusOr<Sbom> sbom = ParseSbom(R"({"bomFormat": "CycloneDX", "specVersion": "1.4",
      "vulnerabilities": [{"id": "CVE-2021-44228"}]})");
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  EXPECT_TRUE(sbom->components.empty());
  EXPECT_TRUE(sbom->dependencies.empty());
  EXPECT_EQ(sbom->version, 1);
}

TEST(CycloneDxXmlTest, NestedComponentsAndDependencies) {
  StatusOr<Sbom> sbom = ParseSbom(R"(<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" xmlns:ext="urn:example:ext"
     serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="7">
  <metadata>
    <tools><components><component type="application"><name>generator</name></component>
    </components></tools>
    <component type="firmware" bom-ref="router"><name>router</name>
      <components><component><name>bootloader</name></component></components>
    </component>
  </metadata>
  <components>
    <component type="library" bom-ref="a">
      <supplier><name>Supplier Inc.</name></supplier>
      <group>org.example</group>
      <name>
        a
      </name>
      <version><![CDATA[1]]></version>
      <ext:name>extension value</ext:name>
      <pedigree><ancestors><component><name>upstream-a</name></component></ancestors></pedigree>
      <components>
        <component bom-ref="a1"><name>a1</name>
          <components><component bom-ref="a11"><name>a&amp;11</name></component></components>
        </component>
        <component bom-ref="a2"><name>a2</name></component>
      </components>
      <purl>pkg:maven/org.example/a@1</purl>
      <cpe>cpe:2.3:a:example:a:1:*:*:*:*:*:*:*</cpe>
    </component>
    <component bom-ref="b"><name>b</name></component>
  </components>
  <dependencies>
    <dependency ref="a"><dependency ref="b"/><dependency ref="a1"/></dependency>
    <dependency ref="b"/>
  </dependencies>
</bom>)");
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  EXPECT_EQ(sbom->format, Sbom::Format::kCycloneDxXml);
  EXPECT_EQ(sbom->spec_version, "1.5");
  EXPECT_EQ(sbom->version, 7);
  EXPECT_EQ(sbom->serial_number, "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79");
  EXPECT_EQ(sbom->subject.name, "router");
  EXPECT_EQ(sbom->subject.bom_ref, "router");
  std::vector<NameAndParent> names_and_parents;
  for (const SbomComponent& c : sbom->components) names_and_parents.emplace_back(c.name, c.parent);
  EXPECT_THAT(
      names_and_parents,
      ElementsAre(NameAndParent{"bootloader", -1}, NameAndParent{"a", -1}, NameAndParent{"a1", 1},
                  NameAndParent{"a&11", 2}, NameAndParent{"a2", 1}, NameAndParent{"b", -1}));
  const SbomComponent& a = sbom->components[1];
  EXPECT_EQ(a.type, "library");
  EXPECT_EQ(a.group, "org.example");
  EXPECT_EQ(a.version, "1");
  EXPECT_EQ(a.purl, "pkg:maven/org.example/a@1");
  EXPECT_THAT(a.cpes, ElementsAre("cpe:2.3:a:example:a:1:*:*:*:*:*:*:*"));
  EXPECT_THAT(sbom->dependencies,
              ElementsAre(SbomDependency{"a", {"b", "a1"}}, SbomDependency{"b", {}}));
}

TEST(CycloneDxXmlTest, PrefixedNamespaceAndByteOrderMark) {
  StatusOr<Sbom> sbom = ParseSbom(
      "\xEF\xBB\xBF<cdx:bom xmlns:cdx=\"http://cyclonedx.org/schema/bom/1.6\"><cdx:components>"
      "<cdx:component type=\"library\"><cdx:name>x</cdx:name><name>not ours</name>"
      "</cdx:component></cdx:components></cdx:bom>");
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  ASSERT_EQ(sbom->components.size(), 1u);
  EXPECT_EQ(sbom->components[0].name, "x");
}

TEST(SpdxJsonTest, PackagesReferencesAndRelationships) {
  StatusOr<Sbom> sbom = ParseSbom(R"({
    "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "my-image",
    "documentNamespace": "https://example.com/spdx/my-image-1",
    "documentDescribes": ["SPDXRef-app"],
    "packages": [
      {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "3.0",
       "primaryPackagePurpose": "APPLICATION"},
      {"SPDXID": "SPDXRef-log4j", "name": "log4j-core", "versionInfo": "2.14.1",
       "primaryPackagePurpose": "LIBRARY",
       "externalRefs": [
         {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
          "referenceLocator": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"},
         {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl",
          "referenceLocator": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
         {"referenceCategory": "SECURITY", "referenceType": "advisory",
          "referenceLocator": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"}]},
      {"SPDXID": "SPDXRef-zlib", "name": "zlib", "versionInfo": "1.2.13",
       "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                         "referenceLocator": "pkg:deb/debian/zlib1g@1.2.13"},
                        {"referenceCategory": "SECURITY", "referenceType": "cpe22Type",
                         "referenceLocator": "cpe:/a:zlib:zlib:1.2.13"}]}
    ],
    "relationships": [
      {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
       "relatedSpdxElement": "SPDXRef-app"},
      {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON",
       "relatedSpdxElement": "SPDXRef-log4j"},
      {"spdxElementId": "SPDXRef-zlib", "relationshipType": "DEPENDENCY_OF",
       "relatedSpdxElement": "SPDXRef-log4j"},
      {"spdxElementId": "SPDXRef-app", "relationshipType": "CONTAINS",
       "relatedSpdxElement": "SPDXRef-log4j"},
      {"spdxElementId": "SPDXRef-app", "relationshipType": "CONTAINS",
       "relatedSpdxElement": "NOASSERTION"},
      {"spdxElementId": "SPDXRef-app", "relationshipType": "GENERATED_FROM",
       "relatedSpdxElement": "SPDXRef-zlib"}
    ]
  })");
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  EXPECT_EQ(sbom->format, Sbom::Format::kSpdxJson);
  EXPECT_EQ(sbom->serial_number, "https://example.com/spdx/my-image-1");
  EXPECT_EQ(sbom->subject.bom_ref, "SPDXRef-app");
  EXPECT_EQ(sbom->subject.name, "app");
  EXPECT_EQ(sbom->subject.type, "APPLICATION");
  ASSERT_EQ(sbom->components.size(), 2u);
  const SbomComponent& log4j = sbom->components[0];
  EXPECT_EQ(log4j.bom_ref, "SPDXRef-log4j");
  EXPECT_EQ(log4j.version, "2.14.1");
  EXPECT_EQ(log4j.type, "LIBRARY");
  EXPECT_EQ(log4j.purl, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
  EXPECT_THAT(log4j.cpes, ElementsAre("cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"));
  EXPECT_EQ(sbom->components[1].purl, "pkg:deb/debian/zlib1g@1.2.13");
  EXPECT_THAT(sbom->components[1].cpes, ElementsAre("cpe:/a:zlib:zlib:1.2.13"));
  // DEPENDENCY_OF is read backwards; CONTAINS repeating DEPENDS_ON adds no second edge.
  EXPECT_THAT(sbom->dependencies, ElementsAre(SbomDependency{"SPDXRef-app", {"SPDXRef-log4j"}},
                                              SbomDependency{"SPDXRef-log4j", {"SPDXRef-zlib"}}));
}

TEST(SpdxJsonTest, SeveralDescribedPackagesStayComponents) {
  StatusOr<Sbom> sbom = ParseSbom(R"({
    "spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "name": "two-things",
    "packages": [{"SPDXID": "SPDXRef-a", "name": "a"}, {"SPDXID": "SPDXRef-b", "name": "b"}],
    "relationships": [
      {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
       "relatedSpdxElement": "SPDXRef-a"},
      {"spdxElementId": "SPDXRef-b", "relationshipType": "DESCRIBED_BY",
       "relatedSpdxElement": "SPDXRef-DOCUMENT"}]
  })");
  ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
  EXPECT_EQ(sbom->spec_version, "SPDX-2.2");
  EXPECT_EQ(sbom->subject, SbomComponent{.name = "two-things"});
  EXPECT_EQ(sbom->components.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Malformed and hostile documents: an error a person can act on, never a crash.

void ExpectInvalid(std::string_view document, std::string_view message_part) {
  StatusOr<Sbom> sbom = ParseSbom(document);
  ASSERT_FALSE(sbom.ok()) << "parsed: " << document.substr(0, 200);
  EXPECT_EQ(sbom.status().code(), StatusCode::kInvalidArgument) << sbom.status().ToString();
  EXPECT_THAT(sbom.status().message(), HasSubstr(message_part));
}

TEST(SbomErrorTest, TruncatedJsonSaysWhere) {
  StatusOr<Sbom> sbom =
      ParseSbom("{\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"1.4\",\n\"comp");
  ASSERT_FALSE(sbom.ok());
  EXPECT_EQ(sbom.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sbom.status().detail("line"), "3");
  EXPECT_THAT(sbom.status().message(), HasSubstr("line 3"));
}

TEST(SbomErrorTest, TruncatedXmlSaysWhere) {
  StatusOr<Sbom> sbom = ParseSbom(
      "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n<component><name>x");
  ASSERT_FALSE(sbom.ok());
  EXPECT_EQ(sbom.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sbom.status().detail("line"), "3");
  EXPECT_THAT(sbom.status().message(), HasSubstr("malformed XML"));
}

TEST(SbomErrorTest, MismatchedXmlTagSaysWhere) {
  StatusOr<Sbom> sbom =
      ParseSbom("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n</bom>");
  ASSERT_FALSE(sbom.ok());
  EXPECT_EQ(sbom.status().detail("line"), "3");
  EXPECT_EQ(sbom.status().detail("column"), "3");
}

TEST(SbomErrorTest, WrongTypesNameTheJsonPath) {
  const std::string cdx = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", )";
  ExpectInvalid(cdx + R"("components": [{"name": "a"}, {"name": "b", "version": 2}]})",
                "components[1].version: expected a string, found a number");
  ExpectInvalid(cdx + R"("components": [{"name": "a", "components": [{"purl": ["x"]}]}]})",
                "components[0].components[0].purl: expected a string, found an array");
  ExpectInvalid(cdx + R"("components": {"name": "a"}})",
                "components: expected an array, found an object");
  ExpectInvalid(cdx + R"("components": ["a"]})", "components[0]: expected an object");
  ExpectInvalid(cdx + R"("metadata": {"component": "app"}})",
                "metadata.component: expected an object, found a string");
  ExpectInvalid(cdx + R"("dependencies": [{"ref": "a", "dependsOn": ["b", 3]}]})",
                "dependencies[0].dependsOn[1]: expected a string");
  ExpectInvalid(cdx + R"("dependencies": [{"dependsOn": ["b"]}]})", "dependencies[0].ref");
  ExpectInvalid(cdx + R"("version": "one"})", "version: expected an integer");
  ExpectInvalid(R"({"bomFormat": "CycloneDX", "specVersion": 1.4})",
                "specVersion: expected a string, found a number");
  ExpectInvalid(R"({"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-a",
                    "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                                      "referenceType": "purl", "referenceLocator": null},
                                     {"referenceLocator": false}]}]})",
                "packages[0].externalRefs[1].referenceLocator: expected a string, found a boolean");
  ExpectInvalid(R"({"spdxVersion": "SPDX-2.3", "relationships": [{"spdxElementId": 1}]})",
                "relationships[0].spdxElementId: expected a string");
  ExpectInvalid(R"({"spdxVersion": "SPDX-2.3", "documentDescribes": "SPDXRef-a"})",
                "documentDescribes: expected an array");

  StatusOr<Sbom> sbom = ParseSbom(cdx + R"("components": [{"name": 1}]})");
  ASSERT_FALSE(sbom.ok());
  EXPECT_EQ(sbom.status().detail("path"), "components[0].name");
}

TEST(SbomErrorTest, XmlModelErrorsSayWhere) {
  StatusOr<Sbom> sbom = ParseSbom(
      "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<dependencies>\n"
      "  <dependency><dependency ref=\"a\"/></dependency>\n</dependencies></bom>");
  ASSERT_FALSE(sbom.ok());
  EXPECT_THAT(sbom.status().message(), HasSubstr("ref attribute"));
  EXPECT_EQ(sbom.status().detail("line"), "3");
  ExpectInvalid("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\" version=\"1x\"/>",
                "version attribute \"1x\" is not an integer");
  ExpectInvalid("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><x>&undefined;</x></bom>",
                "undefined entity");
  ExpectInvalid("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\"><p:x/></bom>",
                "unbound prefix");
}

std::string NestedJsonComponents(int levels) {
  std::string document = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", )";
  for (int i = 0; i < levels; ++i) document += R"("components": [{"name": "c", )";
  document += R"("version": "1")";
  for (int i = 0; i < levels; ++i) document += "}]";
  return document + "}";
}

std::string NestedXmlComponents(int levels) {
  std::string document = R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5">)";
  for (int i = 0; i < levels; ++i) document += "<components><component><name>c</name>";
  for (int i = 0; i < levels; ++i) document += "</component></components>";
  return document + "</bom>";
}

TEST(SbomErrorTest, DeepNestingIsRefused) {
  // The deepest accepted nesting reads in both encodings, with each component's parent.
  for (const std::string& document : {NestedJsonComponents(24), NestedXmlComponents(24)}) {
    StatusOr<Sbom> sbom = ParseSbom(document);
    ASSERT_TRUE(sbom.ok()) << sbom.status().ToString();
    ASSERT_EQ(sbom->components.size(), 24u);
    EXPECT_EQ(sbom->components.back().parent, 22);
  }
  ExpectInvalid(NestedJsonComponents(25), "nested more than 24 levels deep");
  ExpectInvalid(NestedXmlComponents(25), "nested more than 24 levels deep");
  // Deeper still, the JSON parser's own depth limit applies.
  ExpectInvalid(NestedJsonComponents(64), "too deep");
  ExpectInvalid(NestedXmlComponents(64), "nested more than 24 levels deep");
  std::string deep_xml = R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5">)";
  for (int i = 0; i < 100000; ++i) deep_xml += "<x>";
  ExpectInvalid(deep_xml, "elements are nested more than 256 deep");
  ExpectInvalid(std::string(100000, '['), "too deep");
}

TEST(SbomErrorTest, DoctypeAndEntitiesAreRefused) {
  const std::string billion_laughs = R"(<?xml version="1.0"?>
<!DOCTYPE bom [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component>
<name>&lol9;</name></component></components></bom>)";
  StatusOr<Sbom> sbom = ParseSbom(billion_laughs);
  ASSERT_FALSE(sbom.ok());
  EXPECT_THAT(sbom.status().message(), HasSubstr("DOCTYPE"));
  EXPECT_EQ(sbom.status().detail("line"), "2");

  ExpectInvalid(R"(<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component>
<name>&xxe;</name></component></components></bom>)",
                "DOCTYPE");
  ExpectInvalid(R"(<!DOCTYPE bom SYSTEM "http://example.com/bom.dtd"><bom/>)", "DOCTYPE");
}

TEST(SbomErrorTest, UnrecognizedFormats) {
  ExpectInvalid("name,version\nlodash,4.17.21\n", "unrecognized SBOM format");
  ExpectInvalid(R"({"name": "lodash"})", "neither \"bomFormat\" nor \"spdxVersion\"");
  ExpectInvalid(R"({"bomFormat": "SWID", "specVersion": "1.4"})", "bomFormat is \"SWID\"");
  ExpectInvalid(R"({"bomFormat": 7})", "bomFormat is not the string \"CycloneDX\"");
  ExpectInvalid("[1, 2]", "JSON but not an object");
  ExpectInvalid("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"/>",
                "root element is <project> in namespace http://maven.apache.org/POM/4.0.0");
  ExpectInvalid("<bom/>", "root element is <bom> in no namespace");
  StatusOr<Sbom> sbom = ParseSbom("plain text");
  ASSERT_FALSE(sbom.ok());
  EXPECT_THAT(sbom.status().message(), HasSubstr("CycloneDX JSON"));
  EXPECT_THAT(sbom.status().message(), HasSubstr("CycloneDX XML"));
  EXPECT_THAT(sbom.status().message(), HasSubstr("SPDX 2.2 or 2.3 JSON"));
}

TEST(SbomErrorTest, UnsupportedSpecVersions) {
  ExpectInvalid(R"({"bomFormat": "CycloneDX", "specVersion": "2.0"})",
                "specVersion: CycloneDX 2.0 is not supported");
  ExpectInvalid(R"({"bomFormat": "CycloneDX"})", "specVersion: required");
  ExpectInvalid(R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.7"/>)",
                "CycloneDX 1.7 (namespace http://cyclonedx.org/schema/bom/1.7) is not supported");
  ExpectInvalid(R"({"spdxVersion": "SPDX-3.0"})", "\"SPDX-3.0\" is not supported");
  ExpectInvalid(R"({"spdxVersion": "SPDX-2.1"})", "accepts SPDX-2.2 and SPDX-2.3");
  // A hostile value is quoted only in part.
  StatusOr<Sbom> long_version = ParseSbom(R"({"bomFormat": "CycloneDX", "specVersion": ")" +
                                          std::string(100000, '9') + "\"}");
  ASSERT_FALSE(long_version.ok());
  EXPECT_LT(long_version.status().message().size(), 200u);
  StatusOr<Sbom> long_namespace =
      ParseSbom("<bom xmlns=\"urn:" + std::string(100000, 'x') + "\"/>");
  ASSERT_FALSE(long_namespace.ok());
  EXPECT_LT(long_namespace.status().message().size(), 500u);
}

TEST(SbomErrorTest, EmptyAndNulBytes) {
  ExpectInvalid("", "the SBOM is empty");
  ExpectInvalid(" \n\t ", "the SBOM is empty");
  ExpectInvalid(Bytes("\0{}"), "neither JSON nor XML");
  ExpectInvalid(Bytes("{\"bomFormat\": \"Cyclone\0DX\"}"), "malformed JSON");
  ExpectInvalid(Bytes("{\"bomFormat\": \"CycloneDX\"}\0"), "malformed JSON");
  ExpectInvalid(Bytes("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\0</bom>"),
                "malformed XML");
}

TEST(SbomErrorTest, OverTheSizeCap) {
  const std::string document(kMaxSbomBytes + 1, ' ');
  StatusOr<Sbom> sbom = ParseSbom(document);
  ASSERT_FALSE(sbom.ok());
  EXPECT_EQ(sbom.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(sbom.status().message(), HasSubstr("over the limit"));
}

// ---------------------------------------------------------------------------------------------
// Size: ten thousand components read in one linear pass (the time shows in the test log).

TEST(SbomScaleTest, TenThousandComponents) {
  constexpr int kCount = 10000;
  std::string json = R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [)";
  std::string xml = R"(<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>)";
  std::string json_dependencies = R"(], "dependencies": [)";
  std::string xml_dependencies = "</components><dependencies>";
  for (int i = 0; i < kCount; ++i) {
    const std::string n = std::to_string(i);
    const std::string next = std::to_string((i + 1) % kCount);
    if (i > 0) json += ",";
    json += R"({"type": "library", "bom-ref": "c)" + n + R"(", "name": "package-)" + n +
            R"(", "version": "1.0.)" + n + R"(", "purl": "pkg:npm/package-)" + n + "@1.0." + n +
            R"("})";
    xml += "<component type=\"library\" bom-ref=\"c" + n + "\"><name>package-" + n +
           "</name><version>1.0." + n + "</version><purl>pkg:npm/package-" + n + "@1.0." + n +
           "</purl></component>";
    if (i > 0) json_dependencies += ",";
    json_dependencies += R"({"ref": "c)" + n + R"(", "dependsOn": ["c)" + next + R"("]})";
    xml_dependencies +=
        "<dependency ref=\"c" + n + "\"><dependency ref=\"c" + next + "\"/></dependency>";
  }
  json += json_dependencies + "]}";
  xml += xml_dependencies + "</dependencies></bom>";

  StatusOr<Sbom> from_json = ParseSbom(json);
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  StatusOr<Sbom> from_xml = ParseSbom(xml);
  ASSERT_TRUE(from_xml.ok()) << from_xml.status().ToString();
  ASSERT_EQ(from_json->components.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(from_json->components[9999].purl, "pkg:npm/package-9999@1.0.9999");
  EXPECT_EQ(from_json->dependencies.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(from_json->components, from_xml->components);
  EXPECT_EQ(from_json->dependencies, from_xml->dependencies);
}

}  // namespace
}  // namespace bulwark::vuln
