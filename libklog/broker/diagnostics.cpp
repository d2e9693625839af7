#include "broker/diagnostics.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace klog::broker {
namespace {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
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

Diagnostics::Diagnostics(std::string prefix, LogLevel level, Sink sink)
    : prefix_(std::move(prefix)), level_(level), sink_(std::move(sink)) {}

void Diagnostics::Write(std::string_view line) const {
  if (sink_) return sink_(line);
  const char* p = line.data();
  size_t n = line.size();
  while (n > 0) {
    ssize_t w = ::write(2, p, n);
    if (w <= 0) return;  // stderr is gone; nothing sensible to do
    p += w;
    n -= size_t(w);
  }
}

void Diagnostics::WriteRepeats(const std::string& line, uint64_t repeats, int64_t span_ms) const {
  std::string out = line;
  out.append(" (repeated ").append(std::to_string(repeats)).append(" more time");
  if (repeats != 1) out.push_back('s');
  out.append(" in ").append(std::to_string((span_ms + 999) / 1000)).append(" s)\n");
  Write(out);
}

void Diagnostics::Report(LogLevel level, std::string_view message) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(prefix_.size() + message.size() + 12);
  line.append(prefix_).append(": ").append(LogLevelName(level)).append(": ");
  line.append(message);
  auto report = [this](const std::string& l, uint64_t n, int64_t span) {
    WriteRepeats(l, n, span);
  };
  std::lock_guard lock(mu_);
  if (!repeats_.Admit(line, NowMs(), report)) return;
  line.push_back('\n');
  Write(line);
}

void Diagnostics::FlushRepeats(bool all) {
  auto report = [this](const std::string& l, uint64_t n, int64_t span) {
    WriteRepeats(l, n, span);
  };
  std::lock_guard lock(mu_);
  repeats_.Expire(NowMs(), all, report);
}

}  // namespace klog::broker
