// LogWriter::TruncateTo: the batch holding the offset goes whole, segments
// above are deleted, the cut segment becomes the active one with its list
// entry, digest and indexes rewound, the epoch cache too; a process killed
// at any step of it, at any offset, leaves the old log or (after the next
// Open) the new one, fully readable and consistent.
#include <doctest/doctest.h>

#include <filesystem>

#include "cleaner_test_util.h"
#include "klog/segment.h"

namespace klog {
namespace {

using test::TempDir;

constexpr int kPerBatch = 2;

std::vector<uint8_t> At(int64_t base, int count, int32_t epoch) {
  std::vector<uint8_t> b = test::MakeBatch(base, count, 1'700'000'000'000 + base);
  StampBatch(b, base, epoch);
  return b;
}

LogOptions Small(std::vector<std::string>* warnings = nullptr) {
  LogOptions o = test::Quiet(warnings);
  o.segment_bytes = 450;
  o.index_interval_bytes = 100;
  return o;
}

// Writes `batches` batches of kPerBatch records, a gap of one offset after
// every fifth, the epoch going up every fourth batch. Returns the last
// offset + 1 of each batch.
std::vector<int64_t> WriteLog(const std::string& dir, int batches) {
  auto w = LogWriter::Open(dir, Small());
  REQUIRE(w.ok());
  std::vector<int64_t> ends;
  int64_t base = 0;
  for (int i = 0; i < batches; ++i) {
    REQUIRE((*w)->AppendVerbatim(At(base, kPerBatch, 1 + i / 4)).ok());
    ends.push_back(base + kPerBatch);
    base += kPerBatch + (i % 5 == 4 ? 1 : 0);
  }
  REQUIRE((*w)->Close().ok());
  return ends;
}

// The offsets left after TruncateTo(offset): those of batches ending at or before it.
std::vector<int64_t> Kept(const std::vector<int64_t>& all, const std::vector<int64_t>& ends,
                          int64_t offset, int64_t* end) {
  *end = 0;
  for (int64_t e : ends) {
    if (e <= offset) *end = e;
  }
  std::vector<int64_t> out;
  for (int64_t o : all) {
    if (o < *end) out.push_back(o);
  }
  return out;
}

// The epoch cache a rebuild from the batches gives.
std::vector<LeaderEpochEntry> Rebuilt(const std::string& dir) {
  std::filesystem::remove(dir + "/" + std::string(kLeaderEpochCheckpointName));
  auto w = LogWriter::Open(dir, Small());
  REQUIRE(w.ok());
  return (*w)->leader_epochs();
}

TEST_CASE("TruncateTo removes the batch holding the offset whole") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  std::vector<int64_t> ends = WriteLog(dir, 4);  // batches 0-1, 2-3, 4-5, 6-7
  auto w = LogWriter::Open(dir, Small());
  REQUIRE(w.ok());
  REQUIRE((*w)->TruncateTo(8).ok());  // at the end: nothing
  CHECK((*w)->next_offset() == 8);
  REQUIRE((*w)->TruncateTo(5).ok());  // inside 4-5: it goes
  CHECK((*w)->next_offset() == 4);
  REQUIRE((*w)->TruncateTo(2).ok());  // at a batch boundary
  CHECK((*w)->next_offset() == 2);
  REQUIRE((*w)->AppendVerbatim(At(2, 2, 9)).ok());
  REQUIRE((*w)->Close().ok());
  CHECK(test::RecordOffsets(dir) == std::vector<int64_t>{0, 1, 2, 3});
}

TEST_CASE("TruncateTo rewinds segments, klog.segments, digests and epochs; appends go on") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  std::vector<int64_t> ends = WriteLog(dir, 30);
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  REQUIRE(segs->size() >= 4);
  int64_t cut_seg = (*segs)[1];
  int64_t offset = cut_seg + 3;
  int64_t end = 0;
  std::vector<int64_t> want = Kept(test::RecordOffsets(dir), ends, offset, &end);
  {
    std::vector<std::string> warnings;
    auto w = LogWriter::Open(dir, Small(&warnings));
    REQUIRE(w.ok());
    REQUIRE((*w)->TruncateTo(offset).ok());
    CHECK(warnings.empty());
    CHECK((*w)->next_offset() == end);
    for (const LeaderEpochEntry& e : (*w)->leader_epochs()) CHECK(e.start_offset < end);
    REQUIRE((*w)->TruncateTo(offset - 100).code() == Status::Code::kInvalidArgument);
    REQUIRE((*w)->AppendVerbatim(At(end, 2, 99)).ok());
    want.push_back(end);
    want.push_back(end + 1);
    CHECK((*w)->leader_epochs().back() == LeaderEpochEntry{99, end});
  }
  auto after = ListSegments(dir);
  REQUIRE(after.ok());
  CHECK(after->back() == cut_seg);
  CHECK_FALSE(std::filesystem::exists(SegmentPath(dir, cut_seg, kDigestSuffix)));
  CHECK(test::RecordOffsets(dir) == want);
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
  auto w = LogWriter::Open(dir, Small());
  REQUIRE(w.ok());
  CHECK((*w)->next_offset() == end + 2);
}

