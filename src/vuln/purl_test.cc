#include "vuln/purl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/json.h"

namespace bulwark::vuln {
namespace {

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
  const std::string path =
      std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/purl/specification-test.json";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "../shared/conformance/purl/specification-test.json is absent; skipping the "
                    "purl conformance vectors";
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  StatusOr<boost::json::value> document = ParseJson(text.str());
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  const boost::json::array& tests = document->at("tests").as_array();

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
            "repository_url=repo.spring.io/release#META-INF/MANIFEST.MF");
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
  EXPECT_THAT(ParseError("pkg:/npm"), HasSubstr("the type is missing"));
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
  // Trailing slashes are not significant; the last '@' of the last segment starts the version.
  EXPECT_EQ(Canonical("pkg:generic/openssl/"), "pkg:generic/openssl");
  EXPECT_EQ(Canonical("pkg:generic/a@b@1.0"), "pkg:generic/a%40b@1.0");
  EXPECT_EQ(Canonical("pkg:generic/name@1.0%2Fbeta"), "pkg:generic/name@1.0%2Fbeta");
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
  // ':' is never encoded; '/' stays only in qualifier values (as the spec's vectors do).
  EXPECT_EQ(built->ToString(),
            "pkg:generic/%40scope:x/a%2Fb%20c@1.0%2Bbuild%2F7%40x?note=caf%C3%A9%20100%25%2Cok~&"
            "url=https://h/p%3Fq%3D1%26r%3D%23f#dir/fi%20le%231");
  StatusOr<PackageUrl> again = ParsePackageUrl(built->ToString());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *built);
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
  EXPECT_THAT(ParseError("pkg:generic/a#x%2Fy"), HasSubstr("a subpath segment \"x%2Fy\""));
}

// ---- Per-type rules.

TEST(PurlTypeTest, PypiNamesFollowPep503) {
  EXPECT_EQ(Canonical("pkg:PyPI/Django_Rest@1.0"), "pkg:pypi/django-rest@1.0");
  EXPECT_EQ(Canonical("pkg:pypi/My.PyPI_.--._Package@1.11.1.dev1"),
            "pkg:pypi/my-pypi-package@1.11.1.dev1");
  EXPECT_EQ(Canonical("pkg:pypi/django@1.11.1?filename=Django-1.11.1.tar.gz"),
            "pkg:pypi/django@1.11.1?filename=Django-1.11.1.tar.gz");
  EXPECT_THAT(ParseError("pkg:pypi/psf/requests"), HasSubstr("a pypi purl has no namespace"));
}

