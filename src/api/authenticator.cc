#include "api/authenticator.h"

#include <algorithm>

#include "access/credentials.h"
#include "base/encoding.h"

namespace bulwark::api {
namespace {

bool IsSafeMethod(const std::string& method) { return method == "GET" || method == "HEAD"; }

}  // namespace

Authenticator::Authenticator(access::Directory& directory, const Clock& clock,
                             const RateLimits& limits)
    : directory_(directory),
      principal_limiter_(limits.requests_per_second, limits.request_burst, clock),
      anonymous_limiter_(limits.anonymous_per_second, limits.anonymous_burst, clock),
      sign_in_limiter_(limits.sign_ins_per_minute / 60.0, limits.sign_ins_per_minute, clock) {}

std::optional<HttpResponse> Authenticator::Limit(TokenBucketLimiter& limiter,
                                                 const std::string& key) {
  std::optional<Duration> wait = limiter.Acquire(key);
  if (!wait) return std::nullopt;
  int64_t seconds = std::max<int64_t>(1, (wait->count() + 999999) / 1000000);
  HttpResponse response =
      ErrorResponse(Status(StatusCode::kResourceExhausted,
                           "rate limit exceeded; retry in " + std::to_string(seconds) + " s",
                           {{"retry_after_seconds", std::to_string(seconds)}}));
  response.headers.emplace_back("Retry-After", std::to_string(seconds));
  return response;
}

std::optional<HttpResponse> Authenticator::LimitSignIn(const std::string& remote_address,
                                                       const std::string& email) {
  if (auto limited = Limit(sign_in_limiter_, "addr:" + remote_address)) return limited;
  return Limit(sign_in_limiter_, "email:" + email);
}

Handler Authenticator::Require(AuthedHandler handler) {
  return [this, handler = std::move(handler)](HttpRequest& request) -> HttpResponse {
    StatusOr<access::Principal> principal = UnauthenticatedError(
        "authentication required: send 'Authorization: Bearer bwk_...' or sign in at "
        "POST /api/v1/session");
    if (std::optional<std::string> auth = request.Header("Authorization")) {
      std::string_view value = *auth;
      if (value.size() > 7 &&
          (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
        principal = directory_.AuthenticateToken(value.substr(7));
      } else {
        principal = UnauthenticatedError("the Authorization header must be 'Bearer <token>'");
      }
    } else if (std::optional<std::string> cookie = request.Cookie(kSessionCookie)) {
      std::string csrf = request.Header("X-CSRF-Token").value_or("");
      std::optional<std::string_view> required_csrf;
      if (!IsSafeMethod(request.method)) required_csrf = csrf;
      principal = directory_.AuthenticateSession(*cookie, required_csrf);
    }
    if (!principal.ok()) {
      if (std::optional<HttpResponse> limited =
              Limit(anonymous_limiter_, "addr:" + request.remote_address)) {
        return *limited;
      }
      HttpResponse response = ErrorResponse(principal.status());
      if (principal.status().code() == StatusCode::kUnauthenticated) {
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"bulwark\"");
      }
      return response;
    }
    if (std::optional<HttpResponse> limited = Limit(principal_limiter_, principal->user_id)) {
      limited->principal = principal->user_id;
      return *limited;
    }
    // The request this principal acts in, for the audit trail.
    principal->request_id = request.request_id;
    if (!request.body.empty()) principal->body_sha256 = HexEncode(access::HashSecret(request.body));
    HttpResponse response = handler(request, *principal);
    response.principal = principal->user_id;
    return response;
  };
}

}  // namespace bulwark::api
