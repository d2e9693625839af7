// Compaction throughput: builds a partition of SIZE_MB of 100-byte records
// over KEYS distinct keys (uniformly random, so most records are superseded
// when KEYS is small against the record count), then times CompactLog over
// it and reports input MB/s, wall time, passes, the key map and peak RSS.
// Usage: bench_compact [DIR] [SIZE_MB=64] [KEYS=10000] [KEY_MAP_MB=128] [SEGMENT_MB=SIZE_MB/8]
// (the active segment, never cleaned, holds the last SEGMENT_MB at most).
// DIR defaults to a fresh directory under $TMPDIR (removed afterwards).
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "klog/cleaner.h"
#include "klog/log.h"
#include "klog/record.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

long PeakRssMb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// Appends ~1 MiB batches of keyed 100-byte records until the log holds `bytes`.
bool BuildLog(klog::LogWriter* w, int64_t bytes, int64_t keys, int64_t* records) {
  std::mt19937_64 rng(1);
  klog::BatchBuilder b;
  std::string value(100, 'v');
  std::string key;
  int64_t written = 0, ts = 1'700'000'000'000;
  while (written < bytes) {
    b.Reset(ts++);
    while (b.size_estimate() < (size_t(1) << 20)) {
      key = "key-" + std::to_string(rng() % uint64_t(keys));
      value[0] = char('a' + rng() % 26);
      b.Add(std::string_view(key), std::string_view(value));
      ++*records;
    }
    auto batch = b.Finish();
    if (!batch.ok() || !w->Append(*batch).ok()) return false;
    written += int64_t(batch->size());
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  bool temp = argc < 2 || std::string(argv[1]).empty();
  if (temp) {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/bench-compact-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl + "/t-0";
  } else {
    dir = argv[1];
  }
  int64_t size_mb = argc > 2 ? std::atoll(argv[2]) : 64;
  int64_t keys = argc > 3 ? std::atoll(argv[3]) : 10000;
  int64_t map_mb = argc > 4 ? std::atoll(argv[4]) : 128;
  int64_t segment_mb = argc > 5 ? std::atoll(argv[5]) : std::max<int64_t>(1, size_mb / 8);

  klog::LogOptions lo;
  lo.owner = "bench_compact";
  lo.segment_bytes = segment_mb << 20;
  auto w = klog::LogWriter::Open(dir, lo);
  if (!w.ok()) {
    std::fprintf(stderr, "bench_compact: %s\n", w.status().ToString().c_str());
    return 1;
  }
  int64_t records = 0;
  auto t0 = Clock::now();
  if (!BuildLog(w->get(), size_mb << 20, keys, &records)) {
    std::fprintf(stderr, "bench_compact: building the log failed\n");
    return 1;
  }
  (*w)->Flush();
  std::printf("built %lld MB, %lld records over %lld keys in %.2f s\n", (long long)size_mb,
              (long long)records, (long long)keys, Seconds(t0, Clock::now()));

  klog::CleanerOptions co;
  co.key_map_bytes = map_mb << 20;
  co.segment_bytes = segment_mb << 20;
  co.sync = false;
  klog::CleanResult res;
  auto t1 = Clock::now();
  klog::Status st = klog::CompactLog(w->get(), co, &res);
  double secs = Seconds(t1, Clock::now());
  if (!st.ok()) {
    std::fprintf(stderr, "bench_compact: %s\n", st.ToString().c_str());
    return 1;
  }
  double in_mb = double(res.bytes_read) / (1 << 20);
  std::printf(
      "compact: read %.1f MB in %.2f s = %.1f MB/s; passes %d; segments %d -> %d; "
      "records %lld -> %lld; written %.1f MB; key map %lld keys (%lld MB budget); "
      "peak RSS %ld MB\n",
      in_mb, secs, in_mb / secs, res.passes, res.segments_read, res.segments_written,
      (long long)res.records_read, (long long)res.records_kept,
      double(res.bytes_written) / (1 << 20), (long long)res.key_map_peak, (long long)map_mb,
      PeakRssMb());
  w->reset();
  if (temp) std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
  return 0;
}
