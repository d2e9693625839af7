// The broker's event log: one line per event on stderr, "klog-serve: <level>:
// <message>", written with a single write(2) so lines from one process never
// interleave. Lines below the configured level are dropped.
//
// Repeats are collapsed (RepeatFilter): a line identical to one printed less
// than kLogRepeatWindowMs ago is counted instead of printed, and
// FlushLogRepeats() (the Server's sweep timer, and the end of Run) reports the
// count once that window has passed, as "<message> (repeated N more times in
// T s)". A client retrying a request that fails the same way therefore
// costs a line per window, not one per retry.
//
// The level and prefix are set once at start-up, before any other thread
// runs; Log() may then be called from any thread (the thread pool's jobs
// report through it too): the repeat table is guarded by a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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

constexpr int64_t kLogRepeatWindowMs = 10000;

// Prints the repeat counts of lines whose window has passed (all of them
// when `all`, at shutdown).
void FlushLogRepeats(bool all = false);

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

}  // namespace klog::broker
