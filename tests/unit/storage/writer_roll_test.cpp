// LogWriter::WouldRoll and the sealed-segment digest of data written before
// the writer opened: what keeps a roll off a thread that must not block.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/segment.h"
#include "storage_test_util.h"

namespace klog {

using test::MakeBatch;
using test::TempDir;

namespace {

size_t SegmentCount(const std::string& dir) {
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  return segs->size();
}

// Overwrites the first bytes of `path` in place (same size): a change the
// writer cannot know of.
void Scribble(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, "scribble", 8, 0) == 8);
  ::close(fd);
}

// Writes `batches` batches to a new log in `dir` and closes it cleanly.
void Fill(const std::string& dir, int batches) {
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  for (int i = 0; i < batches; ++i) {
    auto b = MakeBatch((*w)->next_offset(), 3, 1000 + i, 50);
    REQUIRE((*w)->Append(b).ok());
  }
  REQUIRE((*w)->Close().ok());
}

// Reopens `dir` with segment_bytes lowered so that the next append rolls,
// scribbles on the active segment, appends, and returns the digest the roll
// wrote for segment 0.
SegmentDigest RollAfterScribble(const std::string& dir) {
  LogOptions o = test::Quiet();
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  o.segment_bytes = 100;
  (*w)->UpdateOptions(o);
  Scribble(SegmentPath(dir, 0, kLogSuffix));
  auto b = MakeBatch((*w)->next_offset(), 1, 9000);
  REQUIRE((*w)->WouldRoll(b.size()));
  REQUIRE((*w)->Append(b).ok());
  REQUIRE(SegmentCount(dir) == 2);
  auto d = ReadDigest(SegmentPath(dir, 0, kLogSuffix));
  REQUIRE(d.ok());
  return *d;
}

}  // namespace

TEST_CASE("WouldRoll is true exactly before the appends that roll by size") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 2000;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  int rolls = 0;
  for (int i = 0; i < 100; ++i) {
    auto b = MakeBatch((*w)->next_offset(), 1 + i % 3, 5000 + i, 10 + i % 7);
    bool predicted = (*w)->WouldRoll(b.size());
    size_t before = SegmentCount(dir);
    REQUIRE((*w)->Append(b).ok());
    bool rolled = SegmentCount(dir) != before;
    CHECK(predicted == rolled);
    rolls += rolled ? 1 : 0;
  }
  CHECK(rolls >= 5);
}

TEST_CASE("WouldRoll on an empty segment: only a second batch of the append could roll") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 100;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  CHECK_FALSE((*w)->WouldRoll(100));
  // The first batch is written whatever its size; a second one would roll.
  CHECK((*w)->WouldRoll(101));
}

TEST_CASE("WouldRoll counts a segment a second short of segment_ms as due") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  int64_t now = 1'000'000;
  LogOptions o = test::Quiet();
  o.segment_ms = 10'000;
  o.clock_ms = [&now] { return now; };
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  CHECK_FALSE((*w)->WouldRoll(100));  // empty: an append would not roll
  auto b = MakeBatch(0, 1, now);
  REQUIRE((*w)->Append(b).ok());
  now += 8'999;
  CHECK_FALSE((*w)->WouldRoll(100));
  now += 1;
  CHECK((*w)->WouldRoll(100));  // due within the margin
  now += 999;
  auto b2 = MakeBatch(1, 1, now);
  REQUIRE((*w)->Append(b2).ok());
  CHECK(SegmentCount(dir) == 1);  // it was not due yet
  now += 1;
  CHECK((*w)->WouldRoll(1));
  auto b3 = MakeBatch(2, 1, now);
  REQUIRE((*w)->Append(b3).ok());
  CHECK(SegmentCount(dir) == 2);
  // With segment_ms below the margin, a segment is due as soon as it has data.
  o.segment_ms = 500;
  (*w)->UpdateOptions(o);
  now += 10'000;
  auto b4 = MakeBatch(3, 1, now);
  REQUIRE((*w)->Append(b4).ok());
  CHECK((*w)->WouldRoll(1));
}

TEST_CASE("WouldRoll bounds the offsets of an append by its bytes") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  // A one-record batch claiming a huge offset range (legal after compaction).
  auto b = MakeBatch(0, 1, 1000);
  PutBE32(b.data() + 23, uint32_t(INT32_MAX) - 100);  // last offset delta
  PutBE32(b.data() + 17, Crc32c(b.data() + 21, b.size() - 21));
  REQUIRE((*w)->Append(b).ok());
  // The next offset is 2^31 - 100: 100 more keep the last one within reach.
  CHECK_FALSE((*w)->WouldRoll(100));
  CHECK((*w)->WouldRoll(101));
}

TEST_CASE("a writer opened after a clean close reads the active segment at its roll") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  Fill(dir, 20);
  SegmentDigest sealed = RollAfterScribble(dir);
  auto now = ComputeDigest(SegmentPath(dir, 0, kLogSuffix));
  REQUIRE(now.ok());
  CHECK(sealed.xxh3 == now->xxh3);
  CHECK(sealed.bytes == now->bytes);
}

TEST_CASE("after a crash the digest comes from the recovery scan, torn tail excluded") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  Fill(dir, 20);
  std::string log = SegmentPath(dir, 0, kLogSuffix);
  auto whole = ComputeDigest(log);
  REQUIRE(whole.ok());
  // No checkpoint (as after a crash) and half a batch at the end.
  REQUIRE(::unlink((dir + "/" + std::string(kCheckpointName)).c_str()) == 0);
  auto torn = MakeBatch(1000, 1, 1000);
  std::string data = test::Slurp(log);
  data.append(reinterpret_cast<const char*>(torn.data()), torn.size() / 2);
  test::Spit(log, data);
  LogOptions o = test::Quiet();
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  CHECK(test::FileSize(log) == whole->bytes);
  o.segment_bytes = 100;
  (*w)->UpdateOptions(o);
  Scribble(log);  // the roll must not read the file: the scan hashed it
  auto b = MakeBatch((*w)->next_offset(), 1, 9000);
  REQUIRE((*w)->Append(b).ok());
  auto sealed = ReadDigest(log);
  REQUIRE(sealed.ok());
  CHECK(sealed->xxh3 == whole->xxh3);
  CHECK(sealed->bytes == whole->bytes);
}

}  // namespace klog
