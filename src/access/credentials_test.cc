#include "access/credentials.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace bulwark::access {
namespace {

TEST(Secrets, HavePrefixAndShapeAndDistinctHashes) {
  std::string a = NewSecret(kApiTokenPrefix);
  std::string b = NewSecret(kApiTokenPrefix);
  EXPECT_EQ(a.size(), 4u + 52u);
  EXPECT_TRUE(HasSecretShape(a, kApiTokenPrefix));
  EXPECT_FALSE(HasSecretShape(a, kSessionPrefix));
  EXPECT_FALSE(HasSecretShape(a.substr(0, a.size() - 1), kApiTokenPrefix));
  EXPECT_FALSE(HasSecretShape("bwk_" + std::string(52, 'U'), kApiTokenPrefix));
  EXPECT_NE(a, b);
  EXPECT_EQ(HashSecret(a).size(), 32u);
  EXPECT_EQ(HashSecret(a), HashSecret(a));
  EXPECT_NE(HashSecret(a), HashSecret(b));
  EXPECT_TRUE(ConstantTimeEquals(HashSecret(a), HashSecret(a)));
  EXPECT_FALSE(ConstantTimeEquals(HashSecret(a), HashSecret(b)));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
}

TEST(Passwords, HashAndVerifyWithArgon2id) {
  PasswordHasher hasher(PasswordHasher::Cost::kMinimal, 2, Seconds(5));
  StatusOr<std::string> hash = hasher.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(*hasher.Verify(*hash, "correct horse battery"));
  EXPECT_FALSE(*hasher.Verify(*hash, "correct horse batterY"));
  EXPECT_FALSE(*hasher.Verify("not a hash", "x"));
  EXPECT_FALSE(*hasher.Verify(std::string(1000, '$'), "x"));
}

TEST(Passwords, LengthRules) {
  EXPECT_FALSE(ValidateNewPassword("short").ok());
  EXPECT_TRUE(ValidateNewPassword("twelve chars").ok());
  EXPECT_FALSE(ValidateNewPassword(std::string(1025, 'x')).ok());
}

TEST(Passwords, ConcurrencyIsBoundedAndOverflowIsRefused) {
  // One slot, no waiting: while one hash runs, others are refused rather than queued.
  PasswordHasher hasher(PasswordHasher::Cost::kInteractive, 1, Duration(0));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, refused{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      StatusOr<std::string> h = hasher.Hash("a password long enough");
      if (h.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(h.status().code(), StatusCode::kResourceExhausted);
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_EQ(ok + refused, 4);
}

}  // namespace
}  // namespace bulwark::access
