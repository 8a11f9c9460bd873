#include "base/log.h"

#include <atomic>
#include <mutex>

#include "base/json.h"
#include "base/time_format.h"

namespace bulwark {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<std::FILE*> g_sink{nullptr};
std::mutex g_write_mutex;  // Serializes whole lines.

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

void LogJsonLine(const std::string& json_object) {
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
