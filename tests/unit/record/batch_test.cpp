// BatchBuilder, batch header parsing, CRC and stamping (klog/record.h).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/record.h"
#include "record_test_util.h"

namespace klog {
namespace {

using testing::Copy;
using testing::FromHex;
using testing::OwnedRecord;
using testing::ReadAll;

constexpr int64_t kTs = 1700000000000;

// Appendix B of the protocol reference, checked there with kafka-python.
const char* kAppendixB =
    "0000000000000000 0000003a 00000000 02 bbcc4115 0000 00000000"
    "0000018bcfe56800 0000018bcfe56800 ffffffffffffffff ffff ffffffff 00000001"
    "10 00 00 00 01 04 6869 00";

TEST_CASE("one-record batch equals the reference worked example byte for byte") {
  BatchBuilder b;
  b.Reset(kTs);
  b.Add(std::nullopt, "hi");
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  CHECK(batch->size() == 70);
  CHECK(Copy(*batch) == FromHex(kAppendixB));
  CHECK(BatchCrcOk(*batch));
}

TEST_CASE("reference worked example parses and reads back") {
  auto bytes = FromHex(kAppendixB);
  BatchHeader h;
  REQUIRE(ParseBatchHeader(bytes, &h).ok());
  CHECK(h.base_offset == 0);
  CHECK(h.batch_length == 58);
  CHECK(h.magic == 2);
  CHECK(h.crc == 0xbbcc4115u);
  CHECK(h.size() == 70);
  CHECK(h.records_count == 1);
  CHECK(h.producer_id == -1);
  CHECK(h.compression() == Compression::kNone);
  std::vector<OwnedRecord> recs;
  REQUIRE(ReadAll(bytes, &recs).ok());
  REQUIRE(recs.size() == 1);
  CHECK(recs[0] == OwnedRecord{0, kTs, std::nullopt, "hi", {}});
}

TEST_CASE("null, empty and header-bearing records round-trip with their timestamps") {
  BatchBuilder b;
  b.Reset(kTs);
  BatchBuilder::Header hs[] = {{"h1", "x"}, {"nullh", std::nullopt}, {"", ""}};
  b.Add(std::nullopt, std::nullopt);
  b.Add("", "");
  b.Add("k", "v", hs, kTs + 5);
  b.Add("early", std::string(300, 'z'), {}, kTs - 1000);  // negative delta, 2-byte length
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  StampBatch(*batch, 1000, 7);
  CHECK(BatchCrcOk(*batch));  // stamping does not touch CRC-covered bytes

  BatchHeader h;
  REQUIRE(ParseBatchHeader(*batch, &h).ok());
  CHECK(h.base_offset == 1000);
  CHECK(h.leader_epoch == 7);
  CHECK(h.last_offset() == 1003);
  CHECK(h.base_timestamp == kTs);
  CHECK(h.max_timestamp == kTs + 5);

  std::vector<OwnedRecord> recs;
  REQUIRE(ReadAll(*batch, &recs).ok());
  REQUIRE(recs.size() == 4);
  CHECK(recs[0] == OwnedRecord{1000, kTs, std::nullopt, std::nullopt, {}});
  CHECK(recs[1] == OwnedRecord{1001, kTs, "", "", {}});
  CHECK(recs[2] ==
        OwnedRecord{1002, kTs + 5, "k", "v", {{"h1", "x"}, {"nullh", std::nullopt}, {"", ""}}});
  CHECK(recs[3] == OwnedRecord{1003, kTs - 1000, "early", std::string(300, 'z'), {}});
}

// The delta from the batch's first timestamp overflowed int64 (undefined
// behaviour; `make asan` stops on it, as does tests/fuzz/fuzz_record_batch's
// rebuild of such a batch). Timestamps come from users (klog-append --json)
// and from clients' batches.
TEST_CASE("timestamps at both ends of int64 in one batch round-trip") {
  BatchBuilder b;
  b.Reset(INT64_MIN);
  b.Add("min", "1", {}, INT64_MIN);
  b.Add("max", "2", {}, INT64_MAX);
  b.Add("zero", "3", {}, 0);
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  BatchHeader h;
  REQUIRE(ParseBatchHeader(*batch, &h).ok());
  CHECK(h.base_timestamp == INT64_MIN);
  CHECK(h.max_timestamp == INT64_MAX);
  std::vector<OwnedRecord> recs;
  REQUIRE(ReadAll(*batch, &recs).ok());
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].timestamp == INT64_MIN);
  CHECK(recs[1].timestamp == INT64_MAX);
  CHECK(recs[2].timestamp == 0);
}

