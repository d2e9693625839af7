// Recovery on LogWriter::Open: torn tails, flipped bits, checkpoints, index
// rebuilding and leftovers of a crash during a roll.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "klog/segment.h"
#include "storage_test_util.h"

namespace klog {

using test::MakeBatch;
using test::TempDir;

namespace {

bool Contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Appends batches of `per` records until `batches` are written; returns the
// .log size before each batch (plus the final size).
std::vector<int64_t> Fill(const std::string& dir, const LogOptions& o, int batches, int per,
                          size_t pad = 10) {
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  std::vector<int64_t> sizes;
  for (int i = 0; i < batches; ++i) {
    sizes.push_back(test::FileSize(SegmentPath(dir, 0, kLogSuffix)));
    auto b = MakeBatch((*w)->next_offset(), per, 1000 + i, pad);
    REQUIRE((*w)->Append(b).ok());
  }
  sizes.push_back(test::FileSize(SegmentPath(dir, 0, kLogSuffix)));
  REQUIRE((*w)->Close().ok());
  return sizes;
}

void FlipBit(const std::string& path, int64_t pos) {
  std::string data = test::Slurp(path);
  REQUIRE(pos < int64_t(data.size()));
  data[size_t(pos)] ^= 0x10;
  test::Spit(path, data);
}

void CopyDir(const std::string& from, const std::string& to) {
  std::filesystem::remove_all(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

}  // namespace

TEST_CASE("torn tail cut at every byte of the last batch is truncated") {
  TempDir d;
  std::string pristine = d.Sub("pristine");
  std::vector<int64_t> sizes = Fill(pristine, test::Quiet(), 3, 2);
  int64_t start = sizes[2], end = sizes[3];
  REQUIRE(end - start > 61);
  std::string dir = d.Sub("t-0");
  std::string log = SegmentPath(dir, 0, kLogSuffix);
  for (int64_t cut = start + 1; cut < end; ++cut) {
    CAPTURE(cut);
    CopyDir(pristine, dir);
    std::filesystem::resize_file(log, uintmax_t(cut));
    std::vector<std::string> warnings;
    auto w = LogWriter::Open(dir, test::Quiet(&warnings));
    REQUIRE(w.ok());
    REQUIRE(warnings.size() >= 1);
    CHECK(warnings[0] == log + ": truncated torn tail at pos " + std::to_string(start) + " (" +
                             std::to_string(cut - start) + " bytes)");
    CHECK(test::FileSize(log) == start);
    CHECK((*w)->next_offset() == 4);
    auto b = MakeBatch(4, 1, 5000);
    auto off = (*w)->Append(b);
    REQUIRE(off.ok());
    CHECK(*off == 4);
    REQUIRE((*w)->Close().ok());
    std::vector<test::Rec> recs;
    REQUIRE(test::ReadAll(dir, &recs).ok());
    REQUIRE(recs.size() == 5);
    CHECK(recs[3].value == test::ValueFor(3, 10));
    CHECK(recs[4].offset == 4);
    CHECK(recs[4].value == test::ValueFor(4));
  }
}

TEST_CASE("a flipped bit in the last batch of the active segment is truncated") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  std::vector<int64_t> sizes = Fill(dir, test::Quiet(), 4, 3);
  std::string log = SegmentPath(dir, 0, kLogSuffix);
  FlipBit(log, sizes[3] + 70);
  std::filesystem::remove(dir + "/klog.checkpoint");
  std::vector<std::string> warnings;
  auto w = LogWriter::Open(dir, test::Quiet(&warnings));
  REQUIRE(w.ok());
  CHECK(Contains(warnings, log + ": truncated torn tail at pos " + std::to_string(sizes[3])));
  CHECK((*w)->next_offset() == 9);
  CHECK(test::FileSize(log) == sizes[3]);
}

TEST_CASE("a clean checkpoint skips the scan; without it the active segment is validated") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  std::vector<int64_t> sizes = Fill(dir, test::Quiet(), 5, 2);
  std::string log = SegmentPath(dir, 0, kLogSuffix);
  std::string cp = dir + "/klog.checkpoint";
  REQUIRE(std::filesystem::exists(cp));
  FlipBit(log, sizes[1] + 70);  // inside batch 1 of 5: only a scan notices
  std::string saved_cp = test::Slurp(cp);
  {
    std::vector<std::string> warnings;
    auto w = LogWriter::Open(dir, test::Quiet(&warnings));
    REQUIRE(w.ok());
    CHECK(warnings.empty());
    CHECK((*w)->next_offset() == 10);
    CHECK_FALSE(std::filesystem::exists(cp));  // a crash from here on is not "clean"
    // The reader still refuses the bad batch, naming file and position.
    auto r = LogReader::Open(dir);
    REQUIRE(r.ok());
    auto first = (*r)->Next(1);
    REQUIRE(first.ok());
    auto second = (*r)->Next(1);
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().IsCorruption());
    CHECK(second.status().message() ==
          log + " pos " + std::to_string(sizes[1]) + ": checksum mismatch");
    REQUIRE((*w)->Close().ok());
  }
  // A torn checkpoint (as a crash during Close could leave) is ignored.
  REQUIRE(test::Slurp(cp) == saved_cp);
  test::Spit(cp, saved_cp.substr(0, saved_cp.size() / 2));
  std::vector<std::string> warnings;
  auto w = LogWriter::Open(dir, test::Quiet(&warnings));
  REQUIRE(w.ok());
  CHECK(Contains(warnings, log + ": truncated torn tail at pos " + std::to_string(sizes[1]) + " (" +
                               std::to_string(sizes[5] - sizes[1]) + " bytes)"));
  CHECK((*w)->next_offset() == 2);
}

