#include "vuln/package_key.h"

#include <algorithm>
#include <array>
#include <string>

namespace bulwark::vuln {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

// PEP 503: lowercase, every run of "-", "_" and "." becomes one "-".
std::string Pep503(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) out.push_back('-');
      in_run = true;
    } else {
      out.push_back(Lower(c));
      in_run = false;
    }
  }
  return out;
}

// Debian and Ubuntu code names, for purls that give the release as a name.
struct CodeName {
  std::string_view name;
  std::string_view release;
};
constexpr CodeName kCodeNames[] = {
    {"buster", "10"},    {"bullseye", "11"},    {"bookworm", "12"},  {"trixie", "13"},
    {"forky", "14"},     {"bionic", "18.04"},   {"focal", "20.04"},  {"jammy", "22.04"},
    {"noble", "24.04"},  {"xenial", "16.04"},   {"trusty", "14.04"}, {"oracular", "24.10"},
    {"plucky", "25.04"}, {"questing", "25.10"},
};

// The release of a Debian or Ubuntu purl's distro qualifier as OSV names it: "debian-12",
// "debian-12.4", "12" and "bookworm" are Debian "12"; "ubuntu-22.04" and "jammy" are Ubuntu
// "22.04".
std::string DebianFamilyRelease(bool ubuntu, std::string_view distro) {
  std::string lowered = LowerCase(distro);
  std::string_view d = lowered;
  for (std::string_view prefix : {"debian-", "ubuntu-"}) {
    if (d.starts_with(prefix)) d.remove_prefix(prefix.size());
  }
  for (const CodeName& code : kCodeNames) {
    if (d == code.name) return std::string(code.release);
  }
  if (ubuntu) return std::string(d);
  return std::string(d.substr(0, d.find('.')));
}

// "alpine-3.18.4" / "3.18" / "v3.18" -> "v3.18".
std::string AlpineRelease(std::string_view distro) {
  std::string lowered = LowerCase(distro);
  std::string_view d = lowered;
  if (d.starts_with("alpine-")) d.remove_prefix(7);
  if (d.starts_with("v")) d.remove_prefix(1);
  size_t first_dot = d.find('.');
  if (first_dot != std::string_view::npos) {
    size_t second_dot = d.find('.', first_dot + 1);
    d = d.substr(0, second_dot);
  }
  return "v" + std::string(d);
}

// "rocky-9.3" / "el9" / "9" -> "9": Rocky Linux and AlmaLinux advisories name the major
// release.
std::string MajorRelease(std::string_view distro) {
  std::string lowered = LowerCase(distro);
  std::string_view d = lowered;
  size_t dash = d.rfind('-');
  if (dash != std::string_view::npos) d.remove_prefix(dash + 1);
  if (d.starts_with("el")) d.remove_prefix(2);
  return std::string(d.substr(0, d.find('.')));
}

std::string_view BaseEcosystem(std::string_view ecosystem) {
  return ecosystem.substr(0, ecosystem.find(':'));
}

std::string Joined(std::string_view a, char separator, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  out.push_back(separator);
  out.append(b);
  return out;
}

}  // namespace

std::string NormalizePackageName(std::string_view ecosystem, std::string_view name) {
  std::string_view base = BaseEcosystem(ecosystem);
  if (base == "PyPI") return Pep503(name);
  // purl's canonical form lowercases Go module paths and npm names, so keys from SBOMs
  // arrive lowercased and advisories' names must meet them there. Neither registry lets two
  // live packages differ only by case, so folding cannot join two real packages.
  if (base == "NuGet" || base == "Packagist" || base == "Hex" || base == "Pub" || base == "Go" ||
      base == "npm") {
    return LowerCase(name);
  }
  if (base == "crates.io") {
    std::string out = LowerCase(name);
    std::replace(out.begin(), out.end(), '_', '-');
    return out;
  }
  return std::string(name);
}

StatusOr<PackageKey> KeyForAffected(std::string_view ecosystem, std::string_view name) {
  if (ecosystem.empty() || name.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "an affected package needs an ecosystem and a name");
  }
  std::string key_ecosystem(ecosystem);
  // "Ubuntu:22.04:LTS" and "Ubuntu:22.04" name the same release; Pro releases stay apart.
  if (BaseEcosystem(ecosystem) == "Ubuntu" && key_ecosystem.ends_with(":LTS")) {
    key_ecosystem.resize(key_ecosystem.size() - 4);
  }
  return PackageKey{std::move(key_ecosystem), NormalizePackageName(ecosystem, name)};
}

