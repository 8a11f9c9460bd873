// CycloneDX JSON (specVersion 1.2 to 1.6; 1.0 and 1.1 read the same way): the document's
// identity, metadata.component, the components tree and the dependency graph. Everything
// else (services, vulnerabilities of a VEX, licenses, hashes) is not needed by a scan and is
// skipped without being looked at.
#include <string>

#include "vuln/internal/sbom_formats.h"
#include "vuln/internal/sbom_json.h"

namespace bulwark::vuln::internal {
namespace {

Status ReadComponentFields(const boost::json::object& object, const JsonPath& path,
                           SbomComponent* component) {
  BW_RETURN_IF_ERROR(ReadString(object, "bom-ref", path, &component->bom_ref));
  BW_RETURN_IF_ERROR(ReadString(object, "type", path, &component->type));
  BW_RETURN_IF_ERROR(ReadString(object, "group", path, &component->group));
  BW_RETURN_IF_ERROR(ReadString(object, "name", path, &component->name));
  BW_RETURN_IF_ERROR(ReadString(object, "version", path, &component->version));
  BW_RETURN_IF_ERROR(ReadString(object, "purl", path, &component->purl));
  std::string cpe;
  BW_RETURN_IF_ERROR(ReadString(object, "cpe", path, &cpe));
  if (!cpe.empty()) component->cpes.push_back(std::move(cpe));
  return OkStatus();
}

// Appends the components of `owner`'s "components" member (and theirs, depth first) to
// sbom->components. `parent` is the owner's index, -1 for the document or its subject;
// `nesting` is the level the listed components are at (1 for the document's own list).
Status FlattenComponents(const boost::json::object& owner, const JsonPath& owner_path, int parent,
                         int nesting, Sbom* sbom) {
  const JsonPath list_path = owner_path.Member("components");
  BW_ASSIGN_OR_RETURN(const boost::json::array* list, ReadArray(owner, "components", owner_path));
  if (list == nullptr || list->empty()) return OkStatus();
  if (nesting > kMaxComponentNesting) {
    return JsonPathError(list_path, "components are nested more than " +
                                        std::to_string(kMaxComponentNesting) + " levels deep");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const JsonPath path = list_path.Index(i);
    BW_ASSIGN_OR_RETURN(const boost::json::object* object, AsObject((*list)[i], path));
    SbomComponent component;
    BW_RETURN_IF_ERROR(ReadComponentFields(*object, path, &component));
    component.parent = parent;
    const int index = static_cast<int>(sbom->components.size());
    sbom->components.push_back(std::move(component));
    BW_RETURN_IF_ERROR(FlattenComponents(*object, path, index, nesting + 1, sbom));
  }
  return OkStatus();
}

Status ReadDependencies(const boost::json::object& root, const JsonPath& root_path, Sbom* sbom) {
  BW_ASSIGN_OR_RETURN(const boost::json::array* list, ReadArray(root, "dependencies", root_path));
  if (list == nullptr) return OkStatus();
  const JsonPath list_path = root_path.Member("dependencies");
  sbom->dependencies.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const JsonPath path = list_path.Index(i);
    BW_ASSIGN_OR_RETURN(const boost::json::object* object, AsObject((*list)[i], path));
    SbomDependency dependency;
    BW_RETURN_IF_ERROR(ReadString(*object, "ref", path, &dependency.ref));
    if (dependency.ref.empty()) {
      return JsonPathError(path.Member("ref"), "required: the bom-ref the entry is about");
    }
    BW_ASSIGN_OR_RETURN(const boost::json::array* depends_on,
                        ReadArray(*object, "dependsOn", path));
    if (depends_on != nullptr) {
      const JsonPath depends_on_path = path.Member("dependsOn");
      dependency.depends_on.reserve(depends_on->size());
      for (size_t j = 0; j < depends_on->size(); ++j) {
        BW_ASSIGN_OR_RETURN(std::string_view ref,
                            AsString((*depends_on)[j], depends_on_path.Index(j)));
        dependency.depends_on.emplace_back(ref);
      }
    }
    sbom->dependencies.push_back(std::move(dependency));
  }
  return OkStatus();
}

}  // namespace

StatusOr<Sbom> ReadCycloneDxJson(const boost::json::object& root) {
  const JsonPath root_path;
  Sbom sbom;
  sbom.format = Sbom::Format::kCycloneDxJson;

  BW_RETURN_IF_ERROR(ReadString(root, "specVersion", root_path, &sbom.spec_version));
  if (sbom.spec_version.empty()) {
    return JsonPathError(root_path.Member("specVersion"),
                         "required: the CycloneDX specification version, such as \"1.5\"");
  }
  if (!IsSupportedCycloneDxVersion(sbom.spec_version)) {
    return JsonPathError(root_path.Member("specVersion"),
                         "CycloneDX " + Excerpt(sbom.spec_version) +
                             " is not supported; this reader accepts 1.0 to 1.6");
  }
  BW_RETURN_IF_ERROR(ReadString(root, "serialNumber", root_path, &sbom.serial_number));
  if (const boost::json::value* version = root.if_contains("version")) {
    if (version->is_int64()) {
      sbom.version = version->get_int64();
    } else if (!version->is_null()) {
      return JsonPathError(root_path.Member("version"),
                           "expected an integer (the BOM's revision), such as 1");
    }
  }

  BW_ASSIGN_OR_RETURN(const boost::json::object* metadata, ReadObject(root, "metadata", root_path));
  if (metadata != nullptr) {
    const JsonPath metadata_path = root_path.Member("metadata");
    BW_ASSIGN_OR_RETURN(const boost::json::object* subject,
                        ReadObject(*metadata, "component", metadata_path));
    if (subject != nullptr) {
      const JsonPath subject_path = metadata_path.Member("component");
      BW_RETURN_IF_ERROR(ReadComponentFields(*subject, subject_path, &sbom.subject));
      BW_RETURN_IF_ERROR(FlattenComponents(*subject, subject_path, -1, 2, &sbom));
    }
  }
  BW_RETURN_IF_ERROR(FlattenComponents(root, root_path, -1, 1, &sbom));
  BW_RETURN_IF_ERROR(ReadDependencies(root, root_path, &sbom));
  return sbom;
}

}  // namespace bulwark::vuln::internal
