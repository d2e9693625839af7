// Compression codecs (klog/codec.h) and compressed batches.
#include <doctest/doctest.h>

#include <string>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/coding.h"
#include "klog/compression.h"
#include "klog/record.h"
#include "record_test_util.h"

namespace klog {
namespace {

using testing::OwnedRecord;
using testing::ReadAll;

constexpr Compression kCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                   Compression::kZstd};

std::vector<uint8_t> Text(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245 + 12345;
    v[i] = (i % 64 < 48) ? uint8_t('a' + i % 26) : uint8_t(x >> 16);  // some entropy
  }
  return v;
}

TEST_CASE("every codec round-trips empty, small and large inputs") {
  for (Compression c : kCodecs) {
    CAPTURE(CompressionName(c));
    for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(200000)}) {
      auto in = Text(n);
      std::vector<uint8_t> z, back;
      REQUIRE(Compress(c, in, &z).ok());
      Status st = Decompress(c, z, &back);
      REQUIRE_MESSAGE(st.ok(), st.ToString());
      CHECK(back == in);
    }
  }
}

TEST_CASE("compress appends after existing bytes") {
  std::vector<uint8_t> out = {1, 2, 3};
  auto in = Text(1000);
  REQUIRE(Compress(Compression::kZstd, in, &out).ok());
  CHECK(out[0] == 1);
  std::vector<uint8_t> back;
  REQUIRE(Decompress(Compression::kZstd, std::span<const uint8_t>(out).subspan(3), &back).ok());
  CHECK(back == in);
}

// kafka-python and Java wrap snappy blocks in xerial framing; build it by hand.
TEST_CASE("snappy decodes xerial framing with several blocks") {
  auto in = Text(100000);
  std::vector<uint8_t> framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  for (size_t pos = 0; pos < in.size(); pos += 32768) {
    size_t n = std::min<size_t>(32768, in.size() - pos);
    std::vector<uint8_t> block;
    REQUIRE(
        Compress(Compression::kSnappy, std::span<const uint8_t>(in.data() + pos, n), &block).ok());
    uint8_t len[4];
    PutBE32(len, uint32_t(block.size()));
    framed.insert(framed.end(), len, len + 4);
    framed.insert(framed.end(), block.begin(), block.end());
  }
  std::vector<uint8_t> back;
  Status st = Decompress(Compression::kSnappy, framed, &back);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(back == in);

  // A block length running past the data is corruption.
  auto torn = framed;
  torn.resize(torn.size() - 10);
  CHECK(Decompress(Compression::kSnappy, torn, &back).IsCorruption());
}

TEST_CASE("truncated compressed data is corruption for every codec") {
  auto in = Text(50000);
  for (Compression c : kCodecs) {
    CAPTURE(CompressionName(c));
    std::vector<uint8_t> z, back;
    REQUIRE(Compress(c, in, &z).ok());
    for (size_t cut : {size_t(0), size_t(1), z.size() / 2, z.size() - 1}) {
      CAPTURE(cut);
      Status st = Decompress(c, std::span<const uint8_t>(z.data(), cut), &back);
      // An empty snappy input is invalid too; nothing may decode as the original.
      CHECK(st.IsCorruption());
    }
  }
}

TEST_CASE("flipped bytes in compressed data never crash the decoder") {
  auto in = Text(3000);
  for (Compression c : kCodecs) {
    CAPTURE(CompressionName(c));
    std::vector<uint8_t> z, back;
    REQUIRE(Compress(c, in, &z).ok());
    for (size_t i = 0; i < z.size(); ++i) {
      auto bad = z;
      bad[i] ^= 0x5a;
      Status st = Decompress(c, bad, &back, 1 << 20);
      CHECK((st.ok() || st.IsCorruption() || st.code() == Status::Code::kTooLarge));
      if (st.ok()) CHECK(back.size() <= size_t(1 << 20));
    }
    std::vector<uint8_t> garbage(200, 0xee);
    CHECK(Decompress(c, garbage, &back).IsCorruption());
  }
}

TEST_CASE("decompression bomb is bounded by max_out") {
  std::vector<uint8_t> zeros(8 << 20, 0);
  for (Compression c : kCodecs) {
    CAPTURE(CompressionName(c));
    std::vector<uint8_t> z, back;
    REQUIRE(Compress(c, zeros, &z).ok());
    CHECK(z.size() < zeros.size() / 20);
    Status st = Decompress(c, z, &back, 1 << 20);
    CHECK(st.code() == Status::Code::kTooLarge);
    CHECK(st.message().find("more than 1048576 bytes") != std::string::npos);
    CHECK(back.capacity() <= size_t(2 << 20));
    // The limit is inclusive: exactly max_out bytes decode.
    REQUIRE(Decompress(c, z, &back, zeros.size()).ok());
    CHECK(back.size() == zeros.size());
  }
}

