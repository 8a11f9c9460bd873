// Structured logging: one JSON object a line on standard error.
//
//   Log(LogLevel::kInfo, "server listening", {{"address", "127.0.0.1:8443"}});
//   -> {"time":"2026-07-01T12:00:00.25Z","level":"info","msg":"server listening",
//       "address":"127.0.0.1:8443"}
//
// Thread-safety: safe from any thread; lines never interleave.
// Lines go to standard error unless SetLogSink chose another FILE.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace bulwark {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

using LogField = std::pair<std::string_view, std::string>;

void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning" or "error".
bool ParseLogLevel(std::string_view name, LogLevel* level);
// Where lines go; standard error by default. The FILE must outlive all logging.
void SetLogSink(std::FILE* sink);

void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

// Writes an already formed JSON object as one line, whatever the level.
void LogJsonLine(const std::string& json_object);

// Queues an already formed JSON object as one line of the access log. Lines are written in
// batches by a background thread at least every 100 ms (one write per batch instead of one per
// request), always before any line from Log or LogJsonLine, so the order is kept, and at exit.
void LogAccessLine(std::string json_object);

}  // namespace bulwark
