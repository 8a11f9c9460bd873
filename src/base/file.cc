#include "base/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace bulwark {

StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_bytes) {
  FILE* f = stdin;
  if (path != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return Status(StatusCode::kInvalidArgument, path + " is a directory, not a file");
    }
    f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      int err = errno;
      return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kInvalidArgument,
                    "cannot read " + path + ": " + std::strerror(err));
    }
  }
  std::string data;
  char buffer[1 << 16];
  size_t n;
  bool too_large = false;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    if (data.size() + n > max_bytes) {
      too_large = true;
      break;
    }
    data.append(buffer, n);
  }
  bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (too_large) {
    return Status(StatusCode::kResourceExhausted, path + " is larger than the " +
                                                      std::to_string(max_bytes >> 20) +
                                                      " MiB this command reads");
  }
  if (failed) return Status(StatusCode::kInvalidArgument, "cannot read " + path);
  return data;
}

}  // namespace bulwark
