#include "api/console_files.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "base/log.h"

#ifndef BULWARK_SOURCE_DIR
#define BULWARK_SOURCE_DIR ""
#endif

namespace bulwark::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

// FNV-1a, 64 bits: an ETag only needs to change when the bytes do.
std::string EtagFor(std::string_view body) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof(text), "\"%016llx\"", static_cast<unsigned long long>(h));
  return text;
}

bool IsApiPath(std::string_view path) {
  for (std::string_view prefix : {"/api", "/gateway"}) {
    if (path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/')) return true;
  }
  return false;
}

// True when any segment is "." or ".." or the path holds a NUL or a backslash: never a file
// of ours, whatever the map holds.
bool IsSuspicious(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return true;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}

void AddSecurityHeaders(HttpResponse& response) {
  response.headers.emplace_back("Content-Security-Policy",
                                std::string(kConsoleContentSecurityPolicy));
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

HttpResponse PlainText(int status, std::string body) {
  HttpResponse response = TextResponse(status, "text/plain; charset=utf-8", std::move(body));
  response.headers.emplace_back("Cache-Control", "no-store");
  AddSecurityHeaders(response);
  return response;
}

bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(dir / "index.html", ec);
}

}  // namespace

std::string_view ContentTypeFor(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  }};
  size_t dot = file_name.rfind('.');
  if (dot != std::string_view::npos && file_name.find('/', dot) == std::string_view::npos) {
    std::string_view ext = file_name.substr(dot);
    for (const auto& [suffix, type] : kTypes) {
      if (ext == suffix) return type;
    }
  }
  return "application/octet-stream";
}

StatusOr<ConsoleFiles> ConsoleFiles::Load(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return InvalidArgumentError("the web console folder " + root.string() +
                                " is not a readable directory");
  }
  if (!HasIndex(root)) {
    return InvalidArgumentError("the web console folder " + root.string() +
                                " has no index.html: build it with scripts/build-web.sh");
  }
  ConsoleFiles console;
  uint64_t total = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return InvalidArgumentError("cannot read " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return InvalidArgumentError("cannot read " + root.string() + ": " + ec.message());
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (entry.is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    // Only regular files that are not symbolic links: nothing outside `root` is ever read.
    if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) continue;
    if (console.files_.size() >= kMaxFiles) {
      return ResourceExhaustedError("the web console folder " + root.string() + " has more than " +
                                    std::to_string(kMaxFiles) + " files");
    }
    std::string relative = entry.path().lexically_relative(root).generic_string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof())
      return InvalidArgumentError("cannot read " + entry.path().string());
    total += body.size();
    if (total > kMaxTotalBytes) {
      return ResourceExhaustedError("the web console folder " + root.string() +
                                    " holds more than 64 MiB");
    }
    File file;
    file.content_type = std::string(ContentTypeFor(relative));
    file.etag = EtagFor(body);
    file.immutable = relative.starts_with("assets/");
    file.body = std::move(body);
    console.files_.emplace("/" + relative, std::move(file));
  }
  return console;
}

ConsoleFiles ConsoleFiles::Missing(std::string why) {
  ConsoleFiles console;
  console.missing_ = std::move(why);
  return console;
}

HttpResponse ConsoleFiles::Send(const HttpRequest& request, const File& file) const {
  HttpResponse response;
  std::optional<std::string> if_none_match = request.Header("If-None-Match");
  if (if_none_match && *if_none_match == file.etag) {
    response.status = 304;
    response.content_type.clear();
  } else {
    response.content_type = file.content_type;
    response.body = file.body;
  }
  response.headers.emplace_back("Cache-Control",
                                std::string(file.immutable ? kImmutable : kRevalidate));
  response.headers.emplace_back("ETag", file.etag);
  AddSecurityHeaders(response);
  return response;
}

HttpResponse ConsoleFiles::Serve(const HttpRequest& request) const {
  const std::string& path = request.path;
  if (IsApiPath(path)) return ErrorResponse(NotFoundError("no route for " + path));
  if (path.empty() || path.front() != '/' || IsSuspicious(path)) {
    return PlainText(404, "Not found.\n");
  }
  if (files_.empty()) {
    return PlainText(404, "Bulwark's web console is not available here: " + missing_ +
                              "\nBuild it with `make build` (or scripts/build-web.sh) and restart "
                              "`bulwark serve`, or pass --web-root DIR. The API is at /api/v1.\n");
  }
  std::string_view lookup = path == "/" ? std::string_view("/index.html") : path;
  if (auto it = files_.find(lookup); it != files_.end()) return Send(request, it->second);
  // A missing file (a name with an extension, or anything under /assets/) is a 404, so a stale
  // bundle name never gets HTML back; any other path is one of the console's routes.
  std::string_view last = std::string_view(path).substr(path.rfind('/') + 1);
  if (path.starts_with("/assets/") || last.find('.') != std::string_view::npos) {
    return PlainText(404, "Not found: " + path + "\n");
  }
  return Send(request, files_.at("/index.html"));
}

fs::path FindConsoleRoot(const fs::path& executable, const fs::path& source_dir) {
  std::vector<fs::path> candidates;
  if (!executable.empty()) {
    fs::path bin = executable.parent_path();
    candidates.push_back(bin / ".." / "share" / "bulwark" / "web");
    candidates.push_back(bin / ".." / ".." / "web" / "dist");
  }
  if (!source_dir.empty()) candidates.push_back(source_dir / "web" / "dist");
  for (const fs::path& dir : candidates) {
    if (HasIndex(dir)) return dir.lexically_normal();
  }
  return {};
}

StatusOr<std::shared_ptr<const ConsoleFiles>> LoadConsole(const std::string& web_root) {
  fs::path root = web_root;
  if (root.empty()) {
    std::error_code ec;
    fs::path executable = fs::read_symlink("/proc/self/exe", ec);
    root = FindConsoleRoot(ec ? fs::path() : executable, BULWARK_SOURCE_DIR);
    if (root.empty()) {
      Log(LogLevel::kWarning, "the web console is not built; serving the API only",
          {{"hint", "run make build, or pass --web-root DIR"}});
      return std::make_shared<const ConsoleFiles>(
          ConsoleFiles::Missing("no built console was found beside this binary"));
    }
  }
  BW_ASSIGN_OR_RETURN(ConsoleFiles files, ConsoleFiles::Load(root));
  Log(LogLevel::kInfo, "serving the web console",
      {{"web_root", root.string()}, {"files", std::to_string(files.file_count())}});
  return std::make_shared<const ConsoleFiles>(std::move(files));
}

void ServeConsole(Router& router, std::shared_ptr<const ConsoleFiles> files) {
  router.SetFallback(
      [files = std::move(files)](HttpRequest& request) { return files->Serve(request); });
}

}  // namespace bulwark::api
