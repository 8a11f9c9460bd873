// The routes every deployment has, whatever services it runs: where things are (/api/v1),
// liveness and readiness, Prometheus metrics, and the OpenAPI document.
#pragma once

#include <functional>

#include "api/metrics.h"
#include "api/router.h"
#include "store/database.h"

namespace bulwark::api {

// GET /metrics: runs `refresh` (which sets the gauges read from elsewhere, such as the job
// queue's), then renders every metric in Prometheus's text format.
Handler MetricsEndpoint(Metrics& metrics, std::function<void()> refresh);

// /api/v1, /healthz, /readyz (which reaches the database), /metrics and
// /api/v1/openapi.json.
void RegisterSystemRoutes(Router& router, store::Database& db, Metrics& metrics,
                          std::function<void()> refresh_metrics);

}  // namespace bulwark::api
