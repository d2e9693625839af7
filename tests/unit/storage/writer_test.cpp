// LogWriter: offsets, segment rolls, digests, limits, locking and flushing.
#include <signal.h>
#include <sys/resource.h>

#include <doctest/doctest.h>

#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/segment.h"
#include "klog/topic.h"
#include "storage_test_util.h"

namespace klog {

using test::MakeBatch;
using test::TempDir;

namespace {

// Checks every sealed segment of `dir`: its name is the base offset of its
// first batch, it has a digest matching its bytes, and its indexes are whole
// entries identical to a rebuild from the .log.
void CheckSegments(const std::string& dir, int32_t interval) {
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  for (size_t i = 0; i < segs->size(); ++i) {
    int64_t base = (*segs)[i];
    std::string log = SegmentPath(dir, base, kLogSuffix);
    int64_t first = -1, end = 0;
    REQUIRE(ScanSegment(
                log, 0,
                [&](const BatchInfo& b, std::span<const uint8_t>) {
                  if (first < 0) first = b.header.base_offset;
                  return true;
                },
                &end)
                .ok());
    if (first >= 0) CHECK(first == base);
    std::string index = test::Slurp(SegmentPath(dir, base, kIndexSuffix));
    std::string times = test::Slurp(SegmentPath(dir, base, kTimeIndexSuffix));
    CHECK(index.size() % kIndexEntrySize == 0);
    CHECK(times.size() % kTimeIndexEntrySize == 0);
    REQUIRE(RebuildIndexes(log, base, interval).ok());
    CHECK(test::Slurp(SegmentPath(dir, base, kIndexSuffix)) == index);
    CHECK(test::Slurp(SegmentPath(dir, base, kTimeIndexSuffix)) == times);
    bool sealed = i + 1 < segs->size();
    auto digest = ReadDigest(log);
    if (sealed) {
      REQUIRE(digest.ok());
      auto fresh = ComputeDigest(log);
      REQUIRE(fresh.ok());
      CHECK(digest->xxh3 == fresh->xxh3);
      CHECK(digest->bytes == test::FileSize(log));
    } else {
      CHECK(digest.status().IsNotFound());
    }
  }
}

}  // namespace

TEST_CASE("an empty directory starts at offset 0 with empty segment files") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  CHECK((*w)->next_offset() == 0);
  CHECK((*w)->start_offset() == 0);
  CHECK(test::FileSize(SegmentPath(dir, 0, kLogSuffix)) == 0);
  CHECK(test::FileSize(SegmentPath(dir, 0, kIndexSuffix)) == 0);
  CHECK(test::FileSize(SegmentPath(dir, 0, kTimeIndexSuffix)) == 0);
  auto b = MakeBatch(0, 3, 1000);
  auto off = (*w)->Append(b);
  REQUIRE(off.ok());
  CHECK(*off == 0);
  CHECK((*w)->next_offset() == 3);
  CHECK(GetBE64(b.data()) == 0);
}

TEST_CASE("appends get contiguous offsets and read back in order") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  {
    auto w = LogWriter::Open(dir, test::Quiet());
    REQUIRE(w.ok());
    int64_t next = 0;
    for (int i = 0; i < 50; ++i) {
      int n = 1 + i % 5;
      auto b = MakeBatch(next, n, 1000 + next);
      auto off = (*w)->Append(b);
      REQUIRE(off.ok());
      CHECK(*off == next);
      next += n;
    }
    CHECK((*w)->Close().ok());
  }
  std::vector<test::Rec> recs;
  REQUIRE(test::ReadAll(dir, &recs).ok());
  REQUIRE(recs.size() == 150);
  for (size_t i = 0; i < recs.size(); ++i) {
    CHECK(recs[i].offset == int64_t(i));
    CHECK(recs[i].value == test::ValueFor(int64_t(i)));
  }
}

TEST_CASE("segments roll by size with correct names, trimmed indexes and digests") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 2000;
  o.index_interval_bytes = 300;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  int64_t next = 0;
  for (int i = 0; i < 120; ++i) {
    auto b = MakeBatch(next, 2, 5000 + i, 20);
    REQUIRE((*w)->Append(b).ok());
    next += 2;
  }
  REQUIRE((*w)->Close().ok());
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  CHECK(segs->size() > 5);
  for (size_t i = 0; i + 1 < segs->size(); ++i) {
    int64_t size = test::FileSize(SegmentPath(dir, (*segs)[i], kLogSuffix));
    CHECK(size <= 2000);
    CHECK(size > 1500);  // it rolled only when the next batch did not fit
    CHECK(test::FileSize(SegmentPath(dir, (*segs)[i], kIndexSuffix)) > 0);
  }
  CheckSegments(dir, 300);
  std::vector<test::Rec> recs;
  REQUIRE(test::ReadAll(dir, &recs).ok());
  CHECK(recs.size() == 240);
}

