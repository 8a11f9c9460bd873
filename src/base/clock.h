// Clock: where every Bulwark component gets the time.
//
// Deadlines, access windows, token expiry and rate limits all read an injected Clock, so tests
// drive them with a FakeClock instead of sleeping. Time is UTC with microsecond resolution;
// persisted as int64 microseconds since the Unix epoch, shown on the wire as RFC 3339.
//
// Thread-safety: SystemClock is stateless; FakeClock is safe to read and advance from any thread.
//
// Example:
//   FakeClock clock(ParseRfc3339("2026-07-01T00:00:00Z").value());
//   service.OpenWindow(clock.Now(), Days(30));
//   clock.Advance(Days(31));
//   EXPECT_FALSE(window.IsOpen(clock.Now()));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace bulwark {

using Time = std::chrono::sys_time<std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

constexpr Duration Seconds(int64_t n) { return std::chrono::seconds(n); }
constexpr Duration Minutes(int64_t n) { return std::chrono::minutes(n); }
constexpr Duration Hours(int64_t n) { return std::chrono::hours(n); }
constexpr Duration Days(int64_t n) { return std::chrono::hours(24 * n); }

// Microseconds since the Unix epoch, the persisted form.
inline int64_t ToUnixMicros(Time t) { return t.time_since_epoch().count(); }
inline Time FromUnixMicros(int64_t us) { return Time(Duration(us)); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  Time Now() const override;
  // A process-wide instance.
  static SystemClock& Get();
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Time start) : now_us_(ToUnixMicros(start)) {}
  Time Now() const override { return FromUnixMicros(now_us_.load()); }
  void Advance(Duration d) { now_us_ += d.count(); }
  void Set(Time t) { now_us_ = ToUnixMicros(t); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace bulwark
