// Package URLs (package-url/purl-spec): the name every SBOM component and advisory package
// goes by, "pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH".
//
// ParsePackageUrl validates a purl and brings it to canonical form, applying the spec's
// general rules (percent-decoding, lowercase type and qualifier keys, sorted qualifiers, empty
// qualifiers dropped, "." and ".." subpath segments removed, every component percent-encoded
// alike) and the rules of each registered type, one row per type definition in
// internal/purl_types.cc: whether the namespace is required or prohibited, which components are
// case-insensitive and so lowercased (pypi names and versions, deb names, ...), other
// normalizations (pypi "_" as "-"), permitted characters (chrome-extension ids) and required
// qualifiers (julia's uuid). docs/purl.md lists them. ToString() prints the canonical form, so
// parsing and printing any spelling of one package gives one string.
//
// Thread-safety: values.
//
//   StatusOr<PackageUrl> purl = ParsePackageUrl("pkg:PyPI/Django_Rest@1.0");
//   purl->ToString();  // "pkg:pypi/django-rest@1.0"
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::vuln {

struct PackageUrl {
  std::string type;        // lowercase: "npm", "maven", "golang", ...
  std::string namespace_;  // decoded; segments joined by "/"; "" when absent
  std::string name;        // decoded
  std::string version;     // decoded; "" when absent
  // Decoded, keys lowercase, sorted by key, no empty values.
  std::vector<std::pair<std::string, std::string>> qualifiers;
  std::string subpath;  // decoded segments joined by "/"; "" when absent

  // The value of qualifier `key`, or "" when absent.
  std::string_view Qualifier(std::string_view key) const;

  // The canonical string form.
  std::string ToString() const;

  friend bool operator==(const PackageUrl&, const PackageUrl&) = default;
};

// Parses and canonicalizes. Errors are InvalidArgument with a message naming the part that is
// wrong ("purl: a maven purl needs a namespace").
StatusOr<PackageUrl> ParsePackageUrl(std::string_view text);

// Validates and canonicalizes components given separately (the spec's "build" operation).
StatusOr<PackageUrl> BuildPackageUrl(PackageUrl components);

}  // namespace bulwark::vuln
