// Test-only helpers shared by the secrets engine's tests: status assertions, and reading a
// file's raw bytes to search them for plaintext.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "base/status.h"

#define ASSERT_OK(expr)                                                            \
  do {                                                                             \
    const ::bulwark::Status bw_test_status_ = ::bulwark::internal::AsStatus(expr); \
    ASSERT_TRUE(bw_test_status_.ok()) << bw_test_status_.ToString();               \
  } while (0)

#define EXPECT_OK(expr)                                                            \
  do {                                                                             \
    const ::bulwark::Status bw_test_status_ = ::bulwark::internal::AsStatus(expr); \
    EXPECT_TRUE(bw_test_status_.ok()) << bw_test_status_.ToString();               \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(BW_CONCAT(bw_test_statusor_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

namespace bulwark {

inline void PrintTo(StatusCode code, std::ostream* os) { *os << StatusCodeName(code); }

namespace secrets::testing {

// The whole file's bytes; "" when it does not exist.
inline std::string ReadRawFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace secrets::testing
}  // namespace bulwark
