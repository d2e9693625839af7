// A progress line on stderr, redrawn in place ("\r") at most twice a
// second, and only when stderr is a terminal: progress never reaches a pipe
// or a log file. Used by the tools' --progress flags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace klog::cli {

class ProgressLine {
 public:
  // Shows nothing unless `wanted` and stderr is a TTY.
  explicit ProgressLine(bool wanted);
  bool enabled() const { return enabled_; }

  // Redraws the line with text() unless it was drawn less than half a second
  // ago (text() is then not called); `final` draws it regardless and ends it.
  template <class TextFn>
  void Show(TextFn&& text, bool final = false) {
    if (Due(final)) Draw(text(), final);
  }
  // Whether Show would draw now; Draw draws (Due must have said so).
  bool Due(bool final);
  void Draw(std::string_view text, bool final);
  // Ends a line being shown, so a diagnostic written next starts on a line
  // of its own.
  void Break();
  // Seconds since the line was created.
  double seconds() const;

 private:
  bool enabled_;
  bool pending_ = false;  // a line is drawn and not ended
  double start_;
  double last_ = -1;
};

// "N records, X.Y MB/s": the rate of `bytes` over `seconds`.
std::string RecordRateText(int64_t records, double bytes, double seconds);

// klog-append's --progress: records written and the input's rate.
class RecordProgress {
 public:
  explicit RecordProgress(bool wanted) : line_(wanted) {}
  void Update(int64_t records, size_t bytes_read, bool final) {
    line_.Show([&] { return RecordRateText(records, double(bytes_read), line_.seconds()); }, final);
  }

 private:
  ProgressLine line_;
};

}  // namespace klog::cli
