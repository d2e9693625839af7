// klog::replica::RemotePartition: what a copy from a broker does with the
// records a Fetch brings, without a broker: batches appended verbatim at their
// offsets, a batch cut short by the size limit left for the next fetch, a
// batch that fails its CRC refused with nothing after it appended, an empty
// copy started at the source's log start, a diverged copy truncated with a
// warning or refused.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../storage/storage_test_util.h"
#include "klog/log.h"
#include "klog/record.h"
#include "replica/remote_partition.h"

namespace klog::replica {
namespace {

using test::TempDir;

// Batches of 3 records each from `first` on, concatenated as a Fetch sends them.
std::vector<uint8_t> Records(int64_t first, int batches) {
  std::vector<uint8_t> out;
  for (int i = 0; i < batches; i++) {
    std::vector<uint8_t> b = test::MakeBatch(first + 3 * i, 3, 1'700'000'000'000 + i, 20);
    StampBatch(b, first + 3 * i);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

std::unique_ptr<RemotePartition> OpenCopy(const std::string& dir, const CopyOptions& opts,
                                          int64_t source_start, int64_t hw) {
  auto p = RemotePartition::Open("orders", 2, dir, test::Quiet(), opts);
  REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  bool diverged = true;
  REQUIRE(p.value()->SetSource(source_start, hw, &diverged).ok());
  CHECK_FALSE(diverged);
  return std::move(p.value());
}

TEST_CASE("fetched batches are appended at their offsets; a batch cut short waits") {
  TempDir d;
  CopyOptions opts;
  auto p = OpenCopy(d.Sub("orders-2"), opts, 0, 12);
  std::vector<uint8_t> recs = Records(0, 4);
  size_t three = recs.size() / 4 * 3;
  REQUIRE(p->Append(std::span<const uint8_t>(recs).first(three + 20)).ok());
  CHECK(p->next_offset() == 9);
  CHECK_FALSE(p->done());
  CHECK(p->NextFetch(1 << 20).fetch_offset == 9);
  REQUIRE(p->Append(std::span<const uint8_t>(recs).subspan(three)).ok());
  CHECK(p->done());
  REQUIRE(p->Finish().ok());
  CHECK(p->stats().batches == 4);
  CHECK(p->stats().bytes == int64_t(recs.size()));
  CHECK(p->stats().end_offset == 12);
}

TEST_CASE(
    "a batch that fails its CRC is an error naming the offset; nothing after it is appended") {
  TempDir d;
  CopyOptions opts;
  auto p = OpenCopy(d.Sub("orders-2"), opts, 0, 12);
  std::vector<uint8_t> recs = Records(0, 4);
  size_t one = recs.size() / 4;
  recs[one + one - 5] ^= 0x40;  // a record byte of the second batch
  Status st = p->Append(recs);
  CHECK(st.IsCorruption());
  CHECK_MESSAGE(st.ToString().find("topic orders partition 2 offset 3: fetched batch fails its "
                                   "CRC-32C") != std::string::npos,
                st.ToString());
  CHECK(p->next_offset() == 3);
  REQUIRE(p->Finish().ok());
}

TEST_CASE("an empty copy starts at the source's log start, with the source's gap") {
  TempDir d;
  CopyOptions opts;
  auto p = OpenCopy(d.Sub("orders-2"), opts, 100, 112);
  CHECK(p->NextFetch(1 << 20).fetch_offset == 100);
  std::vector<uint8_t> recs = Records(106, 2);  // compaction left nothing in 100-105
  REQUIRE(p->Append(recs).ok());
  REQUIRE(p->Finish().ok());
  CHECK(p->stats().start_offset == 100);
  CHECK(p->stats().end_offset == 112);
}

TEST_CASE("a diverged copy is truncated with a warning, or refused with truncation off") {
  TempDir d;
  std::vector<std::string> warnings;
  CopyOptions opts;
  opts.warn = [&](const std::string& m) { warnings.push_back(m); };
  {
    auto p = OpenCopy(d.Sub("orders-2"), opts, 0, 12);
    REQUIRE(p->Append(Records(0, 4)).ok());
    REQUIRE(p->Finish().ok());
  }
  CopyOptions refuse = opts;
  refuse.truncate = false;
  {
    auto p = OpenCopy(d.Sub("orders-2"), refuse, 0, 12);
    Status st = p->Diverged(6, "the source's epoch 0 ends at 6");
    CHECK_MESSAGE(st.ToString().find("diverges from the source at offset 6") != std::string::npos,
                  st.ToString());
    CHECK(p->next_offset() == 12);
    REQUIRE(p->Finish().ok());
  }
  CHECK(warnings.empty());
  auto p = OpenCopy(d.Sub("orders-2"), opts, 0, 12);
  REQUIRE(p->Diverged(6, "the source's epoch 0 ends at 6").ok());
  CHECK(p->next_offset() == 6);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("topic orders partition 2") != std::string::npos);
  CHECK(warnings[0].find("from offset 12 to 6") != std::string::npos);
  REQUIRE(p->Finish().ok());
}

}  // namespace
}  // namespace klog::replica
