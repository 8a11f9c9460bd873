#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace bulwark::api {
namespace {

constexpr Duration kMillisecond = std::chrono::milliseconds(1);

class RateLimiterTest : public ::testing::Test {
 protected:
  FakeClock clock_{FromUnixMicros(1'800'000'000'000'000)};
};

TEST_F(RateLimiterTest, BurstThenRefused) {
  TokenBucketLimiter limiter(/*rate_per_second=*/1, /*burst=*/3, clock_);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  std::optional<Duration> wait = limiter.Acquire("k");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, Seconds(1));
}

TEST_F(RateLimiterTest, RetryAfterShrinksAsTimePasses) {
  TokenBucketLimiter limiter(/*rate_per_second=*/0.5, /*burst=*/1, clock_);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_EQ(limiter.Acquire("k"), Seconds(2));
  clock_.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(limiter.Acquire("k"), std::chrono::milliseconds(1500));
  clock_.Advance(std::chrono::milliseconds(1499));
  EXPECT_EQ(limiter.Acquire("k"), kMillisecond);
  clock_.Advance(kMillisecond);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_TRUE(limiter.Acquire("k").has_value());
}

TEST_F(RateLimiterTest, RefillIsCappedAtBurst) {
  TokenBucketLimiter limiter(/*rate_per_second=*/10, /*burst=*/2, clock_);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_TRUE(limiter.Acquire("k").has_value());
  clock_.Advance(Hours(1));
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  std::optional<Duration> wait = limiter.Acquire("k");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, std::chrono::milliseconds(100));
}

TEST_F(RateLimiterTest, RefusalTakesNothing) {
  TokenBucketLimiter limiter(/*rate_per_second=*/1, /*burst=*/1, clock_);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Acquire("k"), Seconds(1));
  clock_.Advance(Seconds(1));
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
}

TEST_F(RateLimiterTest, KeysAreIndependent) {
  TokenBucketLimiter limiter(/*rate_per_second=*/1, /*burst=*/1, clock_);
  EXPECT_EQ(limiter.Acquire("alice"), std::nullopt);
  EXPECT_TRUE(limiter.Acquire("alice").has_value());
  EXPECT_EQ(limiter.Acquire("bob"), std::nullopt);
  EXPECT_TRUE(limiter.Acquire("bob").has_value());
}

TEST_F(RateLimiterTest, ClockGoingBackwardsRefillsNothing) {
  TokenBucketLimiter limiter(/*rate_per_second=*/1, /*burst=*/1, clock_);
  EXPECT_EQ(limiter.Acquire("k"), std::nullopt);
  clock_.Advance(-Hours(1));
  EXPECT_EQ(limiter.Acquire("k"), Seconds(1));
}

TEST_F(RateLimiterTest, IdleFullBucketsAreEvicted) {
  TokenBucketLimiter limiter(/*rate_per_second=*/1, /*burst=*/5, clock_);
  for (int i = 0; i < 10'000; ++i) {
    EXPECT_EQ(limiter.Acquire("key" + std::to_string(i)), std::nullopt);
    clock_.Advance(Seconds(1));  // each bucket is full again 1 s later
  }
  // Only buckets that could not have refilled yet are kept, plus the unswept tail of each shard.
  EXPECT_LT(limiter.SizeForTest(), 16u * 64u + 16u);
  // An evicted key behaves like a fresh one (which it is, semantically).
  EXPECT_EQ(limiter.Acquire("key0"), std::nullopt);
}

TEST_F(RateLimiterTest, ActiveBucketsAreKept) {
  TokenBucketLimiter limiter(/*rate_per_second=*/1, /*burst=*/1, clock_);
  for (int i = 0; i < 5'000; ++i)
    EXPECT_EQ(limiter.Acquire("key" + std::to_string(i)), std::nullopt);
  EXPECT_EQ(limiter.SizeForTest(), 5'000u);
  for (int i = 0; i < 5'000; ++i) EXPECT_TRUE(limiter.Acquire("key" + std::to_string(i)));
}

}  // namespace
}  // namespace bulwark::api
