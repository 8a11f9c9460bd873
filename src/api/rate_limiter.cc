#include "api/rate_limiter.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>

namespace bulwark::api {

TokenBucketLimiter::TokenBucketLimiter(double rate_per_second, double burst, const Clock& clock)
    : rate_per_second_(rate_per_second), burst_(burst), clock_(clock) {
  assert(rate_per_second > 0);
  assert(burst >= 1);
}

double TokenBucketLimiter::TokensAt(const Bucket& bucket, Time now) const {
  // A clock stepping backwards refills nothing rather than draining the bucket.
  Duration elapsed = std::max(now - bucket.updated, Duration(0));
  double refill = std::chrono::duration<double>(elapsed).count() * rate_per_second_;
  return std::min(burst_, bucket.tokens + refill);
}

std::optional<Duration> TokenBucketLimiter::Acquire(std::string_view key) {
  Time now = clock_.Now();
  Shard& shard = shards_[std::hash<std::string_view>()(key) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= shard.sweep_at) Sweep(shard, now);
    shard.buckets.emplace(std::string(key), Bucket{burst_ - 1, now});
    return std::nullopt;
  }
  Bucket& bucket = it->second;
  double tokens = TokensAt(bucket, now);
  bucket.tokens = tokens;
  bucket.updated = std::max(bucket.updated, now);
  if (tokens >= 1) {
    bucket.tokens = tokens - 1;
    return std::nullopt;
  }
  double seconds = (1 - tokens) / rate_per_second_;
  auto wait = Duration(static_cast<int64_t>(std::ceil(seconds * 1e6)));
  return std::max(wait, Duration(1));
}

void TokenBucketLimiter::Sweep(Shard& shard, Time now) {
  std::erase_if(shard.buckets,
                [&](const auto& entry) { return TokensAt(entry.second, now) >= burst_; });
  shard.sweep_at = std::max(kMinSweepSize, 2 * shard.buckets.size());
}

size_t TokenBucketLimiter::SizeForTest() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    total += shard.buckets.size();
  }
  return total;
}

}  // namespace bulwark::api
