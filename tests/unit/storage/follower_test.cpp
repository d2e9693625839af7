// LogWriter's follower side: batches appended at the offsets they carry,
// bytes unchanged, gaps accepted, overlaps and bad CRCs refused; an empty
// log reset to start anywhere; the leader epoch stamped by Append and the
// epoch cache kept in leader-epoch-checkpoint (rebuilt when lost).
#include <doctest/doctest.h>

#include <filesystem>

#include "cleaner_test_util.h"
#include "klog/coding.h"
#include "klog/segment.h"

namespace klog {
namespace {

using test::TempDir;

// A batch of `count` records at `base` in leader epoch `epoch` (both are
// outside the CRC, so the batch stays intact).
std::vector<uint8_t> At(int64_t base, int count, int32_t epoch, size_t pad = 0) {
  std::vector<uint8_t> b = test::MakeBatch(base, count, 1'700'000'000'000 + base, pad);
  StampBatch(b, base, epoch);
  return b;
}

std::string Bytes(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

std::string EpochFile(const std::string& dir) {
  return test::Slurp(dir + "/" + std::string(kLeaderEpochCheckpointName));
}

TEST_CASE("verbatim batches keep their offsets, epochs and bytes, gaps included") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  std::vector<uint8_t> a = At(17063, 2, 3), b = At(17070, 3, 3), c = At(17080, 1, 5);
  {
    auto w = LogWriter::Open(dir, test::Quiet());
    REQUIRE(w.ok());
    REQUIRE((*w)->ResetEmptyTo(17063).ok());
    CHECK((*w)->start_offset() == 17063);
    for (auto* batch : {&a, &b, &c}) {
      auto r = (*w)->AppendVerbatim(*batch);
      REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    }
    CHECK((*w)->next_offset() == 17081);
    REQUIRE((*w)->Close().ok());
  }
  CHECK(test::Slurp(SegmentPath(dir, 17063, kLogSuffix)) == Bytes(a) + Bytes(b) + Bytes(c));
  CHECK(test::RecordOffsets(dir) == std::vector<int64_t>{17063, 17064, 17070, 17071, 17072, 17080});
  CHECK(EpochFile(dir) == "0\n2\n3 17063\n5 17080\n");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  CHECK((*w)->start_offset() == 17063);
  CHECK((*w)->next_offset() == 17081);
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("a verbatim batch behind the log end or overlapping it is refused naming both offsets") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  REQUIRE((*w)->AppendVerbatim(At(0, 3, 0)).ok());
  for (int64_t base : {0, 2}) {
    auto r = (*w)->AppendVerbatim(At(base, 3, 0));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    CHECK(r.status().message().find("offset " + std::to_string(base)) != std::string::npos);
    CHECK(r.status().message().find("log end offset 3") != std::string::npos);
  }
  CHECK((*w)->next_offset() == 3);
  CHECK(test::FileSize(SegmentPath(dir, 0, kLogSuffix)) == int64_t(At(0, 3, 0).size()));
}

TEST_CASE("a verbatim batch with a bad CRC is refused as corruption and nothing is written") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  std::vector<uint8_t> bad = At(5, 2, 1);
  bad.back() ^= 1;
  auto r = (*w)->AppendVerbatim(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message().find("offset 5") != std::string::npos);
  CHECK(test::FileSize(SegmentPath(dir, 0, kLogSuffix)) == 0);
  CHECK((*w)->next_offset() == 0);
  CHECK((*w)->leader_epochs().empty());
}

TEST_CASE("verbatim appends roll, index and list segments as normal appends do") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 1500;
  o.index_interval_bytes = 200;
  std::vector<int64_t> want;
  {
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    int64_t base = 0;
    for (int i = 0; i < 60; ++i) {
      REQUIRE((*w)->AppendVerbatim(At(base, 3, i / 20)).ok());
      for (int k = 0; k < 3; ++k) want.push_back(base + k);
      base += 3 + (i % 4);  // gaps of 0..3 offsets, as compaction leaves
    }
    REQUIRE((*w)->Close().ok());
  }
  auto segs = ListSegments(dir);
  REQUIRE(segs.ok());
  CHECK(segs->size() > 3);
  CHECK(test::RecordOffsets(dir) == want);
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
  auto r = LogReader::Open(dir);
  REQUIRE(r.ok());
  for (int64_t offset : {want[10], want[100], want[150]}) {
    REQUIRE((*r)->Seek(offset).ok());
    auto chunk = (*r)->Next(1);
    REQUIRE(chunk.ok());
    BatchHeader h;
    REQUIRE(ParseBatchHeader(*chunk, &h).ok());
    CHECK(h.base_offset <= offset);
    CHECK(h.last_offset() >= offset);
  }
  CHECK(EpochFile(dir) ==
        "0\n3\n0 0\n1 " + std::to_string(want[60]) + "\n2 " + std::to_string(want[120]) + "\n");
}

