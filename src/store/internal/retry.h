// Retrying a whole transaction after a transient conflict.
//
// Both backends run Database::Transact as a loop of attempts. An attempt reports its status
// and whether the failure was transient (SQLite busy or locked, PostgreSQL serialization
// failure or deadlock, a pooled connection found dead before the function ran). Transient
// failures are retried after a jittered exponential backoff, up to kMaxTransactionAttempts;
// the last transient failure is returned as kAborted.
//
// Thread-safety: RunWithRetries is safe from any thread (the jitter source is thread-local).
//
// Example:
//   return RunWithRetries([&]() -> AttemptResult { return AttemptOnce(mode, fn); });
#pragma once

#include <functional>

#include "base/status.h"

namespace bulwark::store::internal {

inline constexpr int kMaxTransactionAttempts = 30;

struct AttemptResult {
  Status status;
  bool transient = false;  // Retrying the whole attempt may succeed.
};

// Runs `attempt` until it succeeds, fails for good, or kMaxTransactionAttempts have run.
Status RunWithRetries(const std::function<AttemptResult()>& attempt);

}  // namespace bulwark::store::internal
