// The OpenAPI 3.1 description of the HTTP API, served at /api/v1/openapi.json.
//
// Each service describes its own routes beside the file that registers them:
// `<service>_openapi.json` holds its paths and its schemas, and common_openapi.json the
// document's head, the error schema, the shared responses and the security schemes. The files
// are compiled into the binary and composed into one document on first use; a test fails when
// two fragments define the same path or schema, or when a route the router serves is missing
// from the document, or the reverse.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bulwark::api {

struct OpenApiFragment {
  std::string_view name;  // the file it came from, for error messages
  std::string_view json;
};

// The fragments compiled into this binary, common_openapi.json first.
std::span<const OpenApiFragment> OpenApiFragments();

// Merges `fragments` into one document: the first gives the head; the paths and the
// components of every fragment are added. InvalidArgument when a fragment is not a JSON object
// or when two define the same path or component.
StatusOr<std::string> ComposeOpenApi(std::span<const OpenApiFragment> fragments);

// The composed document of the compiled-in fragments (composed once).
std::string_view OpenApiDocument();

}  // namespace bulwark::api