TEST(PurlTypeTest, LowercasedNamespacesAndNames) {
  EXPECT_EQ(Canonical("pkg:github/Package-url/purl-Spec@244FD47"),
            "pkg:github/package-url/purl-spec@244FD47");
  EXPECT_EQ(Canonical("pkg:bitbucket/birKenfeld/pyGments-main@244fd47"),
            "pkg:bitbucket/birkenfeld/pygments-main@244fd47");
  EXPECT_EQ(Canonical("pkg:npm/%40MyScope/MyPackage@1.0.0-RC"),
            "pkg:npm/%40myscope/mypackage@1.0.0-RC");
  EXPECT_EQ(Canonical("pkg:golang/GitHub.com/Gorilla/Context@v1.1.1"),
            "pkg:golang/github.com/gorilla/context@v1.1.1");
  EXPECT_EQ(Canonical("pkg:deb/Debian/Curl@7.50.3-1?arch=i386"),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386");
  EXPECT_EQ(Canonical("pkg:composer/Laravel/Laravel@5.5.0"), "pkg:composer/laravel/laravel@5.5.0");
  EXPECT_EQ(Canonical("pkg:rpm/Fedora/CentOS-Curl@7.50"), "pkg:rpm/fedora/CentOS-Curl@7.50");
  EXPECT_EQ(Canonical("pkg:oci/Debian@sha256%3A244fd47e07d10?tag=latest"),
            "pkg:oci/debian@sha256:244fd47e07d10?tag=latest");
  EXPECT_EQ(Canonical("pkg:huggingface/microsoft/Deberta-V3@559062AD13D311B8"),
            "pkg:huggingface/microsoft/Deberta-V3@559062ad13d311b8");
  // Case-sensitive types keep case.
  EXPECT_EQ(Canonical("pkg:maven/HTTPClient/HTTPClient@0.3-3"),
            "pkg:maven/HTTPClient/HTTPClient@0.3-3");
  EXPECT_EQ(Canonical("pkg:nuget/EnterpriseLibrary.Common@6.0.1304"),
            "pkg:nuget/EnterpriseLibrary.Common@6.0.1304");
}

TEST(PurlTypeTest, NamespaceRequiredOrProhibited) {
  EXPECT_THAT(ParseError("pkg:maven/io@1.3.4"), HasSubstr("a maven purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:golang/context@v1"), HasSubstr("a golang purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:github/purl-spec"), HasSubstr("a github purl needs a namespace"));
  EXPECT_THAT(ParseError("pkg:cargo/rust-lang/rand@0.7.2"), HasSubstr("a cargo purl has no"));
  EXPECT_THAT(ParseError("pkg:gem/rails/rails@7.1.0"), HasSubstr("a gem purl has no namespace"));
  EXPECT_THAT(ParseError("pkg:nuget/Microsoft/Json@1"), HasSubstr("a nuget purl has no"));
  EXPECT_EQ(Canonical("pkg:cargo/rand@0.7.2"), "pkg:cargo/rand@0.7.2");
}

TEST(PurlTypeTest, VersionRequired) {
  EXPECT_THAT(ParseError("pkg:cran/A3"), HasSubstr("a cran purl needs a version"));
  EXPECT_EQ(Canonical("pkg:cran/A3@0.9.1"), "pkg:cran/A3@0.9.1");
  EXPECT_THAT(ParseError("pkg:swift/github.com/Alamofire/Alamofire"),
              HasSubstr("a swift purl needs a version"));
  EXPECT_THAT(ParseError("pkg:swift/Alamofire@5.4.3"), HasSubstr("swift purl needs a namespace"));
  EXPECT_EQ(Canonical("pkg:swift/github.com/Alamofire/Alamofire@5.4.3"),
            "pkg:swift/github.com/Alamofire/Alamofire@5.4.3");
}

TEST(PurlTypeTest, ConanNamespaceAndChannelComeTogether) {
  EXPECT_EQ(Canonical("pkg:conan/cctz@2.3"), "pkg:conan/cctz@2.3");
  EXPECT_EQ(Canonical("pkg:conan/bincrafters/cctz@2.3?channel=stable"),
            "pkg:conan/bincrafters/cctz@2.3?channel=stable");
  EXPECT_THAT(ParseError("pkg:conan/bincrafters/cctz@2.3"), HasSubstr("needs a channel"));
  EXPECT_THAT(ParseError("pkg:conan/cctz@2.3?channel=stable"), HasSubstr("needs a namespace"));
}

TEST(PurlTypeTest, CpanModulesAndDistributions) {
  EXPECT_EQ(Canonical("pkg:cpan/URI::PackageURL@2.11"), "pkg:cpan/URI::PackageURL@2.11");
  EXPECT_EQ(Canonical("pkg:cpan/drolsky/DateTime@1.55"), "pkg:cpan/DROLSKY/DateTime@1.55");
  EXPECT_THAT(ParseError("pkg:cpan/Perl-Version@1.013"), HasSubstr("module name"));
  EXPECT_THAT(ParseError("pkg:cpan/GDT/URI::PackageURL"), HasSubstr("distribution name"));
}

TEST(PurlTypeTest, MlflowNamesAreLowercasedOnlyOnDatabricks) {
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3?repository_url=https://adb-52.0."
                      "azuredatabricks.net/api/2.0/mlflow"),
            "pkg:mlflow/creditfraud@3?repository_url=https://adb-52.0.azuredatabricks.net/api/"
            "2.0/mlflow");
  EXPECT_EQ(Canonical("pkg:mlflow/CreditFraud@3?repository_url=https://westus2.api.azureml.ms/"
                      "mlflow/v1.0"),
            "pkg:mlflow/CreditFraud@3?repository_url=https://westus2.api.azureml.ms/mlflow/v1.0");
}

TEST(PurlTypeTest, SwidNeedsTagIdAndCocoapodsNamesAreChecked) {
  EXPECT_EQ(Canonical("pkg:swid/Fedora@29?tag_id=org.fedoraproject.Fedora-29"),
            "pkg:swid/Fedora@29?tag_id=org.fedoraproject.Fedora-29");
  EXPECT_THAT(ParseError("pkg:swid/Fedora@29"), HasSubstr("needs a tag_id qualifier"));
  EXPECT_EQ(Canonical("pkg:cocoapods/GoogleUtilities@7.5.2#NSData+zlib"),
            "pkg:cocoapods/GoogleUtilities@7.5.2#NSData%2Bzlib");
  EXPECT_THAT(ParseError("pkg:cocoapods/.hidden@1"), HasSubstr("the cocoapods name"));
  EXPECT_THAT(ParseError("pkg:cocoapods/a%2Bb@1"), HasSubstr("the cocoapods name"));
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