TEST_CASE("index entries follow Kafka's interval rule; time entries only when the max grows") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.index_interval_bytes = 250;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  // Timestamps go up and down; sizes vary.
  const int64_t ts[] = {500, 400, 900, 900, 300, 1200, 1100, 1300, 1300, 2000, 100, 100};
  std::vector<int64_t> pos, last;
  for (int i = 0; i < 12; ++i) {
    pos.push_back(test::FileSize(SegmentPath(dir, 0, kLogSuffix)));
    auto b = MakeBatch((*w)->next_offset(), 1 + i % 2, ts[i], 40 + 30 * (i % 3));
    REQUIRE((*w)->Append(b).ok());
    last.push_back((*w)->next_offset() - 1);
  }
  // Expected by the rule, written out independently of the writer's code.
  std::vector<IndexEntry> want;
  std::vector<TimeIndexEntry> want_times;
  int64_t since = 0, max_ts = -1, max_off = 0, last_time = -1;
  for (int i = 0; i < 12; ++i) {
    int64_t batch_max = ts[i] + i % 2;  // MakeBatch: record k has timestamp ts + k
    if (batch_max > max_ts) max_ts = batch_max, max_off = last[i];
    if (since > 250) {
      want.push_back({int32_t(last[i]), int32_t(pos[i])});
      if (max_ts > last_time) want_times.push_back({max_ts, int32_t(max_off)}), last_time = max_ts;
      since = 0;
    }
    since += (i + 1 < 12 ? pos[i + 1] : test::FileSize(SegmentPath(dir, 0, kLogSuffix))) - pos[i];
  }
  REQUIRE(want.size() >= 3);
  auto index = ReadOffsetIndex(SegmentPath(dir, 0, kIndexSuffix));
  REQUIRE(index.ok());
  REQUIRE(index->size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK((*index)[i].relative_offset == want[i].relative_offset);
    CHECK((*index)[i].position == want[i].position);
  }
  auto times = ReadTimeIndex(SegmentPath(dir, 0, kTimeIndexSuffix));
  REQUIRE(times.ok());
  REQUIRE(times->size() == want_times.size());
  for (size_t i = 0; i < want_times.size(); ++i) {
    CHECK((*times)[i].timestamp == want_times[i].timestamp);
    CHECK((*times)[i].relative_offset == want_times[i].relative_offset);
  }
  // Closing forces the final time entry: the largest timestamp and its offset.
  // Append a batch with a new maximum right after an index entry, so that it
  // gets no entry of its own.
  for (bool entry = since > 250; entry; entry = false) {
    auto b = MakeBatch((*w)->next_offset(), 1, 8000, 10);
    REQUIRE((*w)->Append(b).ok());
  }
  auto b = MakeBatch((*w)->next_offset(), 1, 9000, 10);
  REQUIRE((*w)->Append(b).ok());
  int64_t entries = int64_t(ReadTimeIndex(SegmentPath(dir, 0, kTimeIndexSuffix))->size());
  REQUIRE(ReadTimeIndex(SegmentPath(dir, 0, kTimeIndexSuffix))->back().timestamp < 9000);
  REQUIRE((*w)->Close().ok());
  times = ReadTimeIndex(SegmentPath(dir, 0, kTimeIndexSuffix));
  REQUIRE(times.ok());
  CHECK(int64_t(times->size()) == entries + 1);
  CHECK(times->back().timestamp == 9000);
  CHECK(times->back().relative_offset == (*w)->next_offset() - 1);
}

TEST_CASE("an index entry needs strictly more than index_interval_bytes since the last") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  int64_t s = int64_t(MakeBatch(0, 1, 1000, 20).size());  // every batch below has this size
  LogOptions o = test::Quiet();
  o.index_interval_bytes = int32_t(s);
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  for (int i = 0; i < 5; ++i) {
    auto b = MakeBatch(i, 1, 1000, 20);
    REQUIRE(int64_t(b.size()) == s);
    REQUIRE((*w)->Append(b).ok());
  }
  auto index = ReadOffsetIndex(SegmentPath(dir, 0, kIndexSuffix));
  REQUIRE(index.ok());
  REQUIRE(index->size() == 2);
  CHECK((*index)[0].relative_offset == 2);
  CHECK((*index)[0].position == 2 * s);
  CHECK((*index)[1].relative_offset == 4);
  CHECK((*index)[1].position == 4 * s);
}