TEST_CASE("log append time sets the attribute and records read the max timestamp") {
  BatchBuilder b;
  b.Reset(kTs);
  b.Add("a", "1");
  b.Add("b", "2", {}, kTs + 9);
  auto batch = b.Finish(Compression::kNone, true);
  REQUIRE(batch.ok());
  BatchHeader h;
  REQUIRE(ParseBatchHeader(*batch, &h).ok());
  CHECK(h.log_append_time());
  std::vector<OwnedRecord> recs;
  REQUIRE(ReadAll(*batch, &recs).ok());
  CHECK(recs[0].timestamp == kTs + 9);
}

TEST_CASE("builder reset starts a fresh batch and empty batches are refused") {
  BatchBuilder b;
  b.Reset(kTs);
  CHECK(b.empty());
  CHECK(b.size_estimate() == batch::kHeaderSize);
  CHECK(!b.Finish().ok());
  b.Add("x", "y");
  CHECK(b.count() == 1);
  b.Reset(kTs + 1);
  b.Add(std::nullopt, "hi");
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  BatchHeader h;
  REQUIRE(ParseBatchHeader(*batch, &h).ok());
  CHECK(h.records_count == 1);
  CHECK(h.base_timestamp == kTs + 1);
}

TEST_CASE("a corrupted byte under the CRC is detected") {
  auto bytes = FromHex(kAppendixB);
  for (size_t i = batch::kCrcStart; i < bytes.size(); ++i) {
    auto copy = bytes;
    copy[i] ^= 0x01;
    CHECK_FALSE(BatchCrcOk(copy));
  }
  auto copy = bytes;
  copy[3] ^= 0xff;  // BaseOffset is outside the CRC
  CHECK(BatchCrcOk(copy));
  CHECK_FALSE(BatchCrcOk(std::span<const uint8_t>(bytes.data(), 60)));
}

TEST_CASE("header parse rejects bad magic, short length and impossible counts") {
  auto bytes = FromHex(kAppendixB);
  BatchHeader h;
  CHECK(ParseBatchHeader(std::span<const uint8_t>(bytes.data(), 60), &h).IsCorruption());
  auto bad = bytes;
  bad[batch::kMagicPos] = 1;
  Status st = ParseBatchHeader(bad, &h);
  CHECK(st.IsCorruption());
  CHECK(st.message().find("magic") != std::string::npos);
  bad = bytes;
  PutBE32(bad.data() + batch::kBatchLengthPos, 48);
  CHECK(ParseBatchHeader(bad, &h).IsCorruption());
  bad = bytes;
  PutBE32(bad.data() + batch::kRecordsCountPos, 2);  // lastOffsetDelta 0 allows one
  CHECK(ParseBatchHeader(bad, &h).IsCorruption());
  bad = bytes;
  PutBE32(bad.data() + batch::kRecordsCountPos, uint32_t(-1));
  CHECK(ParseBatchHeader(bad, &h).IsCorruption());
}

TEST_CASE("next batch size on complete, partial and garbage input") {
  auto one = FromHex(kAppendixB);
  std::vector<uint8_t> two = one;
  two.insert(two.end(), one.begin(), one.end());
  auto r = NextBatchSize(two);
  REQUIRE(r.ok());
  CHECK(*r == 70);
  for (size_t cut = 0; cut < one.size(); ++cut) {
    auto part = NextBatchSize(std::span<const uint8_t>(one.data(), cut));
    REQUIRE(part.ok());
    CHECK(*part == 0);
  }
  std::vector<uint8_t> zeros(100, 0);
  CHECK(NextBatchSize(zeros).status().IsCorruption());
  std::vector<uint8_t> garbage(100, 0x41);  // length 0x41414141, magic 'A'
  CHECK(NextBatchSize(garbage).status().IsCorruption());
  auto bad_magic = one;
  bad_magic[batch::kMagicPos] = 0;
  CHECK(NextBatchSize(std::span<const uint8_t>(bad_magic.data(), 20)).status().IsCorruption());
}

TEST_CASE("compression names parse and print") {
  for (auto c : {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                 Compression::kZstd}) {
    auto parsed = ParseCompression(CompressionName(c));
    REQUIRE(parsed.ok());
    CHECK(*parsed == c);
  }
  CHECK(CompressionName(Compression::kZstd) == "zstd");
  auto bad = ParseCompression("brotli");
  CHECK(!bad.ok());
  CHECK(bad.status().message().find("brotli") != std::string::npos);
}

}  // namespace
}  // namespace klog
