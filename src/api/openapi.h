// The OpenAPI 3.1 description of the HTTP API, served at /api/v1/openapi.json.
//
// The document is written by hand in openapi.json beside this header and compiled into the
// binary; a test fails when a route the router serves is missing from it, or the reverse.
#pragma once

#include <string_view>

namespace bulwark::api {

std::string_view OpenApiDocument();

}  // namespace bulwark::api