TEST_CASE("a flipped bit in a sealed segment is corruption naming file and position") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 600;
  {
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    for (int i = 0; i < 20; ++i) {
      auto b = MakeBatch((*w)->next_offset(), 2, 1000 + i);
      REQUIRE((*w)->Append(b).ok());
    }
  }
  auto segs = ListSegments(dir);
  REQUIRE(segs->size() >= 3);
  std::string log = SegmentPath(dir, 0, kLogSuffix);
  int64_t second_batch = -1, end = 0;
  REQUIRE(ScanSegment(
              log, 0,
              [&](const BatchInfo& b, std::span<const uint8_t>) {
                if (b.position > 0 && second_batch < 0) second_batch = b.position;
                return true;
              },
              &end)
              .ok());
  FlipBit(log, second_batch + 65);
  std::string where = log + " pos " + std::to_string(second_batch) + ": checksum mismatch";

  std::vector<test::Rec> recs;
  Status st = test::ReadAll(dir, &recs);
  CHECK(st.IsCorruption());
  CHECK(st.message() == where);
  CHECK(recs.size() == 2);  // the batch before it was delivered

  // Open does not scan sealed segments, but rebuilding a lost index does.
  CHECK(LogWriter::Open(dir, o).ok());
  std::filesystem::remove(SegmentPath(dir, 0, kIndexSuffix));
  auto w = LogWriter::Open(dir, o);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().IsCorruption());
  CHECK(w.status().message() == where);
}

