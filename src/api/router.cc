#include "api/router.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace bulwark::api {
namespace {

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

[[noreturn]] void DieBadRoute(const std::string& method, const std::string& pattern,
                              const char* why) {
  std::fprintf(stderr, "Router::Add(%s, %s): %s\n", method.c_str(), pattern.c_str(), why);
  std::abort();
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, Execution execution) {
  if (method.empty()) DieBadRoute(method, pattern, "empty method");
  if (pattern.empty() || pattern.front() != '/') {
    DieBadRoute(method, pattern, "pattern must start with '/'");
  }
  if (!handler) DieBadRoute(method, pattern, "empty handler");
  Route route;
  std::set<std::string> names;
  for (std::string_view text : SplitPath(pattern)) {
    Segment segment;
    if (!text.empty() && text.front() == '{') {
      if (text.size() < 3 || text.back() != '}') {
        DieBadRoute(method, pattern, "malformed {parameter} segment");
      }
      segment.is_param = true;
      segment.text = std::string(text.substr(1, text.size() - 2));
      if (segment.text.find_first_of("{}") != std::string::npos) {
        DieBadRoute(method, pattern, "malformed {parameter} segment");
      }
      if (!names.insert(segment.text).second) {
        DieBadRoute(method, pattern, "duplicate parameter name");
      }
    } else {
      if (text.find_first_of("{}") != std::string_view::npos) {
        DieBadRoute(method, pattern, "braces must enclose a whole segment");
      }
      segment.text = std::string(text);
    }
    route.segments.push_back(std::move(segment));
  }
  for (const Route& existing : routes_) {
    if (existing.method == method && existing.pattern == pattern) {
      DieBadRoute(method, pattern, "route registered twice");
    }
  }
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.execution = execution;
  routes_.push_back(std::move(route));
}

void Router::AllowLargeBody(const std::string& method, const std::string& pattern, size_t bytes) {
  for (Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      route.body_limit = bytes;
      max_body_limit_ = std::max(max_body_limit_, bytes);
      return;
    }
  }
  DieBadRoute(method, pattern, "AllowLargeBody before the route was added");
}

RouteMatch Router::Match(std::string_view method, std::string_view raw_path) const {
  RouteMatch match;
  std::vector<std::string> segments;
  for (std::string_view raw : SplitPath(raw_path)) {
    StatusOr<std::string> decoded = PercentDecode(raw, /*plus_as_space=*/false);
    if (!decoded.ok()) {
      match.result = RouteMatch::Result::kBadPath;
      return match;
    }
    segments.push_back(std::move(*decoded));
  }

  // Among the routes whose pattern matches the path, the most specific one per method.
  const Route* best_exact = nullptr;
  const Route* best_get = nullptr;  // Serves HEAD when no HEAD route matches.
  std::vector<bool> best_exact_key, best_get_key;
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<bool> key;  // true = literal, compared lexicographically: literals win.
    key.reserve(segments.size());
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      const Segment& s = route.segments[i];
      if (s.is_param) {
        matches = !segments[i].empty();
        key.push_back(false);
      } else {
        matches = s.text == segments[i];
        key.push_back(true);
      }
    }
    if (!matches) continue;
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
    if (route.method == method && (best_exact == nullptr || key > best_exact_key)) {
      best_exact = &route;
      best_exact_key = key;
    }
    if (route.method == "GET" && (best_get == nullptr || key > best_get_key)) {
      best_get = &route;
      best_get_key = key;
    }
  }

  const Route* chosen = best_exact;
  if (chosen == nullptr && method == "HEAD") chosen = best_get;
  if (chosen == nullptr) {
    if (allowed.empty()) {
      if (fallback_ && (method == "GET" || method == "HEAD")) {
        match.result = RouteMatch::Result::kFound;
        match.handler = &fallback_;
        match.pattern = "/*";
      }
      return match;
    }
    match.result = RouteMatch::Result::kMethodNotAllowed;
    match.allowed_methods.assign(allowed.begin(), allowed.end());
    return match;
  }
  match.result = RouteMatch::Result::kFound;
  match.handler = &chosen->handler;
  match.execution = chosen->execution;
  match.body_limit = chosen->body_limit;
  match.pattern = chosen->pattern;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (chosen->segments[i].is_param) {
      match.path_params[chosen->segments[i].text] = std::move(segments[i]);
    }
  }
  return match;
}

void Router::SetFallback(Handler handler) { fallback_ = std::move(handler); }

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(routes_.size());
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

}  // namespace bulwark::api
