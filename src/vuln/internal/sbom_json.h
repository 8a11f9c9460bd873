// Typed, located reads of members of a parsed JSON SBOM, shared by the CycloneDX and SPDX
// readers. A member of the wrong type is an InvalidArgument naming its JSON path
// ("components[3].version: expected a string, found a number") with detail "path"; an absent
// or null member reads as empty, because SBOM generators omit much of what the specs allow.
//
// JsonPath is built on the stack as the readers descend and rendered only when an error
// needs it, so locating costs nothing on a well-formed document.
//
// Thread-safety: JsonPath values refer to their parent; use them within one call chain.
//
//   JsonPath root;
//   JsonPath component = root.Member("components").Index(3);
//   BW_RETURN_IF_ERROR(ReadString(object, "version", component, &out.version));
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bulwark::vuln::internal {

class JsonPath {
 public:
  // The document's root.
  JsonPath() = default;

  // REQUIRES: `this` (and `key`) outlive the returned path.
  JsonPath Member(std::string_view key) const { return JsonPath(this, key, 0); }
  JsonPath Index(size_t index) const { return JsonPath(this, {}, index); }

  // "components[3].version"; "the document" for the root.
  std::string ToString() const;

 private:
  JsonPath(const JsonPath* parent, std::string_view key, size_t index)
      : parent_(parent), key_(key), index_(index) {}

  const JsonPath* parent_ = nullptr;
  std::string_view key_;  // "" for an array element
  size_t index_ = 0;
};

// An InvalidArgument "<path>: <problem>" with detail "path".
Status JsonPathError(const JsonPath& path, std::string_view problem);

// `value` as an object, or an error naming `path`.
StatusOr<const boost::json::object*> AsObject(const boost::json::value& value,
                                              const JsonPath& path);

// Member `key` of `object`, which must be an array (object) when present; nullptr when absent
// or null.
StatusOr<const boost::json::array*> ReadArray(const boost::json::object& object,
                                              std::string_view key, const JsonPath& path);
StatusOr<const boost::json::object*> ReadObject(const boost::json::object& object,
                                                std::string_view key, const JsonPath& path);

// Member `key` of `object` into `out`; `out` is left unchanged when the member is absent or
// null. `path` is the object's path.
Status ReadString(const boost::json::object& object, std::string_view key, const JsonPath& path,
                  std::string* out);

// `value` (at `path`) as a string.
StatusOr<std::string_view> AsString(const boost::json::value& value, const JsonPath& path);

}  // namespace bulwark::vuln::internal
