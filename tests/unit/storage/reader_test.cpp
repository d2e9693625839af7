// LogReader: seeking, timestamps, batch boundaries, partial tails and a
// writer in another process.
#include <doctest/doctest.h>

#include <chrono>

#include "klog/coding.h"
#include "klog/segment.h"
#include "storage_test_util.h"

namespace klog {

using test::MakeBatch;
using test::TempDir;

namespace {

// A log of `batches` batches of 3 records; record i has timestamp 10000 + 10*i.
// Small segments and a small index interval so that lookups cross both.
void WriteLog(const std::string& dir, int batches) {
  LogOptions o = test::Quiet();
  o.segment_bytes = 1500;
  o.index_interval_bytes = 200;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  for (int i = 0; i < batches; ++i) {
    int64_t first = (*w)->next_offset();
    BatchBuilder b;
    b.Reset(10000 + 10 * first);
    for (int k = 0; k < 3; ++k) {
      std::string v = test::ValueFor(first + k);
      b.Add(std::nullopt, std::string_view(v), {}, 10000 + 10 * (first + k));
    }
    auto bytes = b.Finish();
    REQUIRE(bytes.ok());
    REQUIRE((*w)->Append(*bytes).ok());
  }
  REQUIRE((*w)->Close().ok());
}

// Header of the first batch Next() returns.
BatchHeader FirstBatch(LogReader& r) {
  auto chunk = r.Next(1);
  REQUIRE(chunk.ok());
  REQUIRE(!chunk->empty());
  BatchHeader h;
  REQUIRE(ParseBatchHeader(*chunk, &h).ok());
  return h;
}

}  // namespace

TEST_CASE("seek lands on the batch holding the offset, in every segment") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteLog(dir, 60);
  REQUIRE(ListSegments(dir)->size() > 4);
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK((*r)->start_offset() == 0);
  CHECK((*r)->end_offset() == 180);
  for (int64_t off = 0; off < 180; ++off) {
    CAPTURE(off);
    REQUIRE((*r)->Seek(off).ok());
    BatchHeader h = FirstBatch(**r);
    CHECK(h.base_offset <= off);
    CHECK(h.last_offset() >= off);
  }
  REQUIRE((*r)->Seek(180).ok());
  CHECK((*r)->Next()->empty());
  REQUIRE((*r)->Seek(1000).ok());  // clamped to the end
  CHECK((*r)->Next()->empty());
  REQUIRE((*r)->Seek(-5).ok());  // clamped to the start
  CHECK(FirstBatch(**r).base_offset == 0);
}

TEST_CASE("seek still works when an index is missing or garbage") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteLog(dir, 30);
  auto segs = *ListSegments(dir);
  test::Spit(SegmentPath(dir, segs[0], kIndexSuffix), std::string(16, '\x7f'));
  std::filesystem::remove(SegmentPath(dir, segs[1], kIndexSuffix));
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  for (int64_t off : {int64_t(1), segs[1] + 4, int64_t(89)}) {
    REQUIRE((*r)->Seek(off).ok());
    BatchHeader h = FirstBatch(**r);
    CHECK(h.base_offset <= off);
    CHECK(h.last_offset() >= off);
  }
}

TEST_CASE("offset for timestamp finds the first record at or after it") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteLog(dir, 40);  // offsets 0..119, timestamps 10000..11190
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK(*(*r)->OffsetForTimestamp(0) == 0);
  CHECK(*(*r)->OffsetForTimestamp(10000) == 0);
  CHECK(*(*r)->OffsetForTimestamp(10001) == 1);
  for (int64_t off = 0; off < 120; ++off) {
    CAPTURE(off);
    CHECK(*(*r)->OffsetForTimestamp(10000 + 10 * off) == off);
    CHECK(*(*r)->OffsetForTimestamp(10000 + 10 * off - 5) == off);
  }
  CHECK(*(*r)->OffsetForTimestamp(11191) == 120);  // after the last: the end offset
}

