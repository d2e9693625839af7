// RecordIterator on malformed input: every failure is a Corruption naming the
// record, never a crash or a read outside the batch (run under ASan to see).
#include <doctest/doctest.h>

#include <string>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/record.h"
#include "record_test_util.h"

namespace klog {
namespace {

using testing::Copy;
using testing::OwnedRecord;
using testing::ReadAll;

std::vector<uint8_t> SmallBatch(Compression c = Compression::kNone) {
  BatchBuilder b;
  b.Reset(1700000000000);
  BatchBuilder::Header hs[] = {{"h", "v"}, {"n", std::nullopt}};
  b.Add("k1", "hello", hs);
  b.Add(std::nullopt, std::nullopt, {}, 1700000000007);
  b.Add("k3", "", {});
  auto batch = b.Finish(c);
  REQUIRE(batch.ok());
  return Copy(*batch);
}

// Rewrites RecordsCount and LastOffsetDelta (and the CRC, to show the CRC is
// not what catches it).
void SetCount(std::vector<uint8_t>* b, int32_t count) {
  PutBE32(b->data() + batch::kRecordsCountPos, uint32_t(count));
  PutBE32(b->data() + batch::kLastOffsetDeltaPos, uint32_t(count - 1));
  PutBE32(b->data() + batch::kCrcPos,
          Crc32c(b->data() + batch::kCrcStart, b->size() - batch::kCrcStart));
}

TEST_CASE("count larger than the records present names the shortfall") {
  auto b = SmallBatch();
  SetCount(&b, 4);
  std::vector<OwnedRecord> recs;
  Status st = ReadAll(b, &recs);
  CHECK(st.IsCorruption());
  CHECK(recs.size() == 3);
  CHECK(st.message() == "batch says 4 records but its data ends after 3");
}

TEST_CASE("bytes after the last counted record are corruption") {
  auto b = SmallBatch();
  PutBE32(b.data() + batch::kRecordsCountPos, 2);  // lastOffsetDelta stays 2
  std::vector<OwnedRecord> recs;
  Status st = ReadAll(b, &recs);
  CHECK(st.IsCorruption());
  CHECK(recs.size() == 2);
  CHECK(st.message().find("follow record 1, the last of 2") != std::string::npos);
}

TEST_CASE("record length running past the batch names the record") {
  auto b = SmallBatch();
  b[batch::kHeaderSize] = 0x7e;  // first record claims 63 bytes... of a short batch
  std::vector<OwnedRecord> recs;
  Status st = ReadAll(b, &recs);
  CHECK(st.IsCorruption());
  CHECK(st.message().rfind("record 0: ", 0) == 0);
}

TEST_CASE("key length past the record end is caught inside the record") {
  auto b = SmallBatch();
  // Record 0: length, attributes, ts delta 0, offset delta 0, key length 2 ("k1").
  size_t key_len_pos = batch::kHeaderSize + 4;
  REQUIRE(b[key_len_pos] == 0x04);
  b[key_len_pos] = 0x7e;  // 63
  std::vector<OwnedRecord> recs;
  Status st = ReadAll(b, &recs);
  CHECK(st.message() == "record 0: key length runs past the record");
  b[key_len_pos] = 0x05;  // -3
  recs.clear();
  st = ReadAll(b, &recs);
  CHECK(st.message() == "record 0: key length is negative");
}

TEST_CASE("over-long varint in a record is corruption") {
  auto b = SmallBatch();
  std::vector<uint8_t> bad(b.begin(), b.begin() + batch::kHeaderSize);
  for (int i = 0; i < 6; ++i) bad.push_back(0x80);
  bad.push_back(0x00);
  SetBatchLength(bad);
  std::vector<OwnedRecord> recs;
  Status st = ReadAll(bad, &recs);
  CHECK(st.message() == "record 0: length varint is truncated or too long");
}

TEST_CASE("batch span shorter or longer than its length field is refused") {
  auto b = SmallBatch();
  RecordIterator it;
  CHECK(it.Reset(std::span<const uint8_t>(b.data(), b.size() - 1)).IsCorruption());
  b.push_back(0);
  CHECK(it.Reset(b).IsCorruption());
  RecordView r;
  CHECK_FALSE(it.Next(&r));
}

// Fuzz-ish: any single-byte change or cut must give records or Corruption.
void FuzzBatch(const std::vector<uint8_t>& good) {
  std::vector<OwnedRecord> recs;
  REQUIRE(ReadAll(good, &recs).ok());
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
      auto bad = good;
      bad[i] ^= mask;
      recs.clear();
      Status st = ReadAll(bad, &recs);
      CHECK((st.ok() || st.IsCorruption()));
      if (!st.ok()) CHECK(!st.message().empty());
    }
  }
  for (size_t cut = 0; cut < good.size(); ++cut) {
    auto part = std::vector<uint8_t>(good.begin(), good.begin() + cut);
    // Keep the length field consistent with the cut so the records get parsed.
    if (cut >= batch::kHeaderSize) SetBatchLength(part);
    recs.clear();
    Status st = ReadAll(part, &recs);
    CHECK(st.IsCorruption());
  }
}

TEST_CASE("flipping any byte or cutting at any length never crashes (uncompressed)") {
  FuzzBatch(SmallBatch());
}

TEST_CASE("flipping any byte or cutting at any length never crashes (compressed)") {
  for (Compression c :
       {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    CAPTURE(CompressionName(c));
    FuzzBatch(SmallBatch(c));
  }
}

TEST_CASE("iterator is reusable across batches") {
  auto a = SmallBatch(Compression::kZstd), b = SmallBatch();
  StampBatch(b, 100);
  RecordIterator it;
  RecordView r;
  REQUIRE(it.Reset(a).ok());
  int n = 0;
  while (it.Next(&r)) ++n;
  CHECK(n == 3);
  REQUIRE(it.Reset(b).ok());
  REQUIRE(it.Next(&r));
  CHECK(r.offset == 100);
  CHECK(r.key == "k1");
  REQUIRE(r.headers.size() == 2);
  CHECK(r.headers[0].key == "h");
  CHECK(r.headers[1].value == std::nullopt);
  REQUIRE(it.Next(&r));
  CHECK(r.offset == 101);
  CHECK(r.timestamp == 1700000000007);
  CHECK(r.key == std::nullopt);
  CHECK(r.value == std::nullopt);
}

}  // namespace
}  // namespace klog