TEST_CASE("one Decompressor decodes codec after codec, and again after an error") {
  Decompressor d;
  for (int round = 0; round < 2; ++round) {
    for (Compression c : kCodecs) {
      CAPTURE(CompressionName(c));
      for (size_t n : {size_t(200000), size_t(10), size_t(0)}) {
        auto in = Text(n);
        std::vector<uint8_t> z;
        REQUIRE(Compress(c, in, &z).ok());
        // A damaged input first: the next call must not see its state.
        std::vector<uint8_t> cut(z.begin(), z.begin() + z.size() / 2);
        CHECK_FALSE(d.Decompress(c, cut).ok());
        Result<std::span<const uint8_t>> got = d.Decompress(c, z);
        REQUIRE_MESSAGE(got.ok(), got.status().ToString());
        CHECK(std::vector<uint8_t>(got->begin(), got->end()) == in);
      }
    }
  }
}

TEST_CASE("concatenated zstd frames decode whole, and are bounded as one frame is") {
  // One frame that states its size is decoded in one call; two frames take
  // the streaming decoder: both must give the same bytes and the same bound.
  auto a = Text(70000), b = Text(50000);
  std::vector<uint8_t> z;
  REQUIRE(Compress(Compression::kZstd, a, &z).ok());
  REQUIRE(Compress(Compression::kZstd, b, &z).ok());
  std::vector<uint8_t> back;
  REQUIRE(Decompress(Compression::kZstd, z, &back).ok());
  std::vector<uint8_t> want = a;
  want.insert(want.end(), b.begin(), b.end());
  CHECK(back == want);
  Status st = Decompress(Compression::kZstd, z, &back, 100000);
  CHECK(st.code() == Status::Code::kTooLarge);
}

TEST_CASE("a zstd frame whose stated size is wrong is corruption") {
  auto in = Text(5000);
  std::vector<uint8_t> z;
  REQUIRE(Compress(Compression::kZstd, in, &z).ok());
  // Frame header: magic (4), descriptor (1), then for a 5000-byte frame of
  // level 3 a 2-byte content size (stored as size - 256).
  REQUIRE((z[4] >> 6) == 1);
  size_t size_pos = 5 + ((z[4] & 0x20) ? 0 : 1) + ((z[4] & 0x03) ? (1 << ((z[4] & 3) - 1)) : 0);
  z[size_pos] ^= 0x01;  // one more or one less byte than the frame holds
  std::vector<uint8_t> back;
  Status st = Decompress(Compression::kZstd, z, &back);
  CHECK(st.IsCorruption());
}

TEST_CASE("a Decompressor's bound holds when its buffer is larger from an earlier call") {
  auto big = Text(1 << 20);
  Decompressor d;
  for (Compression c : kCodecs) {
    CAPTURE(CompressionName(c));
    std::vector<uint8_t> z;
    REQUIRE(Compress(c, big, &z).ok());
    REQUIRE(d.Decompress(c, z).ok());  // the buffer is now at least 1 MiB
    Result<std::span<const uint8_t>> small = d.Decompress(c, z, 1000);
    CHECK(small.status().code() == Status::Code::kTooLarge);
    CHECK(small.status().message().find("more than 1000 bytes") != std::string::npos);
  }
}

TEST_CASE("batches compressed with every codec read back the same records") {
  for (Compression c : kCodecs) {
    CAPTURE(CompressionName(c));
    BatchBuilder b;
    b.Reset(1700000000000);
    BatchBuilder::Header hs[] = {{"trace", "abc"}};
    std::vector<OwnedRecord> want;
    for (int i = 0; i < 50; ++i) {
      std::string k = "key-" + std::to_string(i), v = std::string(100, char('a' + i % 26));
      b.Add(k, v, hs, 1700000000000 + i);
      want.push_back({i, 1700000000000 + i, k, v, {{"trace", "abc"}}});
    }
    auto batch = b.Finish(c);
    REQUIRE(batch.ok());
    CHECK(BatchCrcOk(*batch));
    BatchHeader h;
    REQUIRE(ParseBatchHeader(*batch, &h).ok());
    CHECK(h.compression() == c);
    CHECK(h.records_count == 50);
    CHECK(batch->size() < b.size_estimate());
    std::vector<OwnedRecord> got;
    Status st = ReadAll(*batch, &got);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
    CHECK(got == want);
  }
}

TEST_CASE("an empty compressed batch left by compaction has no records and no error") {
  BatchBuilder b;
  b.Reset(0);
  b.Add("k", "v");
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  std::vector<uint8_t> bytes(batch->begin(), batch->begin() + batch::kHeaderSize);
  SetBatchLength(bytes);  // a bare header
  PutBE16(bytes.data() + batch::kAttributesPos, uint16_t(Compression::kZstd));
  PutBE32(bytes.data() + batch::kRecordsCountPos, 0);
  RecordIterator it;
  REQUIRE(it.Reset(bytes).ok());
  RecordView r;
  CHECK_FALSE(it.Next(&r));
  CHECK(it.status().ok());
}

TEST_CASE("unknown codec bits in a batch are corruption, not a crash") {
  BatchBuilder b;
  b.Reset(0);
  b.Add("k", "v");
  auto batch = b.Finish();
  REQUIRE(batch.ok());
  std::vector<uint8_t> bytes(batch->begin(), batch->end());
  PutBE16(bytes.data() + batch::kAttributesPos, 6);
  RecordIterator it;
  Status st = it.Reset(bytes);
  CHECK(st.IsCorruption());
  CHECK(st.message().find("codec 6") != std::string::npos);
}

}  // namespace
}  // namespace klog
