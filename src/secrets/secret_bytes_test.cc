#include "secrets/secret_bytes.h"

#include <gtest/gtest.h>

#include <utility>

#include "secrets/internal/test_support.h"

namespace bulwark::secrets {
namespace {

TEST(SecretBytesTest, HoldsACopyAndLendsIt) {
  std::string source("api\0key", 7);
  ASSERT_OK_AND_ASSIGN(SecretBytes secret, SecretBytes::CopyOf(source));
  source.assign(7, 'x');
  EXPECT_EQ(secret.size(), 7u);
  EXPECT_EQ(secret.view(), std::string_view("api\0key", 7));
  EXPECT_EQ(secret.span().size(), 7u);
  EXPECT_EQ(secret.CopyToString(), std::string("api\0key", 7));
  EXPECT_TRUE(secret.Equals(std::string_view("api\0key", 7)));
  EXPECT_FALSE(secret.Equals("api"));
  EXPECT_FALSE(secret.Equals(std::string_view("api\0kez", 7)));
}

TEST(SecretBytesTest, EmptyValuesAreValid) {
  SecretBytes none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.view(), "");
  ASSERT_OK_AND_ASSIGN(SecretBytes empty, SecretBytes::CopyOf(""));
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.Equals(""));
  ASSERT_OK_AND_ASSIGN(SecretBytes allocated, SecretBytes::Allocate(0));
  EXPECT_EQ(allocated.size(), 0u);
}

TEST(SecretBytesTest, MovingTransfersTheOneAllocation) {
  ASSERT_OK_AND_ASSIGN(SecretBytes a, SecretBytes::CopyOf("first"));
  const uint8_t* memory = a.data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), memory);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  ASSERT_OK_AND_ASSIGN(SecretBytes c, SecretBytes::CopyOf("second"));
  c = std::move(b);
  EXPECT_EQ(c.view(), "first");
}

TEST(SecretBytesTest, TruncateWipesTheTail) {
  ASSERT_OK_AND_ASSIGN(SecretBytes secret, SecretBytes::CopyOf("keep-drop"));
  uint8_t* memory = secret.data();
  secret.Truncate(4);
  EXPECT_EQ(secret.view(), "keep");
  for (int i = 4; i < 9; ++i) EXPECT_EQ(memory[i], 0) << i;
}

}  // namespace
}  // namespace bulwark::secrets
