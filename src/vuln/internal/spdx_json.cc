// SPDX 2.2 and 2.3 JSON: packages, their purl and CPE external references, what the document
// describes, and the relationships that make up a dependency graph. Files and snippets carry
// no package identity and are skipped.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "vuln/internal/sbom_formats.h"
#include "vuln/internal/sbom_json.h"

namespace bulwark::vuln::internal {
namespace {

// Relationship types that say "element depends on related", and those that say it the other
// way round ("element DEPENDENCY_OF related" means related depends on element). SPDX spells
// out the kind of dependency in the type; a scan cares only that there is one.
bool IsForwardDependency(std::string_view type) {
  return type == "DEPENDS_ON" || type == "CONTAINS" || type == "DYNAMIC_LINK" ||
         type == "STATIC_LINK";
}
bool IsReverseDependency(std::string_view type) {
  return type == "DEPENDENCY_OF" || type == "CONTAINED_BY" || type == "BUILD_DEPENDENCY_OF" ||
         type == "DEV_DEPENDENCY_OF" || type == "OPTIONAL_DEPENDENCY_OF" ||
         type == "PROVIDED_DEPENDENCY_OF" || type == "TEST_DEPENDENCY_OF" ||
         type == "RUNTIME_DEPENDENCY_OF";
}

// SPDX's way of saying "unknown" or "nothing" where an element id is expected.
bool IsNoElement(std::string_view id) { return id == "NONE" || id == "NOASSERTION"; }

Status ReadExternalRefs(const boost::json::object& package, const JsonPath& package_path,
                        SbomComponent* component) {
  BW_ASSIGN_OR_RETURN(const boost::json::array* refs,
                      ReadArray(package, "externalRefs", package_path));
  if (refs == nullptr) return OkStatus();
  const JsonPath refs_path = package_path.Member("externalRefs");
  for (size_t i = 0; i < refs->size(); ++i) {
    const JsonPath path = refs_path.Index(i);
    BW_ASSIGN_OR_RETURN(const boost::json::object* ref, AsObject((*refs)[i], path));
    std::string category, type, locator;
    BW_RETURN_IF_ERROR(ReadString(*ref, "referenceCategory", path, &category));
    BW_RETURN_IF_ERROR(ReadString(*ref, "referenceType", path, &type));
    BW_RETURN_IF_ERROR(ReadString(*ref, "referenceLocator", path, &locator));
    if (locator.empty()) continue;
    // SPDX 2.3 spells the category PACKAGE-MANAGER; 2.2 documents and some tools write
    // PACKAGE_MANAGER.
    if ((category == "PACKAGE-MANAGER" || category == "PACKAGE_MANAGER") && type == "purl") {
      if (component->purl.empty()) component->purl = std::move(locator);
    } else if (category == "SECURITY" && (type == "cpe23Type" || type == "cpe22Type")) {
      component->cpes.push_back(std::move(locator));
    }
  }
  return OkStatus();
}

Status ReadPackages(const boost::json::object& root, const JsonPath& root_path, Sbom* sbom) {
  BW_ASSIGN_OR_RETURN(const boost::json::array* packages, ReadArray(root, "packages", root_path));
  if (packages == nullptr) return OkStatus();
  const JsonPath list_path = root_path.Member("packages");
  sbom->components.reserve(packages->size());
  for (size_t i = 0; i < packages->size(); ++i) {
    const JsonPath path = list_path.Index(i);
    BW_ASSIGN_OR_RETURN(const boost::json::object* package, AsObject((*packages)[i], path));
    SbomComponent component;
    BW_RETURN_IF_ERROR(ReadString(*package, "SPDXID", path, &component.bom_ref));
    BW_RETURN_IF_ERROR(ReadString(*package, "name", path, &component.name));
    BW_RETURN_IF_ERROR(ReadString(*package, "versionInfo", path, &component.version));
    BW_RETURN_IF_ERROR(ReadString(*package, "primaryPackagePurpose", path, &component.type));
    BW_RETURN_IF_ERROR(ReadExternalRefs(*package, path, &component));
    sbom->components.push_back(std::move(component));
  }
  return OkStatus();
}

// The dependency graph, one entry per depending element in order of first mention, each
// edge once however many relationships state it.
class DependencyGraph {
 public:
  explicit DependencyGraph(Sbom* sbom) : sbom_(sbom) {}

  void Add(std::string_view from, std::string_view to) {
    std::string edge;
    edge.reserve(from.size() + to.size() + 1);
    edge.append(from).push_back('\0');
    edge.append(to);
    if (!edges_.insert(std::move(edge)).second) return;
    auto [it, inserted] = entries_.try_emplace(std::string(from), sbom_->dependencies.size());
    if (inserted) sbom_->dependencies.push_back(SbomDependency{std::string(from), {}});
    sbom_->dependencies[it->second].depends_on.emplace_back(to);
  }

