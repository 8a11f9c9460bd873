#include "vuln/inventory_index.h"

#include <algorithm>

#include "vuln/version.h"

namespace bulwark::vuln {

uint32_t InventoryIndex::Add(std::string inventory_id, std::span<const PurlPackage> packages) {
  auto inventory = static_cast<uint32_t>(inventory_ids_.size());
  inventory_ids_.push_back(std::move(inventory_id));
  std::string key;
  for (size_t i = 0; i < packages.size(); ++i) {
    const PurlPackage& p = packages[i];
    if (p.version.empty()) continue;
    key.assign(p.key.ecosystem).append(1, '\n').append(p.key.name);
    auto it = packages_.find(std::string_view(key));
    if (it == packages_.end()) it = packages_.emplace(key, PackagePostings{}).first;
    PackagePostings& postings = it->second;
    auto [version, inserted] =
        postings.by_version.try_emplace(p.version, static_cast<uint32_t>(postings.versions.size()));
    if (inserted) postings.versions.push_back({p.version, {}});
    postings.versions[version->second].components.push_back({inventory, static_cast<uint32_t>(i)});
    ++component_count_;
  }
  return inventory;
}

StatusOr<std::vector<InventoryMatch>> InventoryIndex::Affected(const Advisory& advisory) const {
  AdvisoryIndexBuilder builder;
  BW_RETURN_IF_ERROR(builder.Add(advisory));
  AdvisoryIndex index = std::move(builder).Finish();

  std::vector<InventoryMatch> matches;
  std::vector<PurlPackage> probes;
  std::string key;
  for (PackageKey& package_key : index.PackageKeys()) {
    key.assign(package_key.ecosystem).append(1, '\n').append(package_key.name);
    auto it = packages_.find(std::string_view(key));
    if (it == packages_.end()) continue;
    size_t first = matches.size();
    const std::vector<VersionPostings>& versions = it->second.versions;
    probes.assign(versions.size(), PurlPackage{package_key, ""});
    for (size_t v = 0; v < versions.size(); ++v) probes[v].version = versions[v].version;
    // One advisory: at most one finding per installed version.
    for (Finding& finding : index.Match(probes)) {
      size_t v = finding.package;
      matches.push_back({std::move(finding), versions[v].components});
    }
    // In the ecosystem's version order (bytewise where it has none), for a stable report;
    // stable_sort, which stays within bounds when an order is not transitive (Maven's).
    const VersionOrdering* ordering = OrderingForEcosystem(package_key.ecosystem);
    std::stable_sort(matches.begin() + static_cast<std::ptrdiff_t>(first), matches.end(),
                     [&](const InventoryMatch& a, const InventoryMatch& b) {
                       const std::string& x = a.finding.installed_version;
                       const std::string& y = b.finding.installed_version;
                       int c = ordering != nullptr ? ordering->Compare(x, y) : 0;
                       return c != 0 ? c < 0 : x < y;
                     });
  }
  return matches;
}

}  // namespace bulwark::vuln
