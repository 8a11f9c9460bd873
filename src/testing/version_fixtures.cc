#include "testing/version_fixtures.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string_view>

namespace bulwark::testing {

std::string VersionFixturePath(const std::string& file) {
  return std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/versions/" + file;
}

std::vector<VersionFixtureLine> ReadVersionFixture(const std::string& path) {
  std::vector<VersionFixtureLine> lines;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos) continue;
    std::string_view body = std::string_view(line).substr(start);
    if (body.starts_with("#") || body.starts_with("//")) continue;
    std::istringstream fields{std::string(body)};
    std::string a, op, b, extra;
    if (!(fields >> a >> op >> b) || (fields >> extra) || op.size() != 1 ||
        std::string_view("<=>").find(op[0]) == std::string_view::npos) {
      ADD_FAILURE() << path << ":" << number << ": not \"A <op> B\": " << line;
      continue;
    }
    lines.push_back({number, line, a, op[0], b});
  }
  return lines;
}

}  // namespace bulwark::testing