TEST_CASE("missing or damaged indexes are rebuilt identical to the originals") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 3000;
  o.index_interval_bytes = 250;
  {
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    for (int i = 0; i < 120; ++i) {
      auto b = MakeBatch((*w)->next_offset(), 1 + i % 3, 1000 + 7 * i, 15);
      REQUIRE((*w)->Append(b).ok());
    }
    REQUIRE((*w)->Close().ok());
  }
  auto segs = *ListSegments(dir);
  REQUIRE(segs.size() >= 5);
  std::map<std::string, std::string> originals;
  for (int64_t base : segs) {
    for (auto suffix : {kIndexSuffix, kTimeIndexSuffix}) {
      std::string p = SegmentPath(dir, base, suffix);
      originals[p] = test::Slurp(p);
      if (base != segs.back()) CHECK(originals[p].size() > 0);
    }
  }
  std::string active = SegmentPath(dir, segs.back(), kIndexSuffix);
  std::filesystem::remove(SegmentPath(dir, segs[0], kIndexSuffix));
  test::Spit(SegmentPath(dir, segs[1], kTimeIndexSuffix), "short");
  test::Spit(SegmentPath(dir, segs[2], kIndexSuffix),
             originals[SegmentPath(dir, segs[2], kIndexSuffix)] +
                 std::string("\x00\x00\x7f\x00\x00\x7f\xff\x00", 8));  // past the end
  std::string newest_sealed = SegmentPath(dir, segs[segs.size() - 2], kIndexSuffix);
  std::string swapped = originals[newest_sealed];
  REQUIRE(swapped.size() >= 16);
  std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
  test::Spit(newest_sealed, swapped);  // entries out of order
  std::filesystem::remove(active);
  std::vector<std::string> warnings;
  auto w = LogWriter::Open(dir, o);
  REQUIRE(w.ok());
  REQUIRE((*w)->Close().ok());
  for (const auto& [path, bytes] : originals) {
    CAPTURE(path);
    CHECK(test::Slurp(path) == bytes);
  }
  // The damaged active index also goes through the no-checkpoint path.
  test::Spit(active, "xyz");
  std::filesystem::remove(dir + "/klog.checkpoint");
  o.warn = [&](const std::string& m) { warnings.push_back(m); };
  auto w2 = LogWriter::Open(dir, o);
  REQUIRE(w2.ok());
  CHECK(Contains(warnings, active + ": rebuilt"));
  CHECK(originals[active].size() >= 2 * kIndexEntrySize);  // the test is not vacuous
  CHECK(test::Slurp(active) == originals[active]);
}

TEST_CASE("a leftover empty segment and a lost digest from a crash during a roll") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  LogOptions o = test::Quiet();
  o.segment_bytes = 500;
  {
    auto w = LogWriter::Open(dir, o);
    REQUIRE(w.ok());
    for (int i = 0; i < 10; ++i) {
      auto b = MakeBatch((*w)->next_offset(), 2, 1000 + i);
      REQUIRE((*w)->Append(b).ok());
    }
    REQUIRE((*w)->Close().ok());
  }
  auto segs = *ListSegments(dir);
  int64_t last = segs.back();
  std::string last_log = SegmentPath(dir, last, kLogSuffix);
  // The crash: a roll created the next segment, but the sealed one's digest
  // never reached the disk.
  std::filesystem::remove(dir + "/klog.checkpoint");
  test::Spit(SegmentPath(dir, 20, kLogSuffix), "");
  std::vector<std::string> warnings;
  auto w = LogWriter::Open(dir, test::Quiet(&warnings));
  REQUIRE(w.ok());
  CHECK((*w)->next_offset() == 20);
  CHECK(Contains(warnings,
                 SegmentPath(dir, last, kDigestSuffix) + ": missing or torn digest, recomputed"));
  auto digest = ReadDigest(last_log);
  REQUIRE(digest.ok());
  CHECK(digest->xxh3 == ComputeDigest(last_log)->xxh3);
  auto b = MakeBatch(20, 2, 2000);
  auto off = (*w)->Append(b);
  REQUIRE(off.ok());
  CHECK(*off == 20);
  REQUIRE((*w)->Close().ok());
  std::vector<test::Rec> recs;
  REQUIRE(test::ReadAll(dir, &recs).ok());
  REQUIRE(recs.size() == 22);
  for (size_t i = 0; i < recs.size(); ++i) CHECK(recs[i].offset == int64_t(i));
}

TEST_CASE("a stale digest beside the active segment is removed on open") {
  TempDir d;
  std::string dir = d.Sub("t-0");
  Fill(dir, test::Quiet(), 2, 2);
  std::string log = SegmentPath(dir, 0, kLogSuffix);
  REQUIRE(WriteDigest(log, *ComputeDigest(log)).ok());
  auto w = LogWriter::Open(dir, test::Quiet());
  REQUIRE(w.ok());
  CHECK(ReadDigest(log).status().IsNotFound());
}

}  // namespace klog
