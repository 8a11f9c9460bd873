// TempDir: a fresh, empty directory for one test, removed with everything in it at the end.
//
// The directory is created with mkdtemp(3) under $TMPDIR (or /tmp) when the TempDir is
// constructed, and removed recursively by the destructor. If it cannot be created the process
// aborts with a message: this is a test helper, and no test can proceed without it.
//
// Thread-safety: path() may be read from any thread; construction and destruction belong to
// one thread.
//
// Example:
//   TempDir dir;
//   auto db = store::OpenDatabase("sqlite:" + dir.path() + "/bulwark.db");
#pragma once

#include <string>
#include <string_view>

namespace bulwark::testing {

class TempDir {
 public:
  // Creates $TMPDIR/<prefix>-XXXXXX.
  explicit TempDir(std::string_view prefix = "bulwark");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;

  // The absolute path of the directory, without a trailing slash.
  const std::string& path() const { return path_; }

 private:
  void Remove();

  std::string path_;
};

}  // namespace bulwark::testing
