// Diagnostics: the broker's event log (not to be confused with the commit
// log): one line per event, "<prefix>: <level>: <message>", by default on
// stderr written with a single write(2) so lines from one process never
// interleave. Lines below the instance's level are dropped.
//
// Repeats are collapsed (RepeatFilter): a line identical to one printed less
// than kLogRepeatWindowMs ago is counted instead of printed, and
// FlushRepeats() (the Server's sweep timer, and the end of Run) reports the
// count once that window has passed, as "<message> (repeated N more times in
// T s)". A client retrying a request that fails the same way therefore
// costs a line per window, not one per retry.
//
// There is no global instance: klog-serve's main makes one and hands it by
// reference to the Broker, which every part of the broker reaches it
// through. The prefix, level and sink are fixed at construction; Report()
// and FlushRepeats() may then be called from any thread (the thread pool's
// jobs report through them too): the repeat table is guarded by a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"

namespace klog::broker {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// "error", "warn", "info", "debug"; InvalidArgument otherwise.
Result<LogLevel> ParseLogLevel(std::string_view name);
const char* LogLevelName(LogLevel level);

constexpr int64_t kLogRepeatWindowMs = 10000;

// Collapses identical lines (the whole line, level included). Admit() says
// whether a line is printed: the first of its kind is, identical ones less
// than `window_ms` after it are only counted (the first one after the window
// is counted too, when it finds a count that Expire() has not reported yet,
// and the count is reported at once). Expire() reports each count
// whose window has passed and opens a new window for that line (so a line
// repeated without end costs one report per window); a line whose window
// passed without repeats is forgotten. At most `max_lines` distinct lines are
// tracked; beyond that, new ones are printed without being tracked. Not
// thread-safe; times are milliseconds on any monotonic clock.
class RepeatFilter {
 public:
  using Report = std::function<void(const std::string& line, uint64_t repeats, int64_t span_ms)>;

  explicit RepeatFilter(int64_t window_ms, size_t max_lines = 64)
      : window_ms_(window_ms), max_lines_(max_lines) {}

  bool Admit(std::string_view line, int64_t now_ms, const Report& report);
  void Expire(int64_t now_ms, bool all, const Report& report);

 private:
  struct Entry {
    std::string line;
    int64_t since_ms = 0;  // start of the current window
    uint64_t repeats = 0;  // lines counted, not printed, in it
  };
  int64_t window_ms_;
  size_t max_lines_;
  std::vector<Entry> entries_;
};

// The event log of one broker (see the top of this file).
class Diagnostics {
 public:
  // Receives each finished line, its '\n' included; called with the repeat
  // table's lock held, so lines reach it one at a time.
  using Sink = std::function<void(std::string_view line)>;

  // Lines are "<prefix>: <level>: <message>"; those more verbose than
  // `level` are dropped. Without a sink they go to stderr (fd 2).
  explicit Diagnostics(std::string prefix = "klog-serve", LogLevel level = LogLevel::kInfo,
                       Sink sink = nullptr);
  Diagnostics(const Diagnostics&) = delete;
  Diagnostics& operator=(const Diagnostics&) = delete;

  LogLevel level() const { return level_; }
  // Whether a line at `level` would be printed (to skip building it).
  bool Enabled(LogLevel level) const { return level <= level_; }

  // Prints one line at `level` unless it is dropped or collapsed.
  void Report(LogLevel level, std::string_view message);
  void Error(std::string_view message) { Report(LogLevel::kError, message); }
  void Warn(std::string_view message) { Report(LogLevel::kWarn, message); }
  void Info(std::string_view message) { Report(LogLevel::kInfo, message); }
  void Debug(std::string_view message) { Report(LogLevel::kDebug, message); }

  // Prints the repeat counts of lines whose window has passed (all of them
  // when `all`, at shutdown).
  void FlushRepeats(bool all = false);

 private:
  void Write(std::string_view line) const;
  // "<line> (repeated N more times in T s)\n" for a collapsed line.
  void WriteRepeats(const std::string& line, uint64_t repeats, int64_t span_ms) const;

  const std::string prefix_;
  const LogLevel level_;
  const Sink sink_;
  std::mutex mu_;  // guards repeats_
  RepeatFilter repeats_{kLogRepeatWindowMs};
};

}  // namespace klog::broker