TEST_CASE("segments roll by age of their first batch with an injectable clock") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  int64_t now = 1'000'000;
  LogOptions o = test::Quiet();
  o.segment_ms = 1000;
  o.clock_ms = [&now] { return now; };
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  auto append_at = [&](int64_t t) {
    now = t;
    auto b = MakeBatch((*w)->next_offset(), 1, t);
    REQUIRE((*w)->Append(b).ok());
  };
  append_at(1'000'000);
  append_at(1'000'500);
  append_at(1'000'999);
  CHECK(ListSegments(dir)->size() == 1);
  append_at(1'001'000);  // the first batch is now 1000 ms old
  CHECK(*ListSegments(dir) == std::vector<int64_t>{0, 3});
  append_at(1'001'999);
  append_at(1'002'000);
  CHECK(*ListSegments(dir) == std::vector<int64_t>{0, 3, 5});
  REQUIRE((*w)->Close().ok());
  // The age survives a reopen: it comes from the first batch on disk.
  auto w2 = LogWriter::Open(dir, o);
  REQUIRE(w2.ok());
  now = 1'003'000;
  auto b = MakeBatch(6, 1, now);
  REQUIRE((*w2)->Append(b).ok());
  CHECK(*ListSegments(dir) == std::vector<int64_t>{0, 3, 5, 6});
  REQUIRE((*w2)->Close().ok());
  CheckSegments(dir, o.index_interval_bytes);
}

TEST_CASE("a segment rolls before its relative offsets would overflow int32") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  // A one-record batch claiming a huge offset range (legal after compaction).
  auto wide = [] {
    auto b = MakeBatch(0, 1, 1000);
    PutBE32(b.data() + 23, (uint32_t(1) << 30) - 1);  // last offset delta
    PutBE32(b.data() + 17, Crc32c(b.data() + 21, b.size() - 21));
    return b;
  };
  auto b1 = wide();
  REQUIRE((*w)->Append(b1).ok());
  auto b2 = wide();
  REQUIRE((*w)->Append(b2).ok());  // relative last offset 2^31 - 1: still fits
  CHECK(ListSegments(dir)->size() == 1);
  auto b3 = wide();
  auto off = (*w)->Append(b3);
  REQUIRE(off.ok());
  CHECK(*off == int64_t(1) << 31);
  CHECK(*ListSegments(dir) == std::vector<int64_t>{0, *off});
}

TEST_CASE("malformed and oversized batches are refused and leave the log unchanged") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.max_batch_bytes = 200;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  auto big = MakeBatch(0, 10, 1000, 50);
  CHECK((*w)->Append(big).status().code() == Status::Code::kTooLarge);
  auto b = MakeBatch(0, 1, 1000);
  std::vector<uint8_t> two = b;
  two.insert(two.end(), b.begin(), b.end());
  CHECK((*w)->Append(two).status().code() == Status::Code::kInvalidArgument);
  auto empty = MakeBatch(0, 1, 1000);
  PutBE32(empty.data() + 57, 0);  // records count
  PutBE32(empty.data() + 17, Crc32c(empty.data() + 21, empty.size() - 21));
  CHECK((*w)->Append(empty).status().code() == Status::Code::kInvalidArgument);
  std::vector<uint8_t> junk(100, 0x55);
  CHECK((*w)->Append(junk).status().code() == Status::Code::kInvalidArgument);
  CHECK((*w)->next_offset() == 0);
  CHECK(test::FileSize(SegmentPath(dir, 0, kLogSuffix)) == 0);
}

