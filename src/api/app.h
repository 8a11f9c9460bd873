// App: Bulwark's HTTP API, composed of one routes file per service.
//
// Each service registers its own routes and describes them in the OpenAPI fragment beside its
// routes file (openapi.h): system_routes (where things are, health, metrics, OpenAPI),
// access_routes (sessions, organizations, users, tokens, grants), ledger_routes, jobs_routes
// review_routes (the pre-release review program), gateway_routes (the model gateway under
// /gateway), evaluations_routes and clearinghouse_routes. Each handler parses the request, calls
// one service, and renders the result; the rules live in the services. Authentication and rate
// limits are the Authenticator's.
//
// Thread-safety: handlers run concurrently on the server's worker threads; App holds no
// request state of its own beyond its thread-safe limiters.
//
// Example:
//   Router router;
//   App app(directory, review, gateway, ledger, db, SystemClock::Get(), metrics, AppOptions{});
//   app.Register(router);
//   HttpServer server(options, router, metrics);
#pragma once

#include <memory>

#include "access/directory.h"
#include "api/authenticator.h"
#include "api/jobs_routes.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/clock.h"
#include "clearinghouse/service.h"
#include "evaluations/service.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "ledger/transparency_log.h"
#include "review/gateway.h"
#include "review/service.h"
#include "store/database.h"

namespace bulwark::api {

struct AppOptions : RateLimits {
  bool secure_cookies = false;  // set when serving TLS
};

class App {
 public:
  App(access::Directory& directory, review::ReviewService& review, review::Gateway& gateway,
      evaluations::EvaluationService& evaluations,
      clearinghouse::ClearinghouseService& clearinghouse, ledger::TransparencyLog& ledger,
      store::Database& db, const Clock& clock, Metrics& metrics, AppOptions options);

  void Register(Router& router);

  // The worker running in this process, whose counters /metrics shows; none by default.
  // REQUIRES: called before Register.
  void set_worker(const jobs::Worker* worker) { worker_ = worker; }

 private:
  access::Directory& directory_;
  review::ReviewService& review_;
  review::Gateway& gateway_;
  evaluations::EvaluationService& evaluations_;
  clearinghouse::ClearinghouseService& clearinghouse_;
  ledger::TransparencyLog& ledger_;
  store::Database& db_;
  const Clock& clock_;
  Metrics& metrics_;
  AppOptions options_;
  Authenticator auth_;
  jobs::JobQueue jobs_;
  JobMetrics job_metrics_;
  const jobs::Worker* worker_ = nullptr;
};

}  // namespace bulwark::api
