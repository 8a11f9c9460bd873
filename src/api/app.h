// App: Bulwark's HTTP API: authentication, rate limits, and the routes of every service.
//
// Each handler parses the request, calls one service, and renders the result; the rules live
// in the services. Authentication accepts an API token (`Authorization: Bearer bwk_...`) or a
// console session cookie; with a cookie, state-changing requests also need the session's CSRF
// token in `X-CSRF-Token`. Every authenticated principal has a token bucket; so does every
// client address before authentication, so guessing tokens is slow.
//
// Thread-safety: handlers run concurrently on the server's worker threads; App holds no
// request state of its own beyond its thread-safe limiters.
//
// Example:
//   Router router;
//   App app(directory, db, SystemClock::Get(), metrics, AppOptions{});
//   app.Register(router);
//   HttpServer server(options, router, metrics);
#pragma once

#include <functional>
#include <string>

#include "access/directory.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "base/clock.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "ledger/transparency_log.h"
#include "store/database.h"

namespace bulwark::api {

struct AppOptions {
  double requests_per_second = 50;   // per principal, sustained
  double request_burst = 200;        // per principal
  double anonymous_per_second = 20;  // per client address, before authentication
  double anonymous_burst = 100;
  double sign_ins_per_minute = 10;  // per client address and per email
  bool secure_cookies = false;      // set when serving TLS
};

inline constexpr std::string_view kSessionCookie = "bulwark_session";

class App {
 public:
  App(access::Directory& directory, ledger::TransparencyLog& ledger, store::Database& db,
      const Clock& clock, Metrics& metrics, AppOptions options);

  void Register(Router& router);

  // The worker running in this process, whose counters /metrics shows; none by default.
  // REQUIRES: called before Register.
  void set_worker(const jobs::Worker* worker) { worker_ = worker; }

 private:
  using AuthedHandler = std::function<HttpResponse(HttpRequest&, const access::Principal&)>;

  // Wraps a handler with authentication and the principal's rate limit.
  Handler Authenticated(AuthedHandler handler);
  // Rate limit by key; an error response when exhausted.
  std::optional<HttpResponse> Limit(TokenBucketLimiter& limiter, const std::string& key);

  void RegisterSystem(Router& router);
  void RegisterSessions(Router& router);
  void RegisterOrganizations(Router& router);
  void RegisterUsers(Router& router);
  void RegisterTuples(Router& router);
  void RegisterLedger(Router& router);
  void RegisterJobs(Router& router);  // in jobs_routes.cc

  access::Directory& directory_;
  ledger::TransparencyLog& ledger_;
  store::Database& db_;
  const Clock& clock_;
  Metrics& metrics_;
  AppOptions options_;
  TokenBucketLimiter principal_limiter_;
  TokenBucketLimiter anonymous_limiter_;
  TokenBucketLimiter sign_in_limiter_;
  jobs::JobQueue jobs_;
  const jobs::Worker* worker_ = nullptr;
};

}  // namespace bulwark::api
