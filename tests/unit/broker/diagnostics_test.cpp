// Diagnostics: the broker's event log. Lines go to the sink an instance was
// made with, formatted "<prefix>: <level>: <message>\n", filtered by its
// level and collapsed by its own repeat table; instances share nothing.
#include "broker/diagnostics.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using klog::broker::Diagnostics;
using klog::broker::LogLevel;

namespace {

// Collects the lines a Diagnostics writes.
struct Sink {
  std::vector<std::string> lines;
  Diagnostics::Sink Callback() {
    return [this](std::string_view line) { lines.emplace_back(line); };
  }
};

// A repeat line without its "<N> s)\n" tail, which depends on the clock;
// the tail's shape is checked here.
std::string WithoutSpan(const std::string& line) {
  const std::string tail = " s)\n";
  REQUIRE(line.size() > tail.size());
  REQUIRE(line.compare(line.size() - tail.size(), tail.size(), tail) == 0);
  size_t space = line.rfind(' ', line.size() - tail.size() - 1);
  REQUIRE(space != std::string::npos);
  return line.substr(0, space);
}

}  // namespace

TEST_CASE("lines are prefixed, leveled and filtered by the instance's level") {
  Sink sink;
  Diagnostics d("klog-serve", LogLevel::kInfo, sink.Callback());
  d.Error("disk full");
  d.Warn("slow");
  d.Info("listening");
  d.Debug("not shown");
  d.Report(LogLevel::kWarn, "reported");
  CHECK(d.Enabled(LogLevel::kInfo));
  CHECK_FALSE(d.Enabled(LogLevel::kDebug));
  REQUIRE(sink.lines.size() == 4);
  CHECK(sink.lines[0] == "klog-serve: error: disk full\n");
  CHECK(sink.lines[1] == "klog-serve: warn: slow\n");
  CHECK(sink.lines[2] == "klog-serve: info: listening\n");
  CHECK(sink.lines[3] == "klog-serve: warn: reported\n");
}

TEST_CASE("repeats are collapsed and reported when flushed at shutdown") {
  Sink sink;
  Diagnostics d("klog-serve", LogLevel::kInfo, sink.Callback());
  for (int i = 0; i < 5; ++i) d.Warn("retrying");
  d.FlushRepeats();  // the window has not passed: nothing yet
  CHECK(sink.lines.size() == 1);
  d.FlushRepeats(true);
  REQUIRE(sink.lines.size() == 2);
  CHECK(sink.lines[0] == "klog-serve: warn: retrying\n");
  // The span is rounded up to whole seconds, so it reads 0 s or 1 s here.
  CHECK(WithoutSpan(sink.lines[1]) == "klog-serve: warn: retrying (repeated 4 more times in");
}

TEST_CASE("two instances with different prefixes and levels do not affect each other") {
  Sink a_sink, b_sink;
  Diagnostics a("alpha", LogLevel::kError, a_sink.Callback());
  Diagnostics b("beta", LogLevel::kDebug, b_sink.Callback());
  a.Warn("dropped by a");
  b.Debug("kept by b");
  a.Error("same");
  b.Error("same");  // b's repeat table has not seen it: printed
  a.Error("same");  // a's has: counted
  REQUIRE(a_sink.lines.size() == 1);
  CHECK(a_sink.lines[0] == "alpha: error: same\n");
  REQUIRE(b_sink.lines.size() == 2);
  CHECK(b_sink.lines[0] == "beta: debug: kept by b\n");
  CHECK(b_sink.lines[1] == "beta: error: same\n");
  b.FlushRepeats(true);
  CHECK(b_sink.lines.size() == 2);  // b had no repeats to report
  a.FlushRepeats(true);
  REQUIRE(a_sink.lines.size() == 2);
  CHECK(WithoutSpan(a_sink.lines[1]) == "alpha: error: same (repeated 1 more time in");
}
