// Test assertions on Status and StatusOr, printing the status when they fail:
//
//   ASSERT_OK(db->Transact(...));
//   EXPECT_OK(queue.Retry(id));
//   ASSERT_OK_AND_ASSIGN(Job job, queue.Get(id));
//
// and StatusCode printed by name in gtest's messages.
#pragma once

#include <gtest/gtest.h>

#include <ostream>

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

}  // namespace bulwark
