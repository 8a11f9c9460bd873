#include "store/internal/retry.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>

namespace bulwark::store::internal {
namespace {

constexpr std::chrono::microseconds kFirstBackoff{500};
constexpr std::chrono::microseconds kMaxBackoff{50'000};

// Sleeps before retry number `retry` (1-based): the backoff doubles from kFirstBackoff up to
// kMaxBackoff, and each sleep is drawn uniformly from [backoff / 2, backoff * 3 / 2) so that
// colliding transactions spread out instead of colliding again.
void SleepBeforeRetry(int retry) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  const int64_t doubled = kFirstBackoff.count() << std::min(retry - 1, 16);
  const int64_t backoff = std::min<int64_t>(doubled, kMaxBackoff.count());
  std::uniform_int_distribution<int64_t> spread(backoff / 2, backoff * 3 / 2);
  std::this_thread::sleep_for(std::chrono::microseconds(spread(jitter)));
}

}  // namespace

Status RunWithRetries(const std::function<AttemptResult()>& attempt) {
  for (int n = 1;; ++n) {
    AttemptResult result = attempt();
    if (result.status.ok() || !result.transient) return result.status;
    if (n >= kMaxTransactionAttempts) {
      Status last = result.status.WithPrefix("gave up after " + std::to_string(n) +
                                             " attempts of a conflicting transaction");
      return Status(StatusCode::kAborted, last.message(), last.details());
    }
    SleepBeforeRetry(n);
  }
}

}  // namespace bulwark::store::internal
