#include "base/log.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/json.h"
#include "base/time_format.h"

namespace bulwark {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<std::FILE*> g_sink{nullptr};
std::mutex g_write_mutex;  // Serializes writes to the sink, so lines never interleave.

// The access-log queue, drained by one background thread.
class AccessLogQueue {
 public:
  static AccessLogQueue& Get() {
    static AccessLogQueue* queue = [] {
      auto* q = new AccessLogQueue();  // Lives until exit; flushed by atexit.
      std::atexit([] { Get().Flush(); });
      return q;
    }();
    return *queue;
  }

  void Push(std::string line) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ += line;
    pending_ += '\n';
    if (!flusher_.joinable()) flusher_ = std::thread([this] { Run(); });
    if (pending_.size() >= kFlushBytes) wake_.notify_one();
  }

  // Writes what is queued. REQUIRES: g_write_mutex not held by the caller.
  void Flush() {
    std::string batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(pending_);
    }
    if (batch.empty()) return;
    std::lock_guard<std::mutex> lock(g_write_mutex);
    std::FILE* sink = g_sink.load();
    if (sink == nullptr) sink = stderr;
    std::fwrite(batch.data(), 1, batch.size(), sink);
    std::fflush(sink);
  }

 private:
  static constexpr size_t kFlushBytes = 64 * 1024;

  [[noreturn]] void Run() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait_for(lock, std::chrono::milliseconds(100),
                       [this] { return pending_.size() >= kFlushBytes; });
      }
      Flush();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::string pending_;  // GUARDED_BY(mu_)
  std::thread flusher_;  // GUARDED_BY(mu_); detached at exit with the process
};

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
void SetLogSink(std::FILE* sink) { g_sink = sink; }

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (LevelName(l) == name) {
      *level = l;
      return true;
    }
  }
  return false;
}

void LogAccessLine(std::string json_object) { AccessLogQueue::Get().Push(std::move(json_object)); }

void LogJsonLine(const std::string& json_object) {
  AccessLogQueue::Get().Flush();  // Earlier access-log lines first.
  std::FILE* sink = g_sink.load();
  if (sink == nullptr) sink = stderr;
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fwrite(json_object.data(), 1, json_object.size(), sink);
  std::fputc('\n', sink);
  std::fflush(sink);
}

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load()) return;
  std::string line = "{\"time\":" + JsonQuote(FormatRfc3339(SystemClock::Get().Now())) +
                     ",\"level\":" + JsonQuote(LevelName(level)) + ",\"msg\":" + JsonQuote(message);
  for (const LogField& f : fields) line += "," + JsonQuote(f.first) + ":" + JsonQuote(f.second);
  line += "}";
  LogJsonLine(line);
}

}  // namespace bulwark
