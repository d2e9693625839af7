// LogWriter::EnforceRetention and TruncateBefore: which segments go, that the
// active one stays, the persisted log start offset, and readers across deletion.
#include <doctest/doctest.h>

#include <filesystem>

#include "klog/filename.h"
#include "klog/segment.h"
#include "klog/topic.h"
#include "storage_test_util.h"

namespace klog {

using test::MakeBatch;
using test::TempDir;

namespace {

bool IsInvalid(const Status& s) { return s.code() == Status::Code::kInvalidArgument; }

constexpr int64_t kHour = 3600 * 1000;

// A log of `segments` segments of 10 records each (one batch per segment,
// segment.bytes small enough that every batch rolls), record timestamps of
// segment i at i hours. The clock reads *now.
std::unique_ptr<LogWriter> MakeLog(const std::string& dir, int segments, int64_t* now) {
  LogOptions o = test::Quiet();
  o.segment_bytes = 200;
  o.clock_ms = [now] { return *now; };
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  for (int i = 0; i < segments; ++i) {
    auto b = MakeBatch(i * 10, 10, i * kHour);
    REQUIRE((*w)->Append(b).ok());
  }
  return std::move(*w);
}

std::vector<int64_t> Segments(const std::string& dir) {
  auto s = ListSegments(dir);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("retention.ms deletes sealed segments older than the limit, oldest first") {
  TempDir t;
  int64_t now = 0;
  auto w = MakeLog(t.path, 5, &now);
  REQUIRE(Segments(t.path) == std::vector<int64_t>{0, 10, 20, 30, 40});
  // Segment 2's newest record is 1 h 29 min old, segment 3's 29 min.
  now = 3 * kHour + 30 * 60 * 1000 - 1000;
  RetentionResult r;
  REQUIRE(w->EnforceRetention(kHour, -1, &r).ok());
  CHECK(r.deleted_segments == 3);
  CHECK(r.log_start_offset == 30);
  CHECK(w->start_offset() == 30);
  CHECK(Segments(t.path) == std::vector<int64_t>{30, 40});
  CHECK_FALSE(std::filesystem::exists(SegmentPath(t.path, 0, kIndexSuffix)));
  CHECK_FALSE(std::filesystem::exists(SegmentPath(t.path, 10, kDigestSuffix)));
  // Disabled limits delete nothing.
  REQUIRE(w->EnforceRetention(-1, -1, &r).ok());
  CHECK(r.deleted_segments == 0);
}

TEST_CASE("the active segment is never deleted, however old") {
  TempDir t;
  int64_t now = 0;
  auto w = MakeLog(t.path, 3, &now);
  now = 1000 * kHour;
  RetentionResult r;
  REQUIRE(w->EnforceRetention(0, 0, &r).ok());
  CHECK(Segments(t.path) == std::vector<int64_t>{20});
  CHECK(r.log_start_offset == 20);
  auto b = MakeBatch(30, 1, now);
  auto off = w->Append(b);
  REQUIRE(off.ok());
  CHECK(*off == 30);
}

TEST_CASE("retention.bytes keeps the newest segments that fit") {
  TempDir t;
  int64_t now = 0;
  auto w = MakeLog(t.path, 5, &now);
  int64_t seg0 = test::FileSize(SegmentPath(t.path, 0, kLogSuffix));
  int64_t seg1 = test::FileSize(SegmentPath(t.path, 10, kLogSuffix));
  int64_t seg = test::FileSize(SegmentPath(t.path, 20, kLogSuffix));
  RetentionResult r;
  // Room for 2.5 segments: deleting stops while at least the limit remains.
  REQUIRE(w->EnforceRetention(-1, seg * 2 + seg / 2, &r).ok());
  CHECK(Segments(t.path) == std::vector<int64_t>{20, 30, 40});
  CHECK(r.deleted_bytes == seg0 + seg1);
}

TEST_CASE("a reader positioned in a deleted segment moves to the new start") {
  TempDir t;
  int64_t now = 0;
  auto w = MakeLog(t.path, 4, &now);
  auto reader = LogReader::Open(t.path);
  REQUIRE(reader.ok());
  auto first = (*reader)->Next(1);  // one batch: offsets 0..9, cursor at the end of segment 0
  REQUIRE(first.ok());
  REQUIRE(!first->empty());
  RetentionResult r;
  now = 100 * kHour;
  REQUIRE(w->EnforceRetention(kHour, -1, &r).ok());
  REQUIRE(r.log_start_offset == 30);
  // Before a Refresh() the reader still lists the deleted segments: a time
  // lookup does not fail on them (the one it has open it may still read).
  CHECK((*reader)->OffsetForTimestamp(kHour).ok());
  REQUIRE((*reader)->Refresh().ok());
  auto by_time = (*reader)->OffsetForTimestamp(0);
  REQUIRE(by_time.ok());
  CHECK(*by_time == 30);
  CHECK((*reader)->start_offset() == 30);
  auto next = (*reader)->Next();
  REQUIRE(next.ok());
  REQUIRE(!next->empty());
  BatchHeader h;
  REQUIRE(ParseBatchHeader(*next, &h).ok());
  CHECK(h.base_offset == 30);
  REQUIRE((*reader)->Seek(5).ok());  // below the start: clamped to it
  next = (*reader)->Next(1);
  REQUIRE(next.ok());
  REQUIRE(ParseBatchHeader(*next, &h).ok());
  CHECK(h.base_offset == 30);
}

TEST_CASE("truncate-before is persisted across reopen and deletes segments below it") {
  TempDir t;
  int64_t now = 0;
  {
    auto w = MakeLog(t.path, 4, &now);
    RetentionResult r;
    REQUIRE(w->TruncateBefore(25, &r).ok());
    CHECK(r.deleted_segments == 2);
    CHECK(r.log_start_offset == 25);
    CHECK(Segments(t.path) == std::vector<int64_t>{20, 30});
    CHECK(IsInvalid(w->TruncateBefore(41, &r)));
    REQUIRE(w->TruncateBefore(3, &r).ok());  // below the start: nothing changes
    CHECK(r.log_start_offset == 25);
    REQUIRE(w->Close().ok());
  }
  auto reader = LogReader::Open(t.path);
  REQUIRE(reader.ok());
  CHECK((*reader)->start_offset() == 25);
  auto w = LogWriter::Open(t.path, test::Quiet());
  REQUIRE(w.ok());
  CHECK((*w)->start_offset() == 25);
  CHECK((*w)->next_offset() == 40);
}

TEST_CASE("a crash between deleting a .log and its indexes leaves orphans the next run removes") {
  TempDir t;
  int64_t now = 0;
  auto w = MakeLog(t.path, 4, &now);
  RetentionResult r;
  REQUIRE(w->TruncateBefore(10, &r).ok());
  // Simulate the crash: the next segment's .log is gone, its companions stay.
  test::Spit(SegmentPath(t.path, 5, kIndexSuffix), "");
  test::Spit(SegmentPath(t.path, 5, kTimeIndexSuffix), "");
  REQUIRE(w->EnforceRetention(-1, -1, &r).ok());
  CHECK_FALSE(std::filesystem::exists(SegmentPath(t.path, 5, kIndexSuffix)));
  CHECK_FALSE(std::filesystem::exists(SegmentPath(t.path, 5, kTimeIndexSuffix)));
}

TEST_CASE("altered topic configs replace the metadata and deleted ones fall back") {
  TempDir t;
  DataDir dd(t.path);
  REQUIRE(dd.CreateTopic("t", 2, {{"retention.ms", "1000"}}).ok());
  REQUIRE(dd.AlterTopicConfigs("t", {{"segment.bytes", "4096"}}, {"retention.ms"}).ok());
  auto info = dd.DescribeTopic("t");
  REQUIRE(info.ok());
  CHECK(info->partitions == 2);
  CHECK(info->configs == std::map<std::string, std::string>{{"segment.bytes", "4096"}});
  CHECK(IsInvalid(dd.AlterTopicConfigs("t", {{"segment.bytes", "x"}}, {})));
  CHECK(IsInvalid(dd.AlterTopicConfigs("t", {}, {"no.such"})));
  CHECK(dd.AlterTopicConfigs("nope", {}, {}).IsNotFound());
  int64_t ms = 0, bytes = 0;
  REQUIRE(TopicRetention(*info, &ms, &bytes).ok());
  CHECK(ms == 604800000);
  CHECK(bytes == -1);
}

}  // namespace klog