TEST_CASE("TruncateTo killed at every step, at every offset, leaves the old or the new log") {
  TempDir d;
  std::string original = d.Sub("orig-0");
  std::vector<int64_t> ends = WriteLog(original, 12);
  std::vector<int64_t> all = test::RecordOffsets(original);
  auto segs = ListSegments(original);
  REQUIRE(segs.ok());
  REQUIRE(segs->size() >= 3);
  int64_t old_end = ends.back();
  std::vector<LeaderEpochEntry> old_epochs = Rebuilt(original);
  const char* steps[] = {"truncate-mark", "truncate-list",   "truncate-unlink",
                         "truncate-cut",  "truncate-epochs", "truncate-unmark"};
  int cases = 0;
  for (int64_t offset = 0; offset < old_end; ++offset) {
    int64_t new_end = 0;
    std::vector<int64_t> kept = Kept(all, ends, offset, &new_end);
    for (const char* step : steps) {
      for (int occurrence = 1; occurrence <= int(segs->size()); ++occurrence) {
        INFO("offset " << offset << " step " << step << " occurrence " << occurrence);
        std::string dir = d.Sub("t-0");
        std::filesystem::remove_all(dir);
        std::filesystem::copy(original, dir);
        pid_t pid = test::Fork([&] {
          LogOptions o = Small();
          int seen = 0;
          o.step_hook = [&](std::string_view s) {
            if (s == step && ++seen == occurrence) _exit(9);
          };
          auto w = LogWriter::Open(dir, o);
          return w.ok() && (*w)->TruncateTo(offset).ok();
        });
        int rc = test::Wait(pid);
        if (rc == 0) break;  // the step did not come this often
        REQUIRE(rc == 9);
        ++cases;
        bool old = std::string(step) == "truncate-mark";
        {
          auto w = LogWriter::Open(dir, Small());
          REQUIRE_MESSAGE(w.ok(), w.status().ToString());
          CHECK((*w)->next_offset() == (old ? old_end : new_end));
          REQUIRE((*w)->Close().ok());
        }
        CHECK(test::RecordOffsets(dir) == (old ? all : kept));
        Status v = test::Verify(dir);
        CHECK_MESSAGE(v.ok(), v.ToString());
        std::vector<LeaderEpochEntry> epochs;
        {
          auto w = LogWriter::Open(dir, Small());
          REQUIRE(w.ok());
          epochs = (*w)->leader_epochs();
        }
        CHECK(epochs == Rebuilt(dir));
        if (old) CHECK(epochs == old_epochs);
      }
    }
  }
  CHECK(cases > int(old_end) * 5);
}

}  // namespace
}  // namespace klog
