#include "broker/diagnostics.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

namespace klog::broker {
namespace {

std::string g_prefix = "klog-serve";
LogLevel g_level = LogLevel::kInfo;

// The repeat table of every Log() call, and the lock that serialises them.
struct Repeats {
  std::mutex mu;
  RepeatFilter filter{kLogRepeatWindowMs};
};
Repeats& TheRepeats() {
  static Repeats r;
  return r;
}

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void WriteLine(const std::string& line) {
  const char* p = line.data();
  size_t n = line.size();
  while (n > 0) {
    ssize_t w = ::write(2, p, n);
    if (w <= 0) return;  // stderr is gone; nothing sensible to do
    p += w;
    n -= size_t(w);
  }
}

// "<line> (repeated N more times in T s)\n" for a collapsed line.
void WriteRepeats(const std::string& line, uint64_t repeats, int64_t span_ms) {
  std::string out = line;
  out.append(" (repeated ").append(std::to_string(repeats)).append(" more time");
  if (repeats != 1) out.push_back('s');
  out.append(" in ").append(std::to_string((span_ms + 999) / 1000)).append(" s)\n");
  WriteLine(out);
}

}  // namespace

bool RepeatFilter::Admit(std::string_view line, int64_t now_ms, const Report& report) {
  for (Entry& e : entries_) {
    if (e.line != line) continue;
    if (now_ms - e.since_ms < window_ms_) {
      ++e.repeats;
      return false;
    }
    // The window passed before Expire() saw it: the count, this line
    // included, is reported now and a new window starts.
    bool pending = e.repeats > 0;
    if (pending) report(e.line, e.repeats + 1, now_ms - e.since_ms);
    e.repeats = 0;
    e.since_ms = now_ms;
    return !pending;
  }
  if (entries_.size() < max_lines_) entries_.push_back({std::string(line), now_ms, 0});
  return true;
}

void RepeatFilter::Expire(int64_t now_ms, bool all, const Report& report) {
  std::erase_if(entries_, [&](Entry& e) {
    if (!all && now_ms - e.since_ms < window_ms_) return false;
    if (e.repeats == 0) return true;
    report(e.line, e.repeats, now_ms - e.since_ms);
    e.repeats = 0;
    e.since_ms = now_ms;
    return all;
  });
}

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
  line.append(message);
  Repeats& r = TheRepeats();
  std::lock_guard lock(r.mu);
  if (!r.filter.Admit(line, NowMs(), WriteRepeats)) return;
  line.push_back('\n');
  WriteLine(line);
}

void FlushLogRepeats(bool all) {
  Repeats& r = TheRepeats();
  std::lock_guard lock(r.mu);
  r.filter.Expire(NowMs(), all, WriteRepeats);
}

}  // namespace klog::broker
