// Authenticator: who is calling, for every service's routes, and how fast they may.
//
// A request authenticates with an API token (`Authorization: Bearer bwk_...`) or a console
// session cookie; with a cookie, state-changing requests also need the session's CSRF token in
// `X-CSRF-Token`. Every authenticated principal has a token bucket; so does every client
// address before authentication, so guessing tokens is slow; sign-ins have their own bucket
// per address and per email.
//
// Thread-safety: thread-safe; handlers run concurrently on the server's worker threads.
//
//   router.Add("GET", "/api/v1/things", auth.Require([&](HttpRequest& r, const Principal& p) {
//     return JsonResponse(200, service.List(p));
//   }));
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "access/directory.h"
#include "api/http.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "base/clock.h"

namespace bulwark::api {

struct RateLimits {
  double requests_per_second = 50;   // per principal, sustained
  double request_burst = 200;        // per principal
  double anonymous_per_second = 20;  // per client address, before authentication
  double anonymous_burst = 100;
  double sign_ins_per_minute = 10;  // per client address and per email
};

inline constexpr std::string_view kSessionCookie = "bulwark_session";

using AuthedHandler = std::function<HttpResponse(HttpRequest&, const access::Principal&)>;

class Authenticator {
 public:
  Authenticator(access::Directory& directory, const Clock& clock, const RateLimits& limits);

  // Wraps a handler with authentication and the principal's rate limit; the handler sees the
  // principal with the request's id and body hash set, for the audit trail.
  Handler Require(AuthedHandler handler);

  // The sign-in limit for this address and email: a 429 response when exhausted.
  std::optional<HttpResponse> LimitSignIn(const std::string& remote_address,
                                          const std::string& email);

 private:
  std::optional<HttpResponse> Limit(TokenBucketLimiter& limiter, const std::string& key);

  access::Directory& directory_;
  TokenBucketLimiter principal_limiter_;
  TokenBucketLimiter anonymous_limiter_;
  TokenBucketLimiter sign_in_limiter_;
};

}  // namespace bulwark::api
