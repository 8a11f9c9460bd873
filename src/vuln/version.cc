#include "vuln/version.h"

#include <array>
#include <cassert>
#include <memory>
#include <string>

#include "vuln/internal/orderings.h"

namespace bulwark::vuln {
namespace {

constexpr size_t kSchemeCount = static_cast<size_t>(VersionScheme::kHackage) + 1;

using OrderingTable = std::array<std::unique_ptr<VersionOrdering>, kSchemeCount>;

const OrderingTable& Orderings() {
  static const OrderingTable* table = [] {
    auto* t = new OrderingTable;
    for (size_t i = 0; i < kSchemeCount; ++i) {
      auto scheme = static_cast<VersionScheme>(i);
      std::unique_ptr<VersionOrdering> ordering = internal::NewLanguageOrdering(scheme);
      if (!ordering) ordering = internal::NewDistributionOrdering(scheme);
      assert(ordering && ordering->scheme() == scheme);
      (*t)[i] = std::move(ordering);
    }
    return t;
  }();
  return *table;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

struct EcosystemScheme {
  std::string_view ecosystem;
  VersionScheme scheme;
};

// OSV's ecosystem list (ossf/osv-schema, ecosystems.txt) with the scheme each one orders by.
// Ecosystems that only publish GIT ranges or explicit versions (OSS-Fuzz, Linux, Android,
// GitHub Actions, ConanCenter, ...) are absent on purpose: they have no order to apply.
constexpr EcosystemScheme kEcosystems[] = {
    {"Go", VersionScheme::kGo},
    {"npm", VersionScheme::kSemVer},
    {"crates.io", VersionScheme::kSemVer},
    {"Hex", VersionScheme::kSemVer},
    {"SwiftURL", VersionScheme::kSemVer},
    {"Bitnami", VersionScheme::kSemVer},
    {"PyPI", VersionScheme::kPep440},
    {"Maven", VersionScheme::kMaven},
    {"NuGet", VersionScheme::kNuGet},
    {"RubyGems", VersionScheme::kRubyGems},
    {"Packagist", VersionScheme::kPackagist},
    {"Pub", VersionScheme::kPub},
    {"Debian", VersionScheme::kDpkg},
    {"Ubuntu", VersionScheme::kDpkg},
    {"Red Hat", VersionScheme::kRpm},
    {"Rocky Linux", VersionScheme::kRpm},
    {"AlmaLinux", VersionScheme::kRpm},
    {"SUSE", VersionScheme::kRpm},
    {"openSUSE", VersionScheme::kRpm},
    {"Photon OS", VersionScheme::kRpm},
    {"Mageia", VersionScheme::kRpm},
    {"openEuler", VersionScheme::kRpm},
    {"Azure Linux", VersionScheme::kRpm},
    {"Alpine", VersionScheme::kApk},
    {"Wolfi", VersionScheme::kApk},
    {"Chainguard", VersionScheme::kApk},
    {"MinimOS", VersionScheme::kApk},
    {"CRAN", VersionScheme::kCran},
    {"Hackage", VersionScheme::kHackage},
};

}  // namespace

const VersionOrdering& OrderingFor(VersionScheme scheme) {
  return *Orderings()[static_cast<size_t>(scheme)];
}

std::vector<VersionScheme> AllVersionSchemes() {
  std::vector<VersionScheme> all;
  for (size_t i = 0; i < kSchemeCount; ++i) all.push_back(static_cast<VersionScheme>(i));
  return all;
}

std::optional<VersionScheme> SchemeForEcosystem(std::string_view ecosystem) {
  // "Debian:12", "Alpine:v3.18", "Ubuntu:22.04:LTS": the release follows the first colon.
  std::string_view base = ecosystem.substr(0, ecosystem.find(':'));
  for (const EcosystemScheme& e : kEcosystems) {
    if (e.ecosystem == base) return e.scheme;
  }
  return std::nullopt;
}

const VersionOrdering* OrderingForEcosystem(std::string_view ecosystem) {
  std::optional<VersionScheme> scheme = SchemeForEcosystem(ecosystem);
  return scheme ? &OrderingFor(*scheme) : nullptr;
}

StatusOr<VersionScheme> ParseVersionSchemeName(std::string_view name) {
  for (VersionScheme scheme : AllVersionSchemes()) {
    if (EqualsIgnoreCase(OrderingFor(scheme).name(), name)) return scheme;
  }
  std::string_view base = name.substr(0, name.find(':'));
  for (const EcosystemScheme& e : kEcosystems) {
    if (EqualsIgnoreCase(e.ecosystem, base)) return e.scheme;
  }
  std::string accepted;
  for (VersionScheme scheme : AllVersionSchemes()) {
    accepted += std::string(OrderingFor(scheme).name()) + ", ";
  }
  for (const EcosystemScheme& e : kEcosystems) {
    accepted +=
        std::string(e.ecosystem) + (&e == &kEcosystems[std::size(kEcosystems) - 1] ? "" : ", ");
  }
  return Status(StatusCode::kInvalidArgument, "unknown version scheme or ecosystem \"" +
                                                  std::string(name) + "\"; accepted: " + accepted);
}

}  // namespace bulwark::vuln