TEST_CASE("a gap past the reach of the segment's index rolls to a segment named after the batch") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  int64_t far = int64_t(3) << 31;
  {
    auto w = LogWriter::Open(dir, test::Quiet());
    REQUIRE(w.ok());
    REQUIRE((*w)->AppendVerbatim(At(0, 2, 0)).ok());
    auto r = (*w)->AppendVerbatim(At(far, 2, 0));
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK((*w)->next_offset() == far + 2);
  }
  CHECK(std::filesystem::exists(SegmentPath(dir, far, kLogSuffix)));
  CHECK(test::RecordOffsets(dir) == std::vector<int64_t>{0, 1, far, far + 1});
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("RollAt seals the segment and names the next after the given offset") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  std::vector<uint8_t> a = At(100, 2, 0), b = At(150, 1, 0);
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  REQUIRE((*w)->RollAt(100).ok());  // an empty log starts there
  CHECK((*w)->start_offset() == 100);
  REQUIRE((*w)->RollAt(100).ok());  // already named so: nothing
  REQUIRE((*w)->AppendVerbatim(a).ok());
  Status behind = (*w)->RollAt(101);
  CHECK(behind.code() == klog::Status::Code::kInvalidArgument);
  CHECK(behind.message().find("below the log end offset 102") != std::string::npos);
  REQUIRE((*w)->RollAt(150).ok());
  Status empty = (*w)->RollAt(160);  // the new active segment is empty
  CHECK(empty.code() == klog::Status::Code::kInvalidArgument);
  REQUIRE((*w)->AppendVerbatim(b).ok());
  REQUIRE((*w)->Close().ok());
  CHECK(ListSegments(dir).value() == std::vector<int64_t>{100, 150});
  CHECK(test::Slurp(SegmentPath(dir, 100, kLogSuffix)) == Bytes(a));
  CHECK(ReadDigest(SegmentPath(dir, 100, kLogSuffix)).ok());
  CHECK(test::RecordOffsets(dir) == std::vector<int64_t>{100, 101, 150});
  Status v = test::Verify(dir);
  CHECK_MESSAGE(v.ok(), v.ToString());
}

TEST_CASE("ResetEmptyTo refuses a log that holds batches") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  REQUIRE((*w)->AppendVerbatim(At(0, 1, 0)).ok());
  Status st = (*w)->ResetEmptyTo(100);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK((*w)->next_offset() == 1);
}

TEST_CASE("ResetEmptyTo killed at every step leaves the old or the new empty log") {
  for (const char* step :
       {"reset-list", "reset-start", "reset-epochs", "reset-unlink", "reset-rename", "none"}) {
    INFO("step " << step);
    TempDir d;
    std::string dir = d.Sub("t-0");
    pid_t pid = test::Fork([&] {
      LogOptions o = test::Quiet();
      o.step_hook = [&](std::string_view s) {
        if (s == step) _exit(9);
      };
      auto w = LogWriter::Open(dir, o);
      return w.ok() && (*w)->ResetEmptyTo(500).ok();
    });
    int rc = test::Wait(pid);
    REQUIRE((rc == 9 || (rc == 0 && std::string(step) == "none")));
    std::vector<std::string> warnings;
    auto w = LogWriter::Open(dir, test::Quiet(&warnings));
    REQUIRE_MESSAGE(w.ok(), w.status().ToString());
    CHECK(warnings.empty());
    int64_t start = (*w)->start_offset();
    CHECK((start == 0 || start == 500));
    CHECK((*w)->next_offset() == start);
    REQUIRE((*w)->AppendVerbatim(At(start + 7, 2, 1)).ok());
    REQUIRE((*w)->Close().ok());
    CHECK(test::RecordOffsets(dir) == std::vector<int64_t>{start + 7, start + 8});
    Status v = test::Verify(dir);
    CHECK_MESSAGE(v.ok(), v.ToString());
  }
}

