#include "broker/log.h"

#include <unistd.h>

namespace klog::broker {
namespace {

std::string g_prefix = "klog-serve";
LogLevel g_level = LogLevel::kInfo;

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "error") return LogLevel::kError;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "info") return LogLevel::kInfo;
  if (name == "debug") return LogLevel::kDebug;
  return Status::InvalidArgument("log level '" + std::string(name) +
                                 "': expected error, warn, info or debug");
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

void SetLogPrefix(std::string_view prefix) { g_prefix = std::string(prefix); }
void SetLogLevel(LogLevel level) { g_level = level; }
bool LogEnabled(LogLevel level) { return level <= g_level; }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string line;
  line.reserve(g_prefix.size() + message.size() + 12);
  line.append(g_prefix).append(": ").append(LogLevelName(level)).append(": ");
  line.append(message).push_back('\n');
  const char* p = line.data();
  size_t n = line.size();
  while (n > 0) {
    ssize_t w = ::write(2, p, n);
    if (w <= 0) return;  // stderr is gone; nothing sensible to do
    p += w;
    n -= size_t(w);
  }
}

}  // namespace klog::broker
