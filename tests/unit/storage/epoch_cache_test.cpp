// The leader epoch cache's one end-offset computation (EndOffsetForEpoch,
// storage/epoch_cache.h), which the broker's Fetch and OffsetForLeaderEpoch
// share with LogWriter, and the writer going on in the latest cached epoch
// after a reopen.
#include <doctest/doctest.h>

#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/segment.h"
#include "storage/epoch_cache.h"
#include "storage_test_util.h"

namespace klog {
namespace {

const std::vector<LeaderEpochEntry> kEntries = {{2, 5}, {4, 10}, {6, 20}};

EpochEndOffset At(int32_t epoch) { return EndOffsetForEpoch(kEntries, epoch, 30); }

TEST_CASE("EndOffsetForEpoch: the latest epoch ends at the log end") {
  CHECK(At(6) == EpochEndOffset{6, 30});
}

TEST_CASE("EndOffsetForEpoch: an older epoch ends where the next cached one starts") {
  CHECK(At(4) == EpochEndOffset{4, 20});
  CHECK(At(2) == EpochEndOffset{2, 10});
}

TEST_CASE("EndOffsetForEpoch: an uncached epoch in between answers with the floor epoch") {
  CHECK(At(5) == EpochEndOffset{4, 20});
  CHECK(At(3) == EpochEndOffset{2, 10});
}

TEST_CASE("EndOffsetForEpoch: an epoch below every entry ends at the first start") {
  CHECK(At(1) == EpochEndOffset{1, 5});
  CHECK(At(0) == EpochEndOffset{0, 5});
}

TEST_CASE("EndOffsetForEpoch: above the latest, -1, or no entries is undefined") {
  CHECK(At(7) == EpochEndOffset{-1, -1});
  CHECK(At(-1) == EpochEndOffset{-1, -1});
  CHECK(EndOffsetForEpoch({}, 0, 30) == EpochEndOffset{-1, -1});
}

TEST_CASE("EndOffsetForEpoch and the cache's EndOffsetFor agree") {
  LeaderEpochCache cache;
  REQUIRE(cache.Reset(kEntries));
  for (int32_t e = -1; e <= 8; ++e) {
    CAPTURE(e);
    CHECK(cache.EndOffsetFor(e, 30) == At(e));
  }
}

TEST_CASE("a reopened writer stamps the latest cached epoch, never epoch 0 after it") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  {
    auto w = LogWriter::Open(dir, test::Quiet());
    REQUIRE(w.ok());
    std::vector<uint8_t> b = test::MakeBatch(0, 2, 1000);
    REQUIRE((*w)->Append(b).ok());
    REQUIRE((*w)->SetLeaderEpoch(4).ok());
    REQUIRE((*w)->Close().ok());
  }
  auto w = LogWriter::Open(dir, test::Quiet());  // LogOptions::leader_epoch is 0
  REQUIRE(w.ok());
  CHECK((*w)->leader_epoch() == 4);
  CHECK_FALSE((*w)->WouldWriteEpoch());  // epoch 4 is cached already
  std::vector<uint8_t> b = test::MakeBatch(0, 2, 1000);
  REQUIRE((*w)->Append(b).ok());
  CHECK(GetBE32(b.data() + batch::kLeaderEpochPos) == 4);
  CHECK((*w)->leader_epochs() == std::vector<LeaderEpochEntry>{{0, 0}, {4, 2}});
}

TEST_CASE("a writer opened with a higher epoch than the cache's keeps its own") {
  test::TempDir d;
  std::string dir = d.Sub("t-0");
  {
    auto w = LogWriter::Open(dir, test::Quiet());
    REQUIRE(w.ok());
    std::vector<uint8_t> b = test::MakeBatch(0, 2, 1000);
    REQUIRE((*w)->Append(b).ok());
  }
  LogOptions opts = test::Quiet();
  opts.leader_epoch = 9;
  auto w = LogWriter::Open(dir, opts);
  REQUIRE(w.ok());
  CHECK((*w)->leader_epoch() == 9);
}

}  // namespace
}  // namespace klog
