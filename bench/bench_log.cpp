// Append rate and lookup cost at a given log size, to show neither grows with
// the log beyond the index's log n. Appends pre-built 1 MiB batches of 100-byte
// records (timestamps increasing per batch) into DIR until the log holds
// SIZE_MB, timing the last 1 GiB; then times random offset and timestamp
// lookups (Seek + reading the first batch).
// Usage: bench_log DIR SIZE_MB
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/log.h"
#include "klog/record.h"

namespace {

using Clock = std::chrono::steady_clock;

// User and system CPU seconds of this process so far.
struct Cpu {
  double user, sys;
};
Cpu CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return {u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6,
          u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6};
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Rewrites the batch's timestamps and its CRC, so each batch has its own time.
void SetBatchTime(std::span<uint8_t> batch, int64_t ts) {
  klog::PutBE64(batch.data() + klog::batch::kBaseTimestampPos, ts);
  klog::PutBE64(batch.data() + klog::batch::kMaxTimestampPos, ts);
  uint32_t crc =
      klog::Crc32c(batch.data() + klog::batch::kCrcStart, batch.size() - klog::batch::kCrcStart);
  klog::PutBE32(batch.data() + klog::batch::kCrcPos, crc);
}

void PrintPercentiles(const char* what, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double u : us) sum += u;
  std::printf("  %-22s mean %8.1f us  p50 %8.1f us  p99 %8.1f us  (%zu lookups)\n", what,
              sum / us.size(), us[us.size() / 2], us[us.size() * 99 / 100], us.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_log DIR SIZE_MB\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t target = std::strtoll(argv[2], nullptr, 10) << 20;
  const int64_t t0 = 1700000000000;

  klog::BatchBuilder builder;
  builder.Reset(t0);
  std::string value(100, 'v');
  while (builder.size_estimate() + 120 < (1u << 20)) builder.Add(std::nullopt, value);
  const int per_batch = builder.count();
  auto built = builder.Finish();
  if (!built.ok()) return 1;
  std::vector<uint8_t> batch(built->begin(), built->end());

  klog::LogOptions opts;
  opts.owner = "bench_log";
  auto writer = klog::LogWriter::Open(dir, opts);
  if (!writer.ok()) {
    std::fprintf(stderr, "bench_log: %s\n", writer.status().ToString().c_str());
    return 1;
  }
  int64_t written = 0, batches = 0;
  const int64_t window = std::min<int64_t>(target, int64_t(1) << 30);
  Clock::time_point window_start = Clock::now();
  Cpu window_cpu = CpuSeconds();
  int64_t window_batches = 0;
  while (written < target) {
    if (written >= target - window && window_batches == 0) {
      window_start = Clock::now();
      window_cpu = CpuSeconds();
    }
    SetBatchTime(batch, t0 + batches);
    auto r = (*writer)->Append(batch);
    if (!r.ok()) {
      std::fprintf(stderr, "bench_log: %s\n", r.status().ToString().c_str());
      return 1;
    }
    written += batch.size();
    ++batches;
    if (written > target - window) ++window_batches;
  }
  const double secs = Seconds(window_start, Clock::now());
  const Cpu end_cpu = CpuSeconds();
  const double gb = window_batches * double(batch.size()) / 1e9;
  const int64_t end_offset = (*writer)->next_offset();
  (void)(*writer)->Close();
  std::printf("log of %.1f GB (%lld records):\n", written / 1e9, (long long)end_offset);
  std::printf("  append (last %.1f GB)     %8.2f M msg/s  %8.1f MB/s\n",
              window_batches * double(batch.size()) / 1e9,
              window_batches * double(per_batch) / secs / 1e6,
              window_batches * double(batch.size()) / secs / 1e6);
  // Wall time includes waiting for the disk once dirty pages pile up, and
  // system time includes the kernel reclaiming page cache once the log
  // outgrows memory; user time is what klog itself costs per GB.
  std::printf("  append CPU per GB         %8.3f s user  %8.3f s system\n",
              (end_cpu.user - window_cpu.user) / gb, (end_cpu.sys - window_cpu.sys) / gb);

  auto reader = klog::LogReader::Open(dir);
  if (!reader.ok()) return 1;
  std::mt19937_64 rng(42);
  std::vector<double> offset_us, time_us;
  for (int i = 0; i < 2000; ++i) {
    int64_t off = rng() % end_offset;
    auto a = Clock::now();
    if (!(*reader)->Seek(off).ok()) return 1;
    auto next = (*reader)->Next(1);
    if (!next.ok() || next->empty()) return 1;
    offset_us.push_back(Seconds(a, Clock::now()) * 1e6);
  }
  for (int i = 0; i < 2000; ++i) {
    int64_t ts = t0 + int64_t(rng() % batches);
    auto a = Clock::now();
    auto off = (*reader)->OffsetForTimestamp(ts);
    if (!off.ok()) return 1;
    time_us.push_back(Seconds(a, Clock::now()) * 1e6);
  }
  PrintPercentiles("offset lookup+read", offset_us);
  PrintPercentiles("timestamp lookup", time_us);
  return 0;
}
