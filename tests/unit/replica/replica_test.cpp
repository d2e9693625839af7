// klog::replica: a local copy is the source's log byte for byte (same
// offsets, same sealed segment files, same log start), resumes where it
// stopped, and is cut back to where it first differs when the source was
// rewritten; the comparison names the first offset where two logs differ.
#include <doctest/doctest.h>

#include <filesystem>

#include "../storage/storage_test_util.h"
#include "klog/segment.h"
#include "replica/compare.h"
#include "replica/local_copy.h"

namespace klog::replica {
namespace {

using test::TempDir;

// A source log whose segments hold a few batches each.
LogOptions SmallSegments() {
  LogOptions o = test::Quiet();
  o.segment_bytes = 700;
  return o;
}

// Appends `batches` batches of 3 records to the log in `dir`.
void Fill(const std::string& dir, int batches, int32_t epoch = 0) {
  auto w = LogWriter::Open(dir, SmallSegments());
  REQUIRE(w.ok());
  if (epoch > 0) REQUIRE((*w)->SetLeaderEpoch(epoch).ok());
  for (int i = 0; i < batches; i++) {
    std::vector<uint8_t> b = test::MakeBatch((*w)->next_offset(), 3, 1'700'000'000'000 + i, 40);
    REQUIRE((*w)->Append(b).ok());
  }
  REQUIRE((*w)->Close().ok());
}

CopyStats Copy(const std::string& src, const std::string& dst, CopyOptions opts = {}) {
  CopyStats stats;
  Status st = CopyPartitionLog(src, dst, opts, &stats);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  return stats;
}

CompareResult Compare(const std::string& a, const std::string& b) {
  auto r = ComparePartitionLogs(a, b);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return r.value();
}

// Every sealed segment of `src` is the same file in `dst`, digest included.
void CheckSealedSegmentsIdentical(const std::string& src, const std::string& dst) {
  auto segs = ListSegments(src);
  REQUIRE(segs.ok());
  REQUIRE(segs->size() > 2);
  CHECK(ListSegments(dst).value() == segs.value());
  for (size_t i = 0; i + 1 < segs->size(); i++) {
    std::string name = OffsetFileStem((*segs)[i]);
    CHECK_MESSAGE(test::Slurp(SegmentPath(src, (*segs)[i], kLogSuffix)) ==
                      test::Slurp(SegmentPath(dst, (*segs)[i], kLogSuffix)),
                  name);
    CHECK(test::Slurp(SegmentPath(src, (*segs)[i], kDigestSuffix)) ==
          test::Slurp(SegmentPath(dst, (*segs)[i], kDigestSuffix)));
  }
}

TEST_CASE("a copy has the same segments, bytes, offsets and log start as its source") {
  TempDir d;
  std::string src = d.Sub("s-0"), dst = d.Sub("c-0");
  Fill(src, 40);
  {
    auto w = LogWriter::Open(src, SmallSegments());
    REQUIRE(w.ok());
    RetentionResult r;
    REQUIRE((*w)->TruncateBefore(13, &r).ok());  // DeleteRecords: mid-segment
    REQUIRE((*w)->Close().ok());
  }
  CopyStats stats = Copy(src, dst);
  CHECK(stats.batches > 30);
  CHECK(stats.start_offset == 13);
  CHECK(stats.end_offset == 120);
  CHECK(test::RecordOffsets(dst) == test::RecordOffsets(src));
  CompareResult c = Compare(src, dst);
  CHECK_MESSAGE(c.equal, c.reason);
  CHECK(c.segments_by_digest > 0);
  // The first source segment begins below the log start, so it is the one
  // segment whose bytes the copy cannot have; every later one is the same.
  auto segs = ListSegments(src).value();
  for (size_t i = 1; i + 1 < segs.size(); i++) {
    CHECK(test::Slurp(SegmentPath(src, segs[i], kLogSuffix)) ==
          test::Slurp(SegmentPath(dst, segs[i], kLogSuffix)));
  }
}

TEST_CASE("a second copy of an unchanged source copies nothing; new batches are copied once") {
  TempDir d;
  std::string src = d.Sub("s-0"), dst = d.Sub("c-0");
  Fill(src, 30);
  CHECK(Copy(src, dst).batches == 30);
  CHECK(Copy(src, dst).batches == 0);
  Fill(src, 7);
  CopyStats again = Copy(src, dst);
  CHECK(again.batches == 7);
  CHECK(again.end_offset == 111);
  CheckSealedSegmentsIdentical(src, dst);
  CHECK(Compare(src, dst).equal);
}

TEST_CASE("a source with offset gaps and a log start past the copy's end is followed") {
  TempDir d;
  std::string src = d.Sub("s-0"), dst = d.Sub("c-0");
  Fill(src, 10);
  Copy(src, dst);
  {  // the source loses everything the copy has, and goes on after a gap
    auto w = LogWriter::Open(src, SmallSegments());
    REQUIRE(w.ok());
    REQUIRE((*w)->RollAt(500).ok());
    RetentionResult r;
    REQUIRE((*w)->TruncateBefore(500, &r).ok());
    std::vector<uint8_t> b = test::MakeBatch(0, 2, 1'700'000'000'000);
    StampBatch(b, 520, 0);
    REQUIRE((*w)->AppendVerbatim(b).ok());
    REQUIRE((*w)->Close().ok());
  }
  CopyStats stats = Copy(src, dst);
  CHECK(stats.start_offset == 500);
  CHECK(stats.end_offset == 522);
  CHECK(test::RecordOffsets(dst) == std::vector<int64_t>{520, 521});
  CHECK(Compare(src, dst).equal);
}

// Cuts the source back to `offset` and appends `batches` batches in `epoch`,
// as a new leader that never had the old suffix would.
void Rewrite(const std::string& src, int64_t offset, int batches, int32_t epoch) {
  {
    auto w = LogWriter::Open(src, SmallSegments());
    REQUIRE(w.ok());
    REQUIRE((*w)->TruncateTo(offset).ok());
    REQUIRE((*w)->Close().ok());
  }
  Fill(src, batches, epoch);
}

TEST_CASE("a copy of a rewritten source is truncated to the divergence and copied again") {
  TempDir d;
  std::string src = d.Sub("s-0"), dst = d.Sub("c-0");
  Fill(src, 30);
  Copy(src, dst);
  Rewrite(src, 45, 10, 4);
  CompareResult before = Compare(src, dst);
  CHECK_FALSE(before.equal);
  CHECK(before.first_difference == 45);
  std::vector<std::string> warnings;
  CopyOptions opts;
  opts.warn = [&](const std::string& w) { warnings.push_back(w); };
  CopyStats stats = Copy(src, dst, opts);
  CHECK(stats.truncated_to == 45);
  CHECK(stats.batches == 10);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("diverges") != std::string::npos);
  CHECK(warnings[0].find("offset 45") != std::string::npos);
  CHECK(Compare(src, dst).equal);
  CHECK(test::RecordOffsets(dst) == test::RecordOffsets(src));
}

TEST_CASE("with truncation refused, a diverged copy is an error and stays as it was") {
  TempDir d;
  std::string src = d.Sub("s-0"), dst = d.Sub("c-0");
  Fill(src, 20);
  Copy(src, dst);
  Rewrite(src, 30, 3, 2);
  std::vector<int64_t> kept = test::RecordOffsets(dst);
  CopyOptions opts;
  opts.truncate = false;
  CopyStats stats;
  Status st = CopyPartitionLog(src, dst, opts, &stats);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message().find("at offset 30") != std::string::npos);
  CHECK(st.message().find("--no-truncate") != std::string::npos);
  CHECK(test::RecordOffsets(dst) == kept);
}

TEST_CASE("compare names the first batch that differs, a shorter log and a later start") {
  TempDir d;
  std::string a = d.Sub("a-0"), b = d.Sub("b-0");
  Fill(a, 20);
  Copy(a, b);
  CHECK(Compare(a, b).equal);
  Rewrite(b, 33, 5, 0);  // same offsets, other bytes: timestamps differ
  CompareResult crc = Compare(a, b);
  CHECK_FALSE(crc.equal);
  CHECK(crc.first_difference == 33);
  CHECK(crc.reason.find("CRC") != std::string::npos);
  Rewrite(b, 33, 0, 0);
  CompareResult shorter = Compare(a, b);
  CHECK(shorter.first_difference == 33);
  CHECK(shorter.reason.find("ends before offset 33") != std::string::npos);
  {
    auto w = LogWriter::Open(b, SmallSegments());
    REQUIRE(w.ok());
    RetentionResult r;
    REQUIRE((*w)->TruncateBefore(9, &r).ok());
    REQUIRE((*w)->Close().ok());
  }
  CompareResult start = Compare(a, b);
  CHECK(start.first_difference == 0);
  CHECK(start.reason == "log start offsets 0 vs 9");
}

}  // namespace
}  // namespace klog::replica
