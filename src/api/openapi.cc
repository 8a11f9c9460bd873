#include "api/openapi.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

namespace bulwark::api {

StatusOr<std::string> ComposeOpenApi(std::span<const OpenApiFragment> fragments) {
  boost::json::object document;
  for (const OpenApiFragment& fragment : fragments) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(fragment.json, ec);
    if (ec || !parsed.is_object()) {
      return InvalidArgumentError(std::string(fragment.name) + " is not a JSON object" +
                                  (ec ? ": " + ec.message() : ""));
    }
    boost::json::object& part = parsed.as_object();
    if (document.empty()) {
      document = std::move(part);
      if (!document.contains("paths")) document["paths"] = boost::json::object();
      continue;
    }
    // Adds every member of `from` to `to`; an error when one is there already.
    auto merge = [&](const std::string& where, const boost::json::value* from,
                     boost::json::object& to) -> Status {
      if (from == nullptr) return OkStatus();
      if (!from->is_object()) {
        return InvalidArgumentError(std::string(fragment.name) + ": " + where +
                                    " is not an object");
      }
      for (const auto& [key, value] : from->as_object()) {
        if (to.contains(key)) {
          return InvalidArgumentError(std::string(fragment.name) + ": " + where + " '" +
                                      std::string(key) + "' is defined twice");
        }
        to[key] = value;
      }
      return OkStatus();
    };
    for (const auto& [key, value] : part) {
      if (key != "paths" && key != "components") {
        return InvalidArgumentError(std::string(fragment.name) +
                                    ": a service's fragment has only "
                                    "paths and components, not '" +
                                    std::string(key) + "'");
      }
    }
    BW_RETURN_IF_ERROR(merge("path", part.if_contains("paths"), document["paths"].as_object()));
    if (const boost::json::value* components = part.if_contains("components")) {
      if (!components->is_object()) {
        return InvalidArgumentError(std::string(fragment.name) + ": components is not an object");
      }
      if (!document["components"].is_object()) document["components"] = boost::json::object();
      boost::json::object& to = document["components"].as_object();
      for (const auto& [section, members] : components->as_object()) {
        if (!to[section].is_object()) to[section] = boost::json::object();
        BW_RETURN_IF_ERROR(merge(std::string(section), &members, to[section].as_object()));
      }
    }
  }
  return boost::json::serialize(document);
}

std::string_view OpenApiDocument() {
  static const std::string document = [] {
    StatusOr<std::string> composed = ComposeOpenApi(OpenApiFragments());
    if (!composed.ok()) {
      // The fragments are part of the build; api_test fails on this before a release does.
      std::fprintf(stderr, "the OpenAPI fragments do not compose: %s\n",
                   composed.status().ToString().c_str());
      std::abort();
    }
    return *composed;
  }();
  return document;
}

}  // namespace bulwark::api
