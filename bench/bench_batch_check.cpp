// The cost of checking produce batches: the old append path (CRC-32C only)
// beside the new one (BatchChecker: CRC, header rules and every record,
// decompressed), with memcpy of the same bytes as the baseline, for batches
// like a producer sends: 100-byte JSON-like values without keys, ~16 KiB and
// ~1 MiB of records, uncompressed, lz4 and zstd. Prints ns per record and
// MB/s of batch bytes (as received); each figure is the best of 5 rounds of
// about 0.2 s, so a loaded machine shows less noise. No thresholds.
// Usage: bench_batch_check [CODEC] (only that codec: none, lz4 or zstd)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "klog/batch_check.h"
#include "klog/record.h"

namespace {

using Clock = std::chrono::steady_clock;

// A 100-byte value: fixed field names around varying digits and letters, so
// it compresses about as well as real event payloads (neither zeros nor noise).
std::string Value(uint64_t* x, int64_t i) {
  auto next = [x] {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
  };
  static const char kEvents[][8] = {"click", "view", "buy", "login", "logout", "search"};
  std::string v = "{\"id\":" + std::to_string(i) + ",\"user\":\"u" +
                  std::to_string(next() % 100000) + "\",\"event\":\"" + kEvents[next() % 6] +
                  "\",\"session\":\"";
  while (v.size() < 97) v.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[next() % 36]);
  v += "\"}";
  return v;
}

// Batches of about `target` uncompressed bytes of records.
std::vector<std::vector<uint8_t>> MakeBatches(size_t target, klog::Compression codec, int count,
                                              int* records_per_batch) {
  std::vector<std::vector<uint8_t>> out;
  uint64_t x = 0x9e3779b97f4a7c15ull;
  int64_t id = 0;
  klog::BatchBuilder b;
  for (int n = 0; n < count; ++n) {
    b.Reset(1700000000000 + n);
    while (b.size_estimate() < target) b.Add(std::nullopt, Value(&x, id++));
    *records_per_batch = b.count();
    auto bytes = b.Finish(codec);
    if (!bytes.ok()) {
      std::fprintf(stderr, "bench_batch_check: %s\n", bytes.status().ToString().c_str());
      std::exit(1);
    }
    out.emplace_back(bytes->begin(), bytes->end());
  }
  return out;
}

// Best time of `rounds` rounds, each running fn over every batch until about
// 0.2 s have passed; returns seconds per batch.
template <typename Fn>
double BestPerBatch(const std::vector<std::vector<uint8_t>>& batches, Fn fn) {
  double best = 1e30;
  for (int round = 0; round < 5; ++round) {
    size_t done = 0;
    Clock::time_point t0 = Clock::now();
    double secs = 0;
    do {
      for (const auto& batch : batches) fn(batch);
      done += batches.size();
      secs = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (secs < 0.2);
    best = std::min(best, secs / double(done));
  }
  return best;
}

void Row(const char* what, double per_batch, int records, size_t bytes, double base) {
  std::printf("    %-28s %8.1f ns/record %9.1f MB/s", what, per_batch * 1e9 / records,
              double(bytes) / per_batch / 1e6);
  if (base > 0) std::printf("   %5.2fx the CRC-only time", per_batch / base);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  struct Case {
    const char* size_name;
    size_t target;
  };
  const Case kSizes[] = {{"16 KiB", 16 << 10}, {"~1 MiB", 1000000}};
  const klog::Compression kCodecs[] = {klog::Compression::kNone, klog::Compression::kLz4,
                                       klog::Compression::kZstd};
  volatile uint64_t sink = 0;
  std::vector<uint8_t> dst(2 << 20);
  klog::BatchChecker checker;
  klog::BatchCheckOptions options;
  options.max_records_bytes = 1048588;  // the default max.message.bytes
  for (const Case& c : kSizes) {
    for (klog::Compression codec : kCodecs) {
      if (!only.empty() && only != klog::CompressionName(codec)) continue;
      int records = 0;
      auto batches = MakeBatches(c.target, codec, c.target > (64 << 10) ? 8 : 256, &records);
      size_t bytes = batches[0].size();
      std::printf("  %s batch, %s: %d records of 100 bytes, %zu bytes on the wire (%.1fx)\n",
                  c.size_name, std::string(klog::CompressionName(codec)).c_str(), records, bytes,
                  double(c.target) / double(bytes));
      double copy = BestPerBatch(batches, [&](const std::vector<uint8_t>& b) {
        std::memcpy(dst.data(), b.data(), b.size());
        sink = sink + dst[b.size() / 2];
      });
      double crc = BestPerBatch(
          batches, [&](const std::vector<uint8_t>& b) { sink = sink + klog::BatchCrcOk(b); });
      double full = BestPerBatch(batches, [&](const std::vector<uint8_t>& b) {
        klog::Status st = checker.Check(b, options);
        if (!st.ok()) {
          std::fprintf(stderr, "bench_batch_check: %s\n", st.ToString().c_str());
          std::exit(1);
        }
      });
      Row("memcpy (baseline)", copy, records, bytes, 0);
      Row("old: CRC-32C only", crc, records, bytes, 0);
      Row("new: BatchChecker::Check", full, records, bytes, crc);
    }
  }
  return sink == 42 ? 1 : 0;
}