TEST_CASE("a failed write cuts the segment back so the batch is wholly absent") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  pid_t child = test::Fork([&] {
    signal(SIGXFSZ, SIG_IGN);
    auto w = LogWriter::Open(dir, test::Quiet());
    if (!w.ok()) return false;
    auto b1 = MakeBatch(0, 2, 1000);
    if (!(*w)->Append(b1).ok()) return false;
    int64_t before = test::FileSize(SegmentPath(dir, 0, kLogSuffix));
    auto b2 = MakeBatch(2, 20, 1000, 30);
    rlimit lim{rlim_t(before + 100), RLIM_INFINITY};  // the write stops part way (EFBIG)
    setrlimit(RLIMIT_FSIZE, &lim);
    bool failed = !(*w)->Append(b2).ok();
    lim.rlim_cur = RLIM_INFINITY;
    setrlimit(RLIMIT_FSIZE, &lim);
    if (!failed || test::FileSize(SegmentPath(dir, 0, kLogSuffix)) != before) return false;
    if ((*w)->next_offset() != 2) return false;
    auto b3 = MakeBatch(2, 3, 1000);
    auto off = (*w)->Append(b3);
    return off.ok() && *off == 2 && (*w)->Close().ok();
  });
  REQUIRE(test::Wait(child) == 0);
  std::vector<test::Rec> recs;
  REQUIRE(test::ReadAll(dir, &recs).ok());
  REQUIRE(recs.size() == 5);
  CHECK(recs[4].offset == 4);
  CHECK(recs[4].value == test::ValueFor(4));
}

TEST_CASE("flush policies: every-batch and interval appends succeed and close checkpoints") {
  TempDir d;
  for (FlushMode mode : {FlushMode::kNone, FlushMode::kInterval, FlushMode::kEveryBatch}) {
    std::string dir = d.Sub("t-" + std::to_string(int(mode)));
    int64_t now = 0;
    LogOptions o = test::Quiet();
    o.flush.mode = mode;
    o.flush.interval_ms = 100;
    o.segment_bytes = 1000;
    o.clock_ms = [&now] { return now; };
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    for (int i = 0; i < 30; ++i) {
      now += 30;
      auto b = MakeBatch(i, 1, now, 40);
      auto off = (*w)->Append(b);
      REQUIRE(off.ok());
      CHECK(*off == i);
    }
    CHECK((*w)->Flush().ok());
    CHECK((*w)->Close().ok());
    CHECK((*w)->Close().ok());  // idempotent
    CHECK(test::Slurp(dir + "/klog.checkpoint").rfind("klog-checkpoint 1 base ", 0) == 0);
    auto late = MakeBatch(0, 1, 0);
    CHECK((*w)->Append(late).status().code() == Status::Code::kInvalidArgument);
    std::vector<test::Rec> recs;
    REQUIRE(test::ReadAll(dir, &recs).ok());
    CHECK(recs.size() == 30);
  }
}

}  // namespace klog

namespace klog {

TEST_CASE("LogAppendTime topic: records read back with the append time, CRC still valid") {
  test::TempDir dir;
  LogOptions opts = test::Quiet();
  opts.log_append_time = true;
  int64_t now = 1800000000000;
  opts.clock_ms = [&now] { return now; };
  {
    auto w = LogWriter::Open(dir.path, opts);
    REQUIRE(w.ok());
    auto b1 = test::MakeBatch(0, 3, /*ts=*/1000);  // the producer's CreateTime is ignored
    REQUIRE((*w)->Append(b1).ok());
    CHECK(BatchCrcOk(b1));
    now += 5;
    auto b2 = test::MakeBatch(3, 2, /*ts=*/2000);
    REQUIRE((*w)->Append(b2).ok());
  }
  std::vector<test::Rec> recs;
  REQUIRE(test::ReadAll(dir.path, &recs).ok());  // the reader verifies every CRC
  REQUIRE(recs.size() == 5);
  for (int i = 0; i < 3; ++i) CHECK(recs[i].timestamp == 1800000000000);
  for (int i = 3; i < 5; ++i) CHECK(recs[i].timestamp == 1800000000005);
  auto r = LogReader::Open(dir.path);
  REQUIRE(r.ok());
  auto off = (*r)->OffsetForTimestamp(1800000000001);
  REQUIRE(off.ok());
  CHECK(*off == 3);
}

TEST_CASE("ApplyTopicConfigs maps message.timestamp.type") {
  TopicInfo info{"t", 1, {{"message.timestamp.type", "LogAppendTime"}}};
  LogOptions o;
  REQUIRE(ApplyTopicConfigs(info, &o).ok());
  CHECK(o.log_append_time);
  info.configs["message.timestamp.type"] = "CreateTime";
  REQUIRE(ApplyTopicConfigs(info, &o).ok());
  CHECK_FALSE(o.log_append_time);
}

}  // namespace klog
