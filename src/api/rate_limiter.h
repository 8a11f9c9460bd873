// TokenBucketLimiter: per-key rate limiting (per client address, per account) for the API.
//
// Each key has a bucket holding up to `burst` tokens that refills continuously at
// `rate_per_second`; a request takes one token. A key seen for the first time starts with a full
// bucket. A bucket that has refilled to full behaves exactly like a missing one, so such buckets
// are evicted from time to time: memory stays proportional to the keys active within the last
// burst / rate seconds, however many distinct keys pass by.
//
// Time comes from the injected Clock, so tests drive it with a FakeClock and never sleep.
//
// Thread-safety: Acquire() is safe from any thread; keys are spread over sharded mutexes.
//
// Example:
//   TokenBucketLimiter login_limiter(/*rate_per_second=*/0.5, /*burst=*/5, clock);
//   if (std::optional<Duration> wait = login_limiter.Acquire(request.remote_address)) {
//     int64_t seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
//     HttpResponse r = ErrorResponse(ResourceExhaustedError("too many login attempts"));
//     r.headers.emplace_back("Retry-After", std::to_string(seconds));
//     return r;
//   }
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace bulwark::api {

class TokenBucketLimiter {
 public:
  // REQUIRES: rate_per_second > 0, burst >= 1; `clock` outlives the limiter.
  TokenBucketLimiter(double rate_per_second, double burst, const Clock& clock);
  TokenBucketLimiter(const TokenBucketLimiter&) = delete;
  TokenBucketLimiter& operator=(const TokenBucketLimiter&) = delete;

  // Takes a token for `key`. Returns nullopt when the request may proceed, or else how long
  // until a token will be available (always > 0); a refused request takes nothing.
  std::optional<Duration> Acquire(std::string_view key);

  // Number of buckets currently held, across all shards.
  size_t SizeForTest() const;

 private:
  static constexpr size_t kShards = 16;
  // A shard sweeps out full buckets when it grows past this many, or twice its size after the
  // previous sweep, whichever is larger; the sweep cost is amortized over the insertions.
  static constexpr size_t kMinSweepSize = 64;

  struct Bucket {
    double tokens = 0;
    Time updated;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;  // GUARDED_BY(mu)
    size_t sweep_at = kMinSweepSize;                  // GUARDED_BY(mu)
  };

  // Tokens in `bucket` at `now` (refilled, capped at burst_).
  double TokensAt(const Bucket& bucket, Time now) const;
  void Sweep(Shard& shard, Time now);  // REQUIRES: shard.mu held

  const double rate_per_second_;
  const double burst_;
  const Clock& clock_;
  std::array<Shard, kShards> shards_;
};

}  // namespace bulwark::api