TEST_CASE("Append stamps epoch 0 by default and the epoch set by SetLeaderEpoch") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  CHECK((*w)->WouldWriteEpoch());
  std::vector<uint8_t> first = test::MakeBatch(0, 2, 1000);
  std::vector<uint8_t> before = first;
  REQUIRE((*w)->Append(first).ok());
  CHECK(first == before);  // producers send epoch 0 and base offset 0: unchanged
  CHECK_FALSE((*w)->WouldWriteEpoch());
  REQUIRE((*w)->SetLeaderEpoch(7).ok());
  CHECK((*w)->leader_epoch() == 7);
  std::vector<uint8_t> second = test::MakeBatch(0, 2, 1000);
  REQUIRE((*w)->Append(second).ok());
  CHECK(GetBE32(second.data() + batch::kLeaderEpochPos) == 7);
  CHECK(BatchCrcOk(second));
  CHECK((*w)->leader_epochs() == std::vector<LeaderEpochEntry>{{0, 0}, {7, 2}});
  CHECK(EpochFile(dir) == "0\n2\n0 0\n7 2\n");
}

TEST_CASE("the epoch checkpoint is rebuilt from the batches when deleted or damaged") {
  for (const char* damage : {"delete", "garbage", "out of order", "past the end"}) {
    INFO(damage);
    TempDir d;
    std::string dir = d.Sub("t-0");
    {
      auto w = LogWriter::Open(dir, test::Quiet());
      REQUIRE(w.ok());
      REQUIRE((*w)->AppendVerbatim(At(0, 3, 1)).ok());
      REQUIRE((*w)->AppendVerbatim(At(3, 3, 4)).ok());
      REQUIRE((*w)->AppendVerbatim(At(6, 3, 4)).ok());
    }
    std::string path = dir + "/" + std::string(kLeaderEpochCheckpointName);
    std::string want = "0\n2\n1 0\n4 3\n";
    REQUIRE(test::Slurp(path) == want);
    std::string d2 = damage;
    if (d2 == "delete") std::filesystem::remove(path);
    if (d2 == "garbage") test::Spit(path, "0\n2\n1 0\n");
    if (d2 == "out of order") test::Spit(path, "0\n2\n4 0\n1 3\n");
    if (d2 == "past the end") test::Spit(path, "0\n3\n1 0\n4 3\n9 20\n");
    std::vector<std::string> warnings;
    auto w = LogWriter::Open(dir, test::Quiet(&warnings));
    REQUIRE(w.ok());
    CHECK((*w)->leader_epochs() == std::vector<LeaderEpochEntry>{{1, 0}, {4, 3}});
    CHECK(test::Slurp(path) == want);
    bool warned = !warnings.empty() && warnings[0].find(path) != std::string::npos;
    CHECK(warned == (d2 == "garbage" || d2 == "out of order"));
  }
}

TEST_CASE("EndOffsetForEpoch answers as Kafka's OffsetForLeaderEpoch") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  CHECK((*w)->EndOffsetForEpoch(0) == EpochEndOffset{-1, -1});
  REQUIRE((*w)->ResetEmptyTo(5).ok());
  REQUIRE((*w)->AppendVerbatim(At(5, 5, 2)).ok());
  REQUIRE((*w)->AppendVerbatim(At(10, 10, 4)).ok());
  REQUIRE((*w)->AppendVerbatim(At(20, 10, 6)).ok());
  auto at = [&](int32_t e) { return (*w)->EndOffsetForEpoch(e); };
  CHECK(at(6) == EpochEndOffset{6, 30});  // the latest: the log end
  CHECK(at(5) == EpochEndOffset{4, 20});  // unknown in between: the floor epoch
  CHECK(at(4) == EpochEndOffset{4, 20});
  CHECK(at(2) == EpochEndOffset{2, 10});
  CHECK(at(1) == EpochEndOffset{1, 5});    // below every entry: the first start
  CHECK(at(7) == EpochEndOffset{-1, -1});  // above the latest
  CHECK(at(-1) == EpochEndOffset{-1, -1});
}

TEST_CASE("TruncateBefore moves the epoch covering the new start to it") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  REQUIRE((*w)->AppendVerbatim(At(0, 5, 1)).ok());
  REQUIRE((*w)->AppendVerbatim(At(5, 5, 2)).ok());
  REQUIRE((*w)->AppendVerbatim(At(10, 5, 3)).ok());
  RetentionResult res;
  REQUIRE((*w)->TruncateBefore(7, &res).ok());
  CHECK((*w)->leader_epochs() == std::vector<LeaderEpochEntry>{{2, 7}, {3, 10}});
  CHECK(EpochFile(dir) == "0\n2\n2 7\n3 10\n");
}

}  // namespace
}  // namespace klog
