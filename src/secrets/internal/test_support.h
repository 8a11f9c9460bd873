// Test-only helpers shared by the secrets engine's tests: status assertions
// (testing/status_assertions.h), and reading a file's raw bytes to search them for plaintext.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/status.h"
#include "testing/status_assertions.h"

namespace bulwark::secrets::testing {

// The whole file's bytes; "" when it does not exist.
inline std::string ReadRawFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace bulwark::secrets::testing
