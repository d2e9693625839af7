#include "cli/progress.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace klog::cli {
namespace {

constexpr double kRedrawSeconds = 0.5;

double MonotonicSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void WriteAll(const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(2, s.data() + done, s.size() - done);
    if (n <= 0) return;  // stderr gone: progress is not worth an error
    done += size_t(n);
  }
}

}  // namespace

ProgressLine::ProgressLine(bool wanted)
    : enabled_(wanted && isatty(2) == 1), start_(MonotonicSeconds()) {}

bool ProgressLine::Due(bool final) {
  if (!enabled_) return false;
  double now = MonotonicSeconds();
  if (!final && last_ >= 0 && now - last_ < kRedrawSeconds) return false;
  last_ = now;
  return true;
}

void ProgressLine::Draw(std::string_view text, bool final) {
  // "\033[K" clears what a longer previous line left to the right.
  WriteAll("\r" + std::string(text) + "\033[K" + (final ? "\n" : ""));
  pending_ = !final;
}

void ProgressLine::Break() {
  if (!pending_) return;
  WriteAll("\n");
  pending_ = false;
}

double ProgressLine::seconds() const { return MonotonicSeconds() - start_; }

std::string RecordRateText(int64_t records, double bytes, double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%lld records, %.1f MB/s", static_cast<long long>(records),
                bytes / std::max(seconds, 1e-6) / 1e6);
  return text;
}

}  // namespace klog::cli
