// Router: maps a method and a request path to the Handler registered for a route pattern.
//
// Patterns are absolute paths whose segments are either literal ("organizations") or a named
// parameter in braces ("{id}"), which matches one non-empty segment and is handed to the handler
// in HttpRequest::path_params, percent-decoded. When several patterns match, the most specific
// wins: at the first segment where they differ, a literal beats a parameter, so "/users/me" is
// chosen over "/users/{id}". A path that matches some pattern, but not for the request's method,
// is reported as kMethodNotAllowed with the methods that would have matched (for the Allow
// header). HEAD is served by a GET route unless a HEAD route is registered. A fallback handler,
// when set, answers GET and HEAD on paths that no route matches.
//
// Thread-safety: Add() must finish before the router is shared (before HttpServer::Start);
// after that Match() and Routes() are safe from any number of threads.
//
// Example:
//   Router router;
//   router.Add("GET", "/api/v1/organizations/{id}/users", ListUsers);
//   RouteMatch m = router.Match("GET", "/api/v1/organizations/org_1/users");
//   // m.result == RouteMatch::Result::kFound, m.path_params["id"] == "org_1"
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"

namespace bulwark::api {

// How a route's handler runs. Most handlers touch the database briefly and run on the
// server's request workers, sized to the cores. A handler that may hold its thread much longer
// (an argon2 password check takes ~100 ms and 64 MiB) is kBlocking and runs on a separate
// small pool, so it never stalls the others. A handler that waits on another server for as
// long as that one takes (the model gateway forwarding to a lab's API, streaming its answer) is
// kLongRunning and runs on a large pool of its own.
enum class Execution { kStandard, kBlocking, kLongRunning };

struct RouteMatch {
  enum class Result { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Result result = Result::kNotFound;
  const Handler* handler = nullptr;            // kFound: owned by the Router
  Execution execution = Execution::kStandard;  // kFound
  size_t body_limit = 0;                       // kFound: the route's own, 0 for the server's
  std::string pattern;                         // kFound: the matched pattern, e.g. "/users/{id}"
  std::map<std::string, std::string> path_params;  // kFound
  std::vector<std::string> allowed_methods;        // kMethodNotAllowed: sorted, for Allow
};

class Router {
 public:
  Router() = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers `handler` for `method` on `pattern`.
  // REQUIRES: pattern starts with '/', every "{name}" segment is a whole segment with a unique
  // non-empty name, and (method, pattern) was not registered before. A violation is a bug in the
  // caller and aborts the process with a message.
  void Add(std::string method, std::string pattern, Handler handler,
           Execution execution = Execution::kStandard);

  // Lets requests of (method, pattern), registered before, carry bodies up to `bytes` (an SBOM,
  // a feed), above the server's limit for every other route.
  void AllowLargeBody(const std::string& method, const std::string& pattern, size_t bytes);
  // The largest body any route allows (0 when none raised its own).
  size_t max_body_limit() const { return max_body_limit_; }

  // Finds the route for `method` and `raw_path`, the path exactly as sent (still
  // percent-encoded, no query): it is split into segments first, then each segment is decoded,
  // so an encoded "%2F" stays inside one parameter. A segment with a malformed escape is kBadPath.
  RouteMatch Match(std::string_view method, std::string_view raw_path) const;

  // Every registered (method, pattern), in registration order.
  std::vector<std::pair<std::string, std::string>> Routes() const;

  // Serves GET and HEAD requests whose path matches no route: the web console's files and its
  // client-side paths. Other methods on such paths stay kNotFound, and a path that some route
  // matches for another method stays kMethodNotAllowed. Its match's pattern is "/*".
  void SetFallback(Handler handler);

 private:
  struct Segment {
    bool is_param = false;
    std::string text;  // the literal, or the parameter name
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    Execution execution = Execution::kStandard;
    size_t body_limit = 0;
  };

  std::vector<Route> routes_;
  Handler fallback_;  // empty: none
  size_t max_body_limit_ = 0;
};

}  // namespace bulwark::api
