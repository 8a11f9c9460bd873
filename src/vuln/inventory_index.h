// InventoryIndex: the reverse query of the clearinghouse — given one new advisory, which
// stored inventories (operators' SBOMs) run an affected version?
//
// Inventories are indexed by PackageKey, and under each key by distinct installed version,
// each version listing the (inventory, component) pairs that run it. A query compiles the one
// advisory (AdvisoryIndexBuilder), and for each package it names evaluates every distinct
// installed version once, with the same code as the forward match, so the two directions can
// never disagree.
//
// Thread-safety: Add is single-threaded; Affected is const and may run on many threads once
// adding is done.
//
//   InventoryIndex inventories;
//   inventories.Add("operator-17/bom-2026-11", packages);
//   for (const InventoryMatch& m : inventories.Affected(advisory)) notify(m);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "vuln/advisory.h"
#include "vuln/advisory_index.h"
#include "vuln/package_key.h"

namespace bulwark::vuln {

struct InventoryComponentRef {
  uint32_t inventory;  // number returned by Add
  uint32_t component;  // index in the packages given to Add
  friend bool operator==(const InventoryComponentRef&, const InventoryComponentRef&) = default;
};

// One affected installed version and everywhere it runs. `finding.package` is unused.
struct InventoryMatch {
  Finding finding;
  std::vector<InventoryComponentRef> components;  // ordered by inventory, then component
};

class InventoryIndex {
 public:
  // Adds an inventory and returns its number. Packages without a version are skipped: they
  // cannot be matched.
  uint32_t Add(std::string inventory_id, std::span<const PurlPackage> packages);

  size_t inventory_count() const { return inventory_ids_.size(); }
  size_t component_count() const { return component_count_; }
  const std::string& inventory_id(uint32_t inventory) const { return inventory_ids_[inventory]; }

  // Every installed version the advisory affects, with its inventories; ordered by package
  // key, then version. InvalidArgument when the advisory has a package without ecosystem or
  // name.
  StatusOr<std::vector<InventoryMatch>> Affected(const Advisory& advisory) const;

 private:
  struct VersionPostings {
    std::string version;
    std::vector<InventoryComponentRef> components;
  };
  struct PackagePostings {
    std::vector<VersionPostings> versions;
    std::unordered_map<std::string, uint32_t> by_version;
  };
  // Keyed by ecosystem + '\n' + name (neither can contain a newline from a parsed purl).
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, PackagePostings, KeyHash, std::equal_to<>> packages_;
  std::vector<std::string> inventory_ids_;
  size_t component_count_ = 0;
};

}  // namespace bulwark::vuln