 private:
  Sbom* sbom_;
  std::unordered_map<std::string, size_t> entries_;  // ref -> index in sbom_->dependencies
  std::unordered_set<std::string> edges_;            // "from\0to"
};

// Reads the relationships: dependencies into sbom->dependencies, and the ids the document
// DESCRIBES into `described`.
Status ReadRelationships(const boost::json::object& root, const JsonPath& root_path,
                         std::string_view document_id, Sbom* sbom,
                         std::vector<std::string>* described) {
  BW_ASSIGN_OR_RETURN(const boost::json::array* relationships,
                      ReadArray(root, "relationships", root_path));
  if (relationships == nullptr) return OkStatus();
  const JsonPath list_path = root_path.Member("relationships");
  DependencyGraph graph(sbom);
  for (size_t i = 0; i < relationships->size(); ++i) {
    const JsonPath path = list_path.Index(i);
    BW_ASSIGN_OR_RETURN(const boost::json::object* relationship,
                        AsObject((*relationships)[i], path));
    std::string element, type, related;
    BW_RETURN_IF_ERROR(ReadString(*relationship, "spdxElementId", path, &element));
    BW_RETURN_IF_ERROR(ReadString(*relationship, "relationshipType", path, &type));
    BW_RETURN_IF_ERROR(ReadString(*relationship, "relatedSpdxElement", path, &related));
    if (element.empty() || related.empty() || IsNoElement(element) || IsNoElement(related)) {
      continue;
    }
    if (type == "DESCRIBES" && element == document_id) {
      described->push_back(std::move(related));
    } else if (type == "DESCRIBED_BY" && related == document_id) {
      described->push_back(std::move(element));
    } else if (IsForwardDependency(type)) {
      graph.Add(element, related);
    } else if (IsReverseDependency(type)) {
      graph.Add(related, element);
    }
  }
  return OkStatus();
}

// When the document describes exactly one of its packages, that package is the subject and
// leaves `components`; otherwise the subject is only the document's name.
void ChooseSubject(const std::vector<std::string>& described, Sbom* sbom) {
  std::unordered_set<std::string_view> described_ids(described.begin(), described.end());
  int subject = -1;
  for (size_t i = 0; i < sbom->components.size(); ++i) {
    if (!described_ids.contains(sbom->components[i].bom_ref)) continue;
    // The same SPDXID on two packages is a broken document; either way there is no one
    // package it is about.
    if (subject != -1) return;
    subject = static_cast<int>(i);
  }
  if (subject == -1) return;
  sbom->subject = std::move(sbom->components[subject]);
  sbom->components.erase(sbom->components.begin() + subject);
}

}  // namespace

StatusOr<Sbom> ReadSpdxJson(const boost::json::object& root) {
  const JsonPath root_path;
  Sbom sbom;
  sbom.format = Sbom::Format::kSpdxJson;

  BW_RETURN_IF_ERROR(ReadString(root, "spdxVersion", root_path, &sbom.spec_version));
  if (sbom.spec_version != "SPDX-2.3" && sbom.spec_version != "SPDX-2.2") {
    return JsonPathError(root_path.Member("spdxVersion"),
                         "\"" + Excerpt(sbom.spec_version) +
                             "\" is not supported; this reader accepts SPDX-2.2 and SPDX-2.3");
  }
  BW_RETURN_IF_ERROR(ReadString(root, "documentNamespace", root_path, &sbom.serial_number));
  BW_RETURN_IF_ERROR(ReadString(root, "name", root_path, &sbom.subject.name));
  std::string document_id = "SPDXRef-DOCUMENT";
  BW_RETURN_IF_ERROR(ReadString(root, "SPDXID", root_path, &document_id));

  BW_RETURN_IF_ERROR(ReadPackages(root, root_path, &sbom));

  std::vector<std::string> described;
  BW_ASSIGN_OR_RETURN(const boost::json::array* describes,
                      ReadArray(root, "documentDescribes", root_path));
  if (describes != nullptr) {
    const JsonPath describes_path = root_path.Member("documentDescribes");
    for (size_t i = 0; i < describes->size(); ++i) {
      BW_ASSIGN_OR_RETURN(std::string_view id, AsString((*describes)[i], describes_path.Index(i)));
      described.emplace_back(id);
    }
  }
  BW_RETURN_IF_ERROR(ReadRelationships(root, root_path, document_id, &sbom, &described));
  ChooseSubject(described, &sbom);
  return sbom;
}

}  // namespace bulwark::vuln::internal
