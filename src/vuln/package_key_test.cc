#include "vuln/package_key.h"

#include <gtest/gtest.h>

namespace bulwark::vuln {
namespace {

PackageKey Key(std::string_view ecosystem, std::string_view name) {
  StatusOr<PackageKey> key = KeyForAffected(ecosystem, name);
  EXPECT_TRUE(key.ok());
  return key.ok() ? *key : PackageKey{};
}

PurlPackage FromPurl(PackageUrl purl) {
  StatusOr<PurlPackage> p = PackageForPurl(purl);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : PurlPackage{};
}

TEST(PackageKey, NamesNormalizedAsTheEcosystemDoes) {
  EXPECT_EQ(Key("PyPI", "Django_REST.framework").name, "django-rest-framework");
  EXPECT_EQ(Key("PyPI", "a__b--c").name, "a-b-c");
  EXPECT_EQ(Key("NuGet", "Newtonsoft.Json").name, "newtonsoft.json");
  EXPECT_EQ(Key("crates.io", "Serde_JSON").name, "serde-json");
  EXPECT_EQ(Key("npm", "@Scope/Pkg").name, "@scope/pkg");
  EXPECT_EQ(Key("Go", "github.com/ProtonMail/go-crypto").name, "github.com/protonmail/go-crypto");
  EXPECT_EQ(Key("Maven", "org.Apache:Log4j").name, "org.Apache:Log4j");
  EXPECT_EQ(Key("Ubuntu:22.04:LTS", "openssl").ecosystem, "Ubuntu:22.04");
  EXPECT_EQ(Key("Ubuntu:Pro:18.04:LTS", "openssl").ecosystem, "Ubuntu:Pro:18.04");
  EXPECT_EQ(Key("Debian:12", "openssl").ecosystem, "Debian:12");
  EXPECT_FALSE(KeyForAffected("", "x").ok());
  EXPECT_FALSE(KeyForAffected("npm", "").ok());
}

TEST(PackageKey, FromPurls) {
  PackageUrl npm{"npm", "@angular", "core", "16.0.0", {}, ""};
  EXPECT_EQ(FromPurl(npm).key, (PackageKey{"npm", "@angular/core"}));
  PackageUrl maven{"maven", "org.apache.logging.log4j", "log4j-core", "2.14.1", {}, ""};
  EXPECT_EQ(FromPurl(maven).key, (PackageKey{"Maven", "org.apache.logging.log4j:log4j-core"}));
  PackageUrl go{"golang", "github.com/gin-gonic", "gin", "v1.5.0", {}, ""};
  EXPECT_EQ(FromPurl(go).key, (PackageKey{"Go", "github.com/gin-gonic/gin"}));
  EXPECT_EQ(FromPurl(go).version, "v1.5.0");
  PackageUrl composer{"composer", "laravel", "framework", "7.12.0", {}, ""};
  EXPECT_EQ(FromPurl(composer).key, (PackageKey{"Packagist", "laravel/framework"}));
  PackageUrl pypi{"pypi", "", "django-rest", "1.0", {}, ""};
  EXPECT_EQ(FromPurl(pypi).key, (PackageKey{"PyPI", "django-rest"}));
}

TEST(PackageKey, DistributionReleasesFromTheDistroQualifier) {
  auto deb = [](std::string ns, std::string distro) {
    PackageUrl p{"deb", ns, "openssl", "3.0.11-1", {}, ""};
    if (!distro.empty()) p.qualifiers.push_back({"distro", distro});
    return FromPurl(p).key.ecosystem;
  };
  EXPECT_EQ(deb("debian", "debian-12"), "Debian:12");
  EXPECT_EQ(deb("debian", "debian-12.4"), "Debian:12");
  EXPECT_EQ(deb("debian", "bookworm"), "Debian:12");
  EXPECT_EQ(deb("debian", ""), "Debian");
  EXPECT_EQ(deb("ubuntu", "ubuntu-22.04"), "Ubuntu:22.04");
  EXPECT_EQ(deb("ubuntu", "jammy"), "Ubuntu:22.04");
  PackageUrl alpine{"apk", "alpine", "musl", "1.2.4-r2", {{"distro", "alpine-3.18.4"}}, ""};
  EXPECT_EQ(FromPurl(alpine).key.ecosystem, "Alpine:v3.18");
  PackageUrl rocky{
      "rpm", "rocky", "openssl", "3.0.7-24.el9", {{"distro", "rocky-9.3"}, {"epoch", "1"}}, ""};
  PurlPackage r = FromPurl(rocky);
  EXPECT_EQ(r.key.ecosystem, "Rocky Linux:9");
  EXPECT_EQ(r.version, "1:3.0.7-24.el9");
}

TEST(PackageKey, UnknownTypesAndVendorsAreNamed) {
  StatusOr<PurlPackage> p = PackageForPurl(PackageUrl{"github", "a", "b", "1", {}, ""});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("\"github\""), std::string::npos);
  EXPECT_FALSE(PackageForPurl(PackageUrl{"deb", "kali", "x", "1", {}, ""}).ok());
}

}  // namespace
}  // namespace bulwark::vuln
