#include "vuln/internal/sbom_json.h"

#include <vector>

namespace bulwark::vuln::internal {
namespace {

std::string_view KindName(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown value";
}

Status TypeError(const JsonPath& path, std::string_view expected, const boost::json::value& found) {
  return JsonPathError(
      path, "expected " + std::string(expected) + ", found " + std::string(KindName(found)));
}

}  // namespace

std::string JsonPath::ToString() const {
  std::vector<const JsonPath*> steps;
  for (const JsonPath* p = this; p->parent_ != nullptr; p = p->parent_) steps.push_back(p);
  if (steps.empty()) return "the document";
  std::string out;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    const JsonPath& step = **it;
    if (step.key_.empty()) {
      out += "[" + std::to_string(step.index_) + "]";
    } else {
      if (!out.empty()) out += '.';
      out += step.key_;
    }
  }
  return out;
}

Status JsonPathError(const JsonPath& path, std::string_view problem) {
  std::string where = path.ToString();
  return Status(StatusCode::kInvalidArgument, where + ": " + std::string(problem),
                {{"path", where}});
}

StatusOr<const boost::json::object*> AsObject(const boost::json::value& value,
                                              const JsonPath& path) {
  if (const boost::json::object* object = value.if_object()) return object;
  return TypeError(path, "an object", value);
}

StatusOr<const boost::json::array*> ReadArray(const boost::json::object& object,
                                              std::string_view key, const JsonPath& path) {
  const boost::json::value* member = object.if_contains(key);
  if (member == nullptr || member->is_null()) return nullptr;
  if (const boost::json::array* array = member->if_array()) return array;
  return TypeError(path.Member(key), "an array", *member);
}

StatusOr<const boost::json::object*> ReadObject(const boost::json::object& object,
                                                std::string_view key, const JsonPath& path) {
  const boost::json::value* member = object.if_contains(key);
  if (member == nullptr || member->is_null()) return nullptr;
  return AsObject(*member, path.Member(key));
}

Status ReadString(const boost::json::object& object, std::string_view key, const JsonPath& path,
                  std::string* out) {
  const boost::json::value* member = object.if_contains(key);
  if (member == nullptr || member->is_null()) return OkStatus();
  BW_ASSIGN_OR_RETURN(std::string_view text, AsString(*member, path.Member(key)));
  out->assign(text);
  return OkStatus();
}

StatusOr<std::string_view> AsString(const boost::json::value& value, const JsonPath& path) {
  if (const boost::json::string* text = value.if_string()) return std::string_view(*text);
  return TypeError(path, "a string", value);
}

}  // namespace bulwark::vuln::internal
