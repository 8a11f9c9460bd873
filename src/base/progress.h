// Progress: a one-line progress bar for long command-line jobs (advisory imports, benchmark
// runs).
//
// The bar shows the label, count/total with a percentage, the rate and the time left:
//
//   import [##########--------------------]  1432/4291  33%  2150/s  ETA 1s
//
// It is drawn only when the stream is a terminal (isatty), so logs and pipes get nothing at
// all, and redrawn at most ten times a second however often Advance() is called. A total of 0
// means "unknown": the bar and the ETA are left out. The total may grow while work is under
// way (a job that discovers its inputs as it goes); a count past the total shows 100%.
//
// Thread-safety: Advance(), AddToTotal() and count() may be called from any thread (the count
// is atomic); drawing happens under mutex_, and a thread that finds another one drawing skips
// its own redraw rather than wait.
//
// Example:
//   Progress progress("import", files.size(), stderr, SystemClock::Get());
//   for (const auto& file : files) { Import(file); progress.Advance(); }
//   progress.Finish();
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "base/clock.h"

namespace bulwark {

class Progress {
 public:
  // `out` and `clock` must outlive the Progress.
  Progress(std::string label, int64_t total, FILE* out, const Clock& clock);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Advance(int64_t n = 1);
  void AddToTotal(int64_t n);
  int64_t count() const { return count_.load(std::memory_order_relaxed); }

  // Draws the final state and ends the line. Later calls, and Advance() after it, draw nothing.
  void Finish();

  // Makes the Progress draw as if `out` were a terminal, so tests can read what it writes.
  void PretendTerminalForTest() { terminal_ = true; }

 private:
  // The line for the current state, without the leading carriage return.
  std::string Line(Time now) const;
  // REQUIRES: mutex_ held.
  void Draw(Time now);

  const std::string label_;
  FILE* const out_;
  const Clock& clock_;
  const Time start_;
  bool terminal_;
  std::atomic<int64_t> total_;
  std::atomic<int64_t> count_{0};

  std::mutex mutex_;
  Time last_draw_;         // GUARDED_BY(mutex_)
  bool finished_ = false;  // GUARDED_BY(mutex_)
};

}  // namespace bulwark
