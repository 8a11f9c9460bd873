// ConsoleFiles: the web console's built files (web/dist), which `bulwark serve` serves at "/".
//
// The files are read into memory once, at start: index.html, and the content-hashed bundles
// under assets/. Requests are answered from that map alone, so no request path ever reaches
// the filesystem and none can escape the directory. Every answer carries a strict
// Content-Security-Policy (scripts, styles, images and connections from this origin only; no
// inline script or style; no framing). Files under /assets/ have their content hash in their
// name and are cached for a year as immutable; everything else (index.html) is revalidated
// on every use (no-cache, with an ETag). A path that names no file and whose last segment has
// no dot is one of the console's own routes (/organizations/org_1/users) and gets index.html,
// so a reload or a shared link works; API paths (/api/...) never get the console but the API's
// JSON 404.
//
// Thread-safety: immutable once loaded; Serve() may run on any number of threads at once.
//
// Example:
//   StatusOr<std::shared_ptr<const ConsoleFiles>> console = LoadConsole(options.web_root);
//   if (!console.ok()) return Fail(console.status());
//   ServeConsole(router, *console);
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/http.h"
#include "api/router.h"
#include "base/status.h"

namespace bulwark::api {

// Sent with every console response. Vite's build inlines nothing, so 'self' is enough.
inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

class ConsoleFiles {
 public:
  // Bounds on what Load reads, so that a wrong --web-root (say, "/") fails fast.
  static constexpr size_t kMaxFiles = 4096;
  static constexpr uint64_t kMaxTotalBytes = 64ull << 20;

  // Reads every regular file under `root`; symbolic links and names starting with a dot are
  // skipped. Errors: InvalidArgument when `root` is not a readable directory or holds no
  // index.html, ResourceExhausted past kMaxFiles or kMaxTotalBytes.
  static StatusOr<ConsoleFiles> Load(const std::filesystem::path& root);

  // No files: every console path answers 404 with `why` and how to build the console.
  static ConsoleFiles Missing(std::string why);

  // Answers a GET or HEAD for `request.path`, as described above.
  HttpResponse Serve(const HttpRequest& request) const;

  size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string etag;
    bool immutable = false;
  };

  ConsoleFiles() = default;
  HttpResponse Send(const HttpRequest& request, const File& file) const;

  std::map<std::string, File, std::less<>> files_;  // by URL path, e.g. "/assets/index-x1.js"
  std::string missing_;                             // why there are no files, when so
};

// The content type for a file name, by its extension; application/octet-stream if unknown.
std::string_view ContentTypeFor(std::string_view file_name);

// Where the built console is when no --web-root is given: the first of
//   <executable's dir>/../share/bulwark/web   (an installed bulwark)
//   <executable's dir>/../../web/dist         (build/bin/bulwark inside a checkout)
//   <source_dir>/web/dist                     (the checkout this binary was built from)
// that holds an index.html; empty when none does.
std::filesystem::path FindConsoleRoot(const std::filesystem::path& executable,
                                      const std::filesystem::path& source_dir);

// The console for `bulwark serve`: from `web_root` when given (an error when unusable, so a
// typo is noticed), else from FindConsoleRoot for this process; when none is found, a
// ConsoleFiles::Missing, logged as a warning, so the API still serves.
StatusOr<std::shared_ptr<const ConsoleFiles>> LoadConsole(const std::string& web_root);

// Makes `files` the router's fallback for GET and HEAD.
void ServeConsole(Router& router, std::shared_ptr<const ConsoleFiles> files);

}  // namespace bulwark::api
