#include "api/console_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace bulwark::api {
namespace {

namespace fs = std::filesystem;

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class ConsoleFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string id = std::to_string(getpid());
    root_ = fs::temp_directory_path() / ("console_files_test_" + id);
    outside_ = fs::temp_directory_path() / ("console_files_test_outside_" + id);
    fs::remove_all(root_);
    fs::create_directories(root_ / "assets");
    Write("index.html", "<!doctype html><title>console</title>");
    Write("favicon.svg", "<svg/>");
    Write("assets/index-Ab12.js", "console.log(1)");
    Write("assets/index-Cd34.css", "body{}");
    Write(".hidden", "secret");
    // Outside the root, and a link to it from inside: neither may be served.
    fs::create_directories(outside_);
    std::ofstream(outside_ / "passwd") << "root:x:0:0";
    fs::create_symlink(outside_ / "passwd", root_ / "assets" / "link.js");
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove_all(outside_);
  }
  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(root_ / relative, std::ios::binary) << text;
  }
  HttpResponse Get(const std::string& path,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.headers = std::move(headers);
    return files_->Serve(request);
  }
  void Load() {
    StatusOr<ConsoleFiles> files = ConsoleFiles::Load(root_);
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    files_ = std::make_unique<ConsoleFiles>(std::move(*files));
  }

  fs::path root_;
  fs::path outside_;
  std::unique_ptr<ConsoleFiles> files_;
};

TEST_F(ConsoleFilesTest, ServesIndexWithStrictPolicyAndRevalidation) {
  Load();
  EXPECT_EQ(files_->file_count(), 4u);  // no dot-file, no symbolic link
  HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<!doctype html><title>console</title>");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-cache");
  std::string csp = HeaderOf(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(HeaderOf(r, "X-Frame-Options"), "DENY");

  std::string etag = HeaderOf(r, "ETag");
  ASSERT_FALSE(etag.empty());
  HttpResponse again = Get("/index.html", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(ConsoleFilesTest, HashedAssetsAreImmutableWithTheirContentTypes) {
  Load();
  HttpResponse js = Get("/assets/index-Ab12.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/assets/index-Cd34.css").content_type, "text/css; charset=utf-8");
  HttpResponse icon = Get("/favicon.svg");
  EXPECT_EQ(icon.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(icon, "Cache-Control"), "no-cache");
}

TEST_F(ConsoleFilesTest, ClientRoutesGetIndexAndMissingFilesDoNot) {
  Load();
  for (const char* route : {"/organizations", "/organizations/org_1/users", "/ledger/"}) {
    HttpResponse r = Get(route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << route;
  }
  EXPECT_EQ(Get("/assets/index-Old1.js").status, 404);
  EXPECT_EQ(Get("/assets/chunk").status, 404);
  EXPECT_EQ(Get("/robots.txt").status, 404);
}

TEST_F(ConsoleFilesTest, ApiPathsKeepTheJsonNotFound) {
  Load();
  for (const char* path : {"/api", "/api/v1/nothing", "/gateway/v1/x"}) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
    EXPECT_NE(r.body.find("\"not_found\""), std::string::npos) << path;
  }
  EXPECT_EQ(Get("/apis").status, 200);  // a console route, not the API
}

TEST_F(ConsoleFilesTest, NothingOutsideTheFolderIsServed) {
  Load();
  std::string escape = "/../" + outside_.filename().string() + "/passwd";
  for (const std::string& path :
       {escape, std::string("/assets/../index.html"), std::string("/assets/link.js"),
        std::string("/.hidden"), std::string("/./index.html"), std::string("/assets\\x.js")}) {
    HttpResponse r = Get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("root:x"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << path;
  }
}

TEST_F(ConsoleFilesTest, LoadRefusesAFolderWithoutIndex) {
  fs::remove(root_ / "index.html");
  StatusOr<ConsoleFiles> files = ConsoleFiles::Load(root_);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.status().message().find("index.html"), std::string::npos);
  EXPECT_FALSE(ConsoleFiles::Load(root_ / "nowhere").ok());
}

TEST_F(ConsoleFilesTest, MissingConsoleSaysHowToBuildIt) {
  files_ = std::make_unique<ConsoleFiles>(ConsoleFiles::Missing("not built"));
  HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("make build"), std::string::npos);
  EXPECT_EQ(Get("/api/v1/x").content_type, "application/json");
}

TEST_F(ConsoleFilesTest, FindsTheBuiltConsoleBesideTheBinaryOrInTheSourceTree) {
  // <checkout>/build/bin/bulwark finds <checkout>/web/dist.
  fs::path checkout = root_ / "checkout";
  fs::create_directories(checkout / "build" / "bin");
  fs::create_directories(checkout / "web" / "dist");
  std::ofstream(checkout / "web" / "dist" / "index.html") << "x";
  EXPECT_EQ(FindConsoleRoot(checkout / "build" / "bin" / "bulwark", ""),
            (checkout / "web" / "dist").lexically_normal());
  // An installed binary: <prefix>/bin/bulwark finds <prefix>/share/bulwark/web first.
  fs::path prefix = root_ / "prefix";
  fs::create_directories(prefix / "bin");
  fs::create_directories(prefix / "share" / "bulwark" / "web");
  std::ofstream(prefix / "share" / "bulwark" / "web" / "index.html") << "x";
  EXPECT_EQ(FindConsoleRoot(prefix / "bin" / "bulwark", checkout),
            (prefix / "share" / "bulwark" / "web").lexically_normal());
  // Elsewhere, the source tree it was built from.
  EXPECT_EQ(FindConsoleRoot(root_ / "elsewhere" / "bulwark", checkout),
            (checkout / "web" / "dist").lexically_normal());
  EXPECT_TRUE(FindConsoleRoot(root_ / "elsewhere" / "bulwark", root_ / "none").empty());
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("assets/a.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("assets.d/LICENSE"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("a.JS"), "application/octet-stream");
}

}  // namespace
}  // namespace bulwark::api
