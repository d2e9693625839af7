// Helpers for the cleaner tests: a model of a keyed log (every record
// appended, and what compaction must leave of it), random appends, and
// reading a partition back record by record.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "klog/cleaner.h"
#include "klog/dump.h"
#include "klog/segment.h"
#include "storage_test_util.h"

namespace klog::test {

using OptStr = std::optional<std::string>;

struct ModelRec {
  int64_t offset = 0;
  int64_t timestamp = 0;
  OptStr key, value;
  std::vector<std::pair<std::string, OptStr>> headers;
  bool operator==(const ModelRec&) const = default;
};

inline std::string Describe(const ModelRec& r) {
  return "offset " + std::to_string(r.offset) + " ts " + std::to_string(r.timestamp) + " key " +
         r.key.value_or("<null>") + " value " + r.value.value_or("<null>") + " headers " +
         std::to_string(r.headers.size());
}

// Appends the records of `chunk` (whole batches, as LogReader::Next returns
// them) to `out`.
inline void AppendRecords(std::span<const uint8_t> chunk, std::vector<ModelRec>* out) {
  RecordIterator it;
  while (!chunk.empty()) {
    auto n = NextBatchSize(chunk);
    REQUIRE(n.ok());
    REQUIRE(it.Reset(chunk.first(*n)).ok());
    RecordView v;
    while (it.Next(&v)) {
      ModelRec m;
      m.offset = v.offset;
      m.timestamp = v.timestamp;
      if (v.key) m.key = std::string(*v.key);
      if (v.value) m.value = std::string(*v.value);
      for (const HeaderView& h : v.headers) {
        m.headers.emplace_back(std::string(h.key),
                               h.value ? OptStr(std::string(*h.value)) : std::nullopt);
      }
      out->push_back(std::move(m));
    }
    REQUIRE(it.status().ok());
    chunk = chunk.subspan(*n);
  }
}

// Every record of the partition in `dir`, read through a LogReader.
inline std::vector<ModelRec> ReadRecords(const std::string& dir, size_t max_bytes = 1 << 20) {
  std::vector<ModelRec> out;
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  for (;;) {
    auto chunk = (*r)->Next(max_bytes);
    REQUIRE_MESSAGE(chunk.ok(), chunk.status().ToString());
    if (chunk->empty()) return out;
    AppendRecords(*chunk, &out);
  }
}

// Appends random keyed batches (some keyless records and tombstones).
struct Model {
  std::vector<ModelRec> all;
  std::mt19937_64 rng;
  int64_t key_space;
  std::vector<Compression> codecs;
  int64_t ts = 1'700'000'000'000;
  double tombstone_share = 0.1;
  double keyless_share = 0.03;

  Model(uint64_t seed, int64_t keys, std::vector<Compression> c = {Compression::kNone})
      : rng(seed), key_space(keys), codecs(std::move(c)) {}

  std::string RandomText(size_t max_len) {
    std::string s(rng() % (max_len + 1), 'a');
    for (char& ch : s) ch = char('a' + rng() % 26);
    return s;
  }

  void AppendBatch(LogWriter* w, int max_records = 6) {
    BatchBuilder b;
    b.Reset(ts);
    int n = 1 + int(rng() % uint64_t(max_records));
    std::vector<ModelRec> recs;
    for (int i = 0; i < n; ++i) {
      ModelRec m;
      m.timestamp = ts + int64_t(rng() % 50);
      if (std::uniform_real_distribution<>(0, 1)(rng) >= keyless_share) {
        m.key = "key-" + std::to_string(rng() % uint64_t(key_space));
      }
      if (std::uniform_real_distribution<>(0, 1)(rng) >= tombstone_share) m.value = RandomText(40);
      for (int h = int(rng() % 3); h > 0; --h) {
        m.headers.emplace_back(RandomText(5), rng() % 4 ? OptStr(RandomText(8)) : std::nullopt);
      }
      std::vector<BatchBuilder::Header> hs;
      for (auto& [k, v] : m.headers) {
        hs.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
      }
      auto opt = [](const OptStr& s) {
        return s ? std::optional<std::string_view>(*s) : std::nullopt;
      };
      b.Add(opt(m.key), opt(m.value), hs, m.timestamp);
      recs.push_back(std::move(m));
    }
    ts += 100;
    auto bytes = b.Finish(codecs[rng() % codecs.size()]);
    REQUIRE(bytes.ok());
    auto base = w->Append(*bytes);
    REQUIRE(base.ok());
    for (int i = 0; i < n; ++i) {
      recs[size_t(i)].offset = *base + i;
      all.push_back(std::move(recs[size_t(i)]));
    }
  }

  // What a compacted log holds: below `cleanable_end`, the latest record of
  // each key (tombstones included); from it on, every record.
  std::vector<ModelRec> Compacted(int64_t cleanable_end) const {
    std::map<std::string, int64_t> latest;
    for (const ModelRec& r : all) {
      if (r.offset < cleanable_end && r.key) latest[*r.key] = r.offset;
    }
    std::vector<ModelRec> out;
    for (const ModelRec& r : all) {
      if (r.offset >= cleanable_end || (r.key && latest[*r.key] == r.offset)) out.push_back(r);
    }
    return out;
  }
};

// The base of the active (last) segment.
inline int64_t ActiveBase(const std::string& dir) {
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  REQUIRE(!segs->empty());
  return segs->back();
}

inline void CheckSame(const std::vector<ModelRec>& got, const std::vector<ModelRec>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i);
    REQUIRE_MESSAGE(got[i] == want[i], Describe(got[i]) << " != " << Describe(want[i]));
  }
}

inline Status Verify(const std::string& dir) {
  std::ostringstream out;
  DumpOptions o;
  o.verify = true;
  return Dump({dir}, o, out, [](const std::string&) {});
}

}  // namespace klog::test
