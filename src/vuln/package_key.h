// PackageKey: how the matcher names a package, the same way whether it comes from an OSV
// advisory ("PyPI" / "Django_REST") or from an SBOM's purl ("pkg:pypi/django-rest@1.0").
//
// A key is an OSV ecosystem, with the distribution release for Linux distributions
// ("Debian:12", "Alpine:v3.18", "Ubuntu:22.04"), and the package name normalized the way the
// ecosystem itself treats names as equal: PEP 503 for PyPI (case-insensitive, runs of "-", "_"
// and "." equal), case-insensitive for NuGet, Packagist, Hex, Pub, npm, Go module paths (which
// purls lowercase) and crates.io (where "-" and "_" are also equal), exact elsewhere (Maven
// "group:artifact", RubyGems, distribution packages). Nothing else is folded: two names with
// the same key must be the same package, or the scan would raise false alarms.
//
// A purl for a distribution package names its release in the `distro` qualifier ("debian-12",
// "bookworm", "ubuntu-22.04", "alpine-3.18.4"); without it the key has no release and matches
// only advisories that name none — an advisory for Debian 11 says nothing about Debian 12.
//
// Thread-safety: pure functions.
//
//   KeyForAffected("PyPI", "Django_REST").value();  // {"PyPI", "django-rest"}
//   KeyForPurl(*ParsePackageUrl("pkg:deb/debian/openssl@3.0.11-1?distro=debian-12"));
//       // {"Debian:12", "openssl"}
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "vuln/purl.h"

namespace bulwark::vuln {

struct PackageKey {
  std::string ecosystem;  // OSV ecosystem, release included for distributions
  std::string name;       // normalized
  friend bool operator==(const PackageKey&, const PackageKey&) = default;
  friend auto operator<=>(const PackageKey&, const PackageKey&) = default;
};

// The key of an OSV `affected[].package`. InvalidArgument for an empty ecosystem or name.
StatusOr<PackageKey> KeyForAffected(std::string_view ecosystem, std::string_view name);

// The key of a purl, and the version to compare (for rpm, the `epoch` qualifier is put in
// front as "EPOCH:"). InvalidArgument when the purl's type has no OSV ecosystem, naming it.
struct PurlPackage {
  PackageKey key;
  std::string version;
};
StatusOr<PurlPackage> PackageForPurl(const PackageUrl& purl);

// The name normalized for `ecosystem` (release suffixes allowed), as described above.
std::string NormalizePackageName(std::string_view ecosystem, std::string_view name);

}  // namespace bulwark::vuln
