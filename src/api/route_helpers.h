// What the service route files (*_routes.cc) share: optional fields rendered as JSON null, a
// list rendered as {"items": [...]}, a request body read field by field, and a service's result
// turned into a response. Each routes file keeps only what is its own: how its objects render.
//
// Thread-safety: pure functions.
//
//   router.Add("GET", "/api/v1/things", auth.Require([&](HttpRequest&, const Principal& p) {
//     return Reply(200, things.List(p), [](const std::vector<Thing>& v) {
//       return RenderList(v, RenderThing);
//     });
//   }));
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"

namespace bulwark::api {

// An RFC 3339 time, or null for none.
boost::json::value OptTime(const std::optional<Time>& t);
// The text, or null for none.
boost::json::value OptText(const std::optional<std::string>& s);
// The text, or null when it is empty (the services keep an absent text as "").
boost::json::value OptText(const std::string& s);

// {"items": [render(item)...]}.
template <typename T, typename F>
boost::json::object RenderList(const std::vector<T>& items, F render) {
  boost::json::array out;
  for (const T& item : items) out.push_back(render(item));
  return {{"items", std::move(out)}};
}

// Parses the body as a JSON object (an empty body reads as {}), reads it with `read` and checks
// that nothing else came.
Status ReadBody(const HttpRequest& request, const std::function<void(JsonFields&)>& read);

// Renders a service result: `status` (200 or 201) with the rendering, or the error envelope.
template <typename T, typename F>
HttpResponse Reply(int status, const StatusOr<T>& result, F render) {
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(status, render(*result));
}

}  // namespace bulwark::api
