// The broker's event log: one line per event on stderr, "klog-serve: <level>:
// <message>", written with a single write(2) so lines from one process never
// interleave. Lines below the configured level are dropped. Loop thread only
// (the level is a plain global).
#pragma once

#include <string>
#include <string_view>

#include "klog/status.h"

namespace klog::broker {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// "error", "warn", "info", "debug"; InvalidArgument otherwise.
Result<LogLevel> ParseLogLevel(std::string_view name);
const char* LogLevelName(LogLevel level);

// Sets the program name put in front of each line (default "klog-serve") and
// the most verbose level that is printed (default kInfo).
void SetLogPrefix(std::string_view prefix);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view message);
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }
inline void LogWarn(std::string_view m) { Log(LogLevel::kWarn, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }

}  // namespace klog::broker
