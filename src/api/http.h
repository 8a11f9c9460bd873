// HTTP requests and responses as the API's handlers see them, and the helpers that build
// responses: the JSON error envelope and the one mapping from Status codes to HTTP statuses.
//
// HttpServer parses each request off the wire into an HttpRequest (path and query already
// percent-decoded, path parameters filled in by the Router), calls the route's Handler on a
// worker thread, and writes back the HttpResponse it returns. Handlers never throw: failures are
// a Status turned into a response with ErrorResponse, whose body is always
//
//   {"error":{"code":"invalid_argument","message":"...","details":{"field":"email"}}}
//
// Thread-safety: plain values; a request belongs to the one handler call that receives it.
//
// Example:
//   HttpResponse GetOrganization(HttpRequest& request) {
//     StatusOr<Organization> org = service.Get(request.path_params.at("id"));
//     if (!org.ok()) return ErrorResponse(org.status());
//     return JsonResponse(200, ToJson(*org));
//   }
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::api {

struct HttpRequest {
  std::string method;                              // "GET", as sent (case-sensitive)
  std::string target;                              // raw target including the query
  std::string path;                                // percent-decoded path without the query
  std::map<std::string, std::string> query;        // decoded query parameters; first one wins
  std::map<std::string, std::string> path_params;  // from the route pattern, e.g. {id}
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as sent
  std::string body;
  std::string remote_address;  // peer IP address, without the port
  std::string request_id;      // set by the server, also sent back as X-Request-Id
  bool tls = false;

  // The first header called `name` (compared case-insensitively), if any.
  std::optional<std::string> Header(std::string_view name) const;
  // The value of cookie `name` from the Cookie header(s), surrounding quotes removed, if any.
  std::optional<std::string> Cookie(std::string_view name) const;
};

// Sends a streamed response body piece by piece (see HttpResponse::stream).
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends `bytes`: they go out as soon as what was written before them has (bytes written
  // meanwhile go out together, as one chunk). Returns at once, or once the network has taken
  // some when 1 MiB waits; false when the client has gone or a write failed or timed out (stop
  // streaming then).
  virtual bool Write(std::string_view bytes) = 0;
  // True once the client closed the connection or a write failed.
  virtual bool ClientGone() const = 0;
  // Calls `fn` once when the client goes before the body ends (at once if it already went),
  // from the connection's thread: for cancelling work done on the client's behalf.
  virtual void OnClientGone(std::function<void()> fn) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra headers (Set-Cookie, Retry-After, Location, ...). The server adds Content-Type,
  // Content-Length, Connection, X-Request-Id, X-Content-Type-Options and, unless one is given
  // here, Cache-Control: no-store.
  std::vector<std::pair<std::string, std::string>> headers;
  // Who made the request, for the access log ("" = anonymous). Not sent to the client.
  std::string principal;
  // A streamed body: when set, `body` is ignored; the server sends the status and headers with
  // Transfer-Encoding: chunked, then calls `stream` on the handler's thread, and the response
  // ends when it returns. Route such handlers as Execution::kLongRunning.
  std::function<void(BodyWriter&)> stream;
  // Work the client need not wait for: run on the handler's thread once the response is handed
  // to the connection to write (for a stream, once its last chunk is), whether or not the
  // client reads it. The server's drain waits for it.
  std::function<void()> after;
};

using Handler = std::function<HttpResponse(HttpRequest&)>;

// The HTTP status for a canonical code; the one place this mapping lives.
// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/Aborted/FailedPrecondition 409, ResourceExhausted 429, Unavailable 503,
// DeadlineExceeded 504, everything else 500.
int HttpStatusFor(StatusCode code);

// The error envelope for `status`, with HTTP status HttpStatusFor(status.code()).
// REQUIRES: !status.ok()
HttpResponse ErrorResponse(const Status& status);

// The error envelope with an explicit HTTP status and wire code, for errors that are about HTTP
// itself rather than a Status ("method_not_allowed" with 405, "resource_exhausted" with 413).
HttpResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                           const std::vector<StatusDetail>& details = {});

// `body` serialized as the response body, content type application/json.
HttpResponse JsonResponse(int status, const boost::json::value& body);

// A response with any content type, e.g. the Prometheus exposition text.
HttpResponse TextResponse(int status, std::string content_type, std::string body);

// Decodes %XX escapes (and '+' as space when `plus_as_space`, for query strings). Malformed
// escapes and encoded NUL bytes are InvalidArgument.
StatusOr<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// Splits an origin-form request target ("/a/b?x=1&y") into the decoded path and query
// parameters. A target that does not start with '/' or has malformed escapes is InvalidArgument.
Status ParseTarget(std::string_view target, std::string* path,
                   std::map<std::string, std::string>* query);

// True for a request id a client may choose: 1 to 128 characters of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);

}  // namespace bulwark::api