StatusOr<PurlPackage> PackageForPurl(const PackageUrl& purl) {
  const std::string& type = purl.type;
  std::string_view distro = purl.Qualifier("distro");
  auto keyed = [&](std::string ecosystem, std::string_view name) {
    return PurlPackage{PackageKey{ecosystem, NormalizePackageName(ecosystem, name)}, purl.version};
  };
  auto with_release = [](std::string base, const std::string& release) {
    return release.empty() ? base : base + ":" + release;
  };
  if (type == "pypi") return keyed("PyPI", purl.name);
  if (type == "npm") return keyed("npm", Joined(purl.namespace_, '/', purl.name));
  if (type == "maven") return keyed("Maven", Joined(purl.namespace_, ':', purl.name));
  if (type == "golang") return keyed("Go", Joined(purl.namespace_, '/', purl.name));
  if (type == "cargo") return keyed("crates.io", purl.name);
  if (type == "gem") return keyed("RubyGems", purl.name);
  if (type == "nuget") return keyed("NuGet", purl.name);
  if (type == "composer") return keyed("Packagist", Joined(purl.namespace_, '/', purl.name));
  if (type == "pub") return keyed("Pub", purl.name);
  if (type == "hex") return keyed("Hex", purl.name);
  if (type == "hackage") return keyed("Hackage", purl.name);
  if (type == "cran") return keyed("CRAN", purl.name);
  if (type == "swift") return keyed("SwiftURL", Joined(purl.namespace_, '/', purl.name));
  if (type == "conan") return keyed("ConanCenter", purl.name);
  if (type == "bitnami") return keyed("Bitnami", purl.name);
  if (type == "deb") {
    std::string vendor = LowerCase(purl.namespace_);
    std::string base = vendor == "ubuntu" ? "Ubuntu" : vendor == "debian" ? "Debian" : "";
    if (base.empty()) {
      return Status(StatusCode::kInvalidArgument,
                    "deb purls of vendor \"" + purl.namespace_ +
                        "\" have no OSV ecosystem (known: debian, ubuntu)");
    }
    std::string release = distro.empty() ? "" : DebianFamilyRelease(base == "Ubuntu", distro);
    return keyed(with_release(base, release), purl.name);
  }
  if (type == "apk") {
    std::string vendor = LowerCase(purl.namespace_);
    if (vendor == "alpine") {
      return keyed(with_release("Alpine", distro.empty() ? "" : AlpineRelease(distro)), purl.name);
    }
    if (vendor == "wolfi") return keyed("Wolfi", purl.name);
    if (vendor == "chainguard") return keyed("Chainguard", purl.name);
    return Status(StatusCode::kInvalidArgument,
                  "apk purls of vendor \"" + purl.namespace_ +
                      "\" have no OSV ecosystem (known: alpine, wolfi, chainguard)");
  }
  if (type == "rpm") {
    std::string vendor = LowerCase(purl.namespace_);
    std::string base;
    bool major_release = false;
    if (vendor == "rocky") {
      base = "Rocky Linux", major_release = true;
    } else if (vendor == "almalinux") {
      base = "AlmaLinux", major_release = true;
    } else if (vendor == "redhat") {
      base = "Red Hat";
    } else if (vendor == "opensuse") {
      base = "openSUSE";
    } else if (vendor == "suse") {
      base = "SUSE";
    } else if (vendor == "photon") {
      base = "Photon OS";
    } else if (vendor == "mageia") {
      base = "Mageia";
    } else if (vendor == "openeuler") {
      base = "openEuler";
    } else if (vendor == "azurelinux" || vendor == "mariner") {
      base = "Azure Linux";
    } else {
      return Status(StatusCode::kInvalidArgument,
                    "rpm purls of vendor \"" + purl.namespace_ + "\" have no OSV ecosystem");
    }
    // Red Hat, SUSE and the others name product streams, not plain releases; without a
    // precise mapping the key carries the distro as given, which only an advisory naming
    // exactly that release matches.
    std::string release = distro.empty()  ? ""
                          : major_release ? MajorRelease(distro)
                                          : std::string(distro);
    PurlPackage package = keyed(with_release(base, release), purl.name);
    if (std::string_view epoch = purl.Qualifier("epoch"); !epoch.empty()) {
      package.version = std::string(epoch) + ":" + purl.version;
    }
    return package;
  }
  return Status(StatusCode::kInvalidArgument,
                "purl type \"" + type + "\" has no OSV ecosystem to match against");
}

}  // namespace bulwark::vuln
