#include "api/system_routes.h"

#include "api/openapi.h"

namespace bulwark::api {

Handler MetricsEndpoint(Metrics& metrics, std::function<void()> refresh) {
  return [&metrics, refresh = std::move(refresh)](HttpRequest&) {
    if (refresh) refresh();
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.Render();
    return response;
  };
}

void RegisterSystemRoutes(Router& router, store::Database& db, Metrics& metrics,
                          std::function<void()> refresh_metrics) {
  // "/" itself is the web console (console_files.h).
  router.Add("GET", "/api/v1", [](HttpRequest&) {
    return JsonResponse(200, {{"name", "Bulwark"},
                              {"api", "/api/v1"},
                              {"openapi", "/api/v1/openapi.json"},
                              {"console", "/"},
                              {"health", "/healthz"}});
  });
  router.Add("GET", "/healthz", [](HttpRequest&) { return JsonResponse(200, {{"status", "ok"}}); });
  router.Add("GET", "/readyz", [&db](HttpRequest&) {
    Status s = db.Transact(store::TxMode::kReadOnly, [](store::Transaction& tx) -> Status {
      return tx.Query("SELECT 1").status();
    });
    if (!s.ok()) {
      return ErrorResponse(UnavailableError("the database is not reachable: " + s.message()));
    }
    return JsonResponse(200, {{"status", "ready"}});
  });
  router.Add("GET", "/metrics", MetricsEndpoint(metrics, std::move(refresh_metrics)));
  router.Add("GET", "/api/v1/openapi.json", [](HttpRequest&) {
    HttpResponse response;
    response.body = std::string(OpenApiDocument());
    return response;
  });
}

}  // namespace bulwark::api