TEST_CASE("next returns whole batches, about max_bytes, at least one") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  {
    auto w = LogWriter::Open(dir, test::Quiet());
    REQUIRE(w.ok());
    for (int i = 0; i < 10; ++i) {
      auto b = MakeBatch(i, 1, 1000, i == 5 ? 5000 : 100);  // batch 5 is large
      REQUIRE((*w)->Append(b).ok());
    }
  }
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  int64_t expect = 0;
  for (;;) {
    auto chunk = (*r)->Next(400);
    REQUIRE(chunk.ok());
    if (chunk->empty()) break;
    CHECK((chunk->size() <= 400 || expect == 5));
    std::span<const uint8_t> rest = *chunk;
    while (!rest.empty()) {
      auto n = NextBatchSize(rest);
      REQUIRE(n.ok());
      REQUIRE(*n > 0);  // only whole batches
      BatchHeader h;
      REQUIRE(ParseBatchHeader(rest, &h).ok());
      CHECK(h.base_offset == expect++);
      rest = rest.subspan(*n);
    }
  }
  CHECK(expect == 10);
}

TEST_CASE("a partial batch at the end of the last segment is not yet written") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  WriteLog(dir, 2);
  auto segs = *ListSegments(dir);
  std::string log = SegmentPath(dir, segs.back(), kLogSuffix);
  std::string before = test::Slurp(log);
  auto extra = MakeBatch(0, 2, 20000);
  PutBE64(extra.data(), 6);
  std::string whole(extra.begin(), extra.end());
  test::Spit(log, before + whole.substr(0, 40));
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK((*r)->end_offset() == 6);
  CHECK(FirstBatch(**r).base_offset == 0);
  CHECK(FirstBatch(**r).base_offset == 3);
  CHECK((*r)->Next()->empty());
  test::Spit(log, before + whole);  // the writer finishes
  CHECK((*r)->Next()->empty());     // invisible until Refresh()
  REQUIRE((*r)->Refresh().ok());
  CHECK((*r)->end_offset() == 8);
  CHECK(FirstBatch(**r).base_offset == 6);
}

TEST_CASE("refresh follows an in-process writer across rolls") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 400;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  CHECK((*r)->end_offset() == 0);
  CHECK((*r)->Next()->empty());
  int64_t seen = 0;
  for (int i = 0; i < 40; ++i) {
    auto b = MakeBatch(i * 2, 2, 1000);
    REQUIRE((*w)->Append(b).ok());
    REQUIRE((*r)->Refresh().ok());
    CHECK((*r)->end_offset() == (i + 1) * 2);
    auto chunk = (*r)->Next();
    REQUIRE(chunk.ok());
    BatchHeader h;
    REQUIRE(ParseBatchHeader(*chunk, &h).ok());
    CHECK(h.base_offset == seen);
    seen = h.last_offset() + 1;
  }
  CHECK(ListSegments(dir)->size() > 5);
  CHECK((*r)->current_segment_path() == SegmentPath(dir, ListSegments(dir)->back(), kLogSuffix));
}

TEST_CASE("a reader process keeps up with a writer process that appends and rolls") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  constexpr int kBatches = 400, kPer = 5;
  {
    auto w = LogWriter::Open(dir, test::Quiet());  // create the directory first
    REQUIRE(w.ok());
  }
  pid_t child = test::Fork([&] {
    LogOptions o = test::Quiet();
    o.segment_bytes = 4096;
    o.index_interval_bytes = 512;
    auto w = LogWriter::Open(dir, o);
    if (!w.ok()) return false;
    for (int i = 0; i < kBatches; ++i) {
      auto b = MakeBatch(int64_t(i) * kPer, kPer, 1000 + i, 20);
      auto off = (*w)->Append(b);
      if (!off.ok() || *off != int64_t(i) * kPer) return false;
      if (i % 5 == 0) usleep(500);  // let the reader catch up now and then
    }
    return (*w)->Close().ok();
  });
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  int64_t next = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (next < kBatches * kPer && std::chrono::steady_clock::now() < deadline) {
    REQUIRE((*r)->Refresh().ok());
    auto chunk = (*r)->Next(3000);
    REQUIRE(chunk.ok());
    std::span<const uint8_t> rest = *chunk;
    while (!rest.empty()) {
      size_t n = *NextBatchSize(rest);
      RecordIterator it;
      REQUIRE(it.Reset(rest.first(n)).ok());
      RecordView rec;
      while (it.Next(&rec)) {
        REQUIRE(rec.offset == next);
        REQUIRE(rec.value == test::ValueFor(next, 20));
        ++next;
      }
      rest = rest.subspan(n);
    }
  }
  CHECK(next == kBatches * kPer);
  CHECK(test::Wait(child) == 0);
  CHECK(ListSegments(dir)->size() > 10);
}

}  // namespace klog
