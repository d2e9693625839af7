// BatchChecker: each rule of klog/batch_check.h, one test per edge case, on
// batches built byte by byte (with a correct CRC unless the test is about
// the CRC), uncompressed and compressed.
#include "klog/batch_check.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/compression.h"
#include "record_test_util.h"

// Counts heap allocations and the peak of live bytes, to show that checking
// allocates nothing per record and that a bomb costs no more than its bound.
// Not under ASan, whose allocator must stay in place.
#if !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
namespace {
thread_local size_t g_allocations = 0;
thread_local size_t g_live_bytes = 0;
thread_local size_t g_peak_bytes = 0;
}  // namespace
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  ++g_allocations;
  g_live_bytes += malloc_usable_size(p);
  g_peak_bytes = std::max(g_peak_bytes, g_live_bytes);
  return p;
}
void operator delete(void* p) noexcept {
  if (p != nullptr) g_live_bytes -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }
#define KLOG_COUNTS_ALLOCATIONS 1
#endif

namespace klog {
namespace {

// One record as Kafka encodes it; `length` overrides the length varint.
void AddRecord(std::vector<uint8_t>* out, int32_t offset_delta, std::optional<std::string_view> key,
               std::string_view value, std::optional<int32_t> length = std::nullopt) {
  uint8_t body[64];
  uint8_t* p = body;
  *p++ = 0;               // attributes
  p = PutVarint64(p, 0);  // timestamp delta
  p = PutVarint32(p, offset_delta);
  p = PutVarint32(p, key ? int32_t(key->size()) : -1);
  if (key) p = std::copy(key->begin(), key->end(), p);
  p = PutVarint32(p, int32_t(value.size()));
  p = std::copy(value.begin(), value.end(), p);
  p = PutVarint32(p, 0);  // header count
  uint8_t len[8];
  uint8_t* q = PutVarint32(len, length.value_or(int32_t(p - body)));
  out->insert(out->end(), len, q);
  out->insert(out->end(), body, p);
}

struct Fields {
  int32_t count = 0;
  int32_t last_offset_delta = 0;
  int16_t attributes = 0;  // compression is added by Encode
  int64_t producer_id = -1;
  int32_t base_sequence = -1;
};

// A batch around an (uncompressed) records section, compressed with `c`,
// with a correct CRC.
std::vector<uint8_t> Encode(const std::vector<uint8_t>& records, Fields f,
                            Compression c = Compression::kNone) {
  std::vector<uint8_t> b(batch::kHeaderSize, 0);
  REQUIRE(Compress(c, records, &b).ok());
  uint8_t* p = b.data();
  SetBatchLength(b);
  p[batch::kMagicPos] = uint8_t(batch::kMagic);
  PutBE16(p + batch::kAttributesPos, uint16_t(f.attributes | int16_t(c)));
  PutBE32(p + batch::kLastOffsetDeltaPos, uint32_t(f.last_offset_delta));
  PutBE64(p + batch::kBaseTimestampPos, 1700000000000);
  PutBE64(p + batch::kMaxTimestampPos, 1700000000000);
  PutBE64(p + batch::kProducerIdPos, uint64_t(f.producer_id));
  PutBE16(p + batch::kProducerEpochPos, uint16_t(f.producer_id >= 0 ? 0 : -1));
  PutBE32(p + batch::kBaseSequencePos, uint32_t(f.base_sequence));
  PutBE32(p + batch::kRecordsCountPos, uint32_t(f.count));
  PutBE32(p + batch::kCrcPos, Crc32c(p + batch::kCrcStart, b.size() - batch::kCrcStart));
  return b;
}

// `n` keyed records with offset deltas 0..n-1.
std::vector<uint8_t> GoodRecords(int n) {
  std::vector<uint8_t> r;
  for (int i = 0; i < n; ++i) AddRecord(&r, i, "k" + std::to_string(i), "value");
  return r;
}

std::vector<uint8_t> GoodBatch(int n, Compression c = Compression::kNone) {
  return Encode(GoodRecords(n), {.count = n, .last_offset_delta = n - 1}, c);
}

constexpr Compression kAll[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                Compression::kLz4, Compression::kZstd};

Status CheckOf(const std::vector<uint8_t>& b, BatchCheckOptions o = {}) {
  BatchChecker checker;
  return checker.Check(b, o, 0);
}

bool Has(const Status& st, std::string_view text) {
  return st.message().find(text) != std::string::npos;
}

TEST_CASE("a well-formed batch passes with every codec") {
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    BatchChecker checker;
    Status st = checker.Check(GoodBatch(50, c), {.require_keys = true});
    CHECK_MESSAGE(st.ok(), st.ToString());
    CHECK(checker.header().records_count == 50);
  }
}

TEST_CASE("a batch from BatchBuilder passes") {
  BatchBuilder b;
  b.Reset(1700000000000);
  BatchBuilder::Header hs[] = {{"h", "v"}};
  for (int i = 0; i < 10; ++i) b.Add("key", std::string(100, 'x'), hs, 1700000000000 + i);
  auto bytes = b.Finish(Compression::kZstd);
  REQUIRE(bytes.ok());
  CHECK(CheckOf(testing::Copy(*bytes)).ok());
}

TEST_CASE("record length -5 is corruption naming the batch, the record and the length") {
  std::vector<uint8_t> r;
  AddRecord(&r, 0, "k", "v", -5);
  Status st = CheckOf(Encode(r, {.count = 1, .last_offset_delta = 0}));
  CHECK(st.IsCorruption());
  CHECK(st.message() == "batch at byte 0: record 0: length runs past the batch");
}

TEST_CASE("the position given names the batch") {
  std::vector<uint8_t> r;
  AddRecord(&r, 0, "k", "v", -5);
  BatchChecker checker;
  Status st = checker.Check(Encode(r, {.count = 1, .last_offset_delta = 0}), {}, 4242);
  CHECK(st.message().rfind("batch at byte 4242: record 0: ", 0) == 0);
}

TEST_CASE("records count below last offset delta + 1 is an invalid record") {
  Status st = CheckOf(Encode(GoodRecords(2), {.count = 2, .last_offset_delta = 5}));
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(Has(st, "records count 2 does not match last offset delta 5"));
}

TEST_CASE("two records with last offset delta 2,000,000,000 are refused") {
  Status st = CheckOf(Encode(GoodRecords(2), {.count = 2, .last_offset_delta = 2000000000}));
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(Has(st, "last offset delta 2000000000"));
}

TEST_CASE("records count above last offset delta + 1 is corruption of the header") {
  Status st = CheckOf(Encode(GoodRecords(3), {.count = 3, .last_offset_delta = 1}));
  CHECK(st.IsCorruption());
}

TEST_CASE("a batch with no records is refused") {
  Status st = CheckOf(Encode({}, {.count = 0, .last_offset_delta = 0}));
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(Has(st, "no records"));
}

TEST_CASE("a CRC mismatch is corruption with both values") {
  auto b = GoodBatch(3);
  b.back() ^= 1;
  Status st = CheckOf(b);
  CHECK(st.IsCorruption());
  CHECK(Has(st, "CRC-32C mismatch: stored 0x"));
}

TEST_CASE("base offset and leader epoch are outside the CRC and not checked") {
  auto b = GoodBatch(3);
  PutBE64(b.data() + batch::kBaseOffsetPos, 77);
  PutBE32(b.data() + batch::kLeaderEpochPos, 9);
  CHECK(CheckOf(b).ok());
}

TEST_CASE("a control batch from a client is refused") {
  Status st = CheckOf(Encode(
      GoodRecords(1), {.count = 1, .last_offset_delta = 0, .attributes = batch::kControlBit}));
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(Has(st, "control batch"));
}

TEST_CASE("a producer id without a base sequence is refused") {
  Status st = CheckOf(Encode(
      GoodRecords(1), {.count = 1, .last_offset_delta = 0, .producer_id = 7, .base_sequence = -1}));
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(Has(st, "producer id 7 with base sequence -1"));
  CHECK(CheckOf(Encode(GoodRecords(1),
                       {.count = 1, .last_offset_delta = 0, .producer_id = 7, .base_sequence = 0}))
            .ok());
}

TEST_CASE("offset deltas out of order are refused, compressed or not") {
  std::vector<uint8_t> r;
  AddRecord(&r, 1, "a", "v");
  AddRecord(&r, 0, "b", "v");
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    Status st = CheckOf(Encode(r, {.count = 2, .last_offset_delta = 1}, c));
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(Has(st, "record 0: offset delta 1, expected 0"));
  }
}

TEST_CASE("a repeated offset delta is refused") {
  std::vector<uint8_t> r;
  AddRecord(&r, 0, "a", "v");
  AddRecord(&r, 0, "b", "v");
  Status st = CheckOf(Encode(r, {.count = 2, .last_offset_delta = 1}));
  CHECK(Has(st, "record 1: offset delta 0, expected 1"));
}

TEST_CASE("a keyless record is refused only when keys are required") {
  std::vector<uint8_t> r;
  AddRecord(&r, 0, "a", "v");
  AddRecord(&r, 1, std::nullopt, "v");
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    auto b = Encode(r, {.count = 2, .last_offset_delta = 1}, c);
    CHECK(CheckOf(b).ok());
    Status st = CheckOf(b, {.require_keys = true});
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(Has(st, "record 1: key is null"));
  }
}

TEST_CASE("an empty key is a key") {
  std::vector<uint8_t> r;
  AddRecord(&r, 0, "", "v");
  CHECK(CheckOf(Encode(r, {.count = 1, .last_offset_delta = 0}), {.require_keys = true}).ok());
}

TEST_CASE("bytes after the last record are corruption, compressed or not") {
  auto r = GoodRecords(2);
  r.push_back(0);
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    Status st = CheckOf(Encode(r, {.count = 2, .last_offset_delta = 1}, c));
    CHECK(st.IsCorruption());
    CHECK(Has(st, "follow record 1"));
  }
}

TEST_CASE("fewer records than counted is corruption") {
  Status st =
      CheckOf(Encode(GoodRecords(2), {.count = 3, .last_offset_delta = 2}, Compression::kLz4));
  CHECK(st.IsCorruption());
  CHECK(Has(st, "batch says 3 records but its data ends after 2"));
}

TEST_CASE("compressed data that does not decode is corruption") {
  auto b = GoodBatch(20, Compression::kZstd);
  for (size_t i = batch::kHeaderSize; i < b.size(); ++i) b[i] = 0xee;
  PutBE32(b.data() + batch::kCrcPos,
          Crc32c(b.data() + batch::kCrcStart, b.size() - batch::kCrcStart));
  CHECK(CheckOf(b).IsCorruption());
}

TEST_CASE("uncompressed records over the bound are too large") {
  auto b = GoodBatch(100);
  Status st = CheckOf(b, {.max_records_bytes = 100});
  CHECK(st.code() == Status::Code::kTooLarge);
  CHECK(CheckOf(b, {.max_records_bytes = b.size() - batch::kHeaderSize}).ok());
}

TEST_CASE("a decompression bomb stops at the bound for every codec") {
  // 32 MiB of zeros is a records section that compresses to a few KiB.
  std::vector<uint8_t> zeros(32 << 20, 0);
  for (Compression c : kAll) {
    if (c == Compression::kNone) continue;
    CAPTURE(CompressionName(c));
    auto bomb = Encode(zeros, {.count = 1, .last_offset_delta = 0}, c);
    CHECK(bomb.size() < (2 << 20));
    BatchChecker checker;
#ifdef KLOG_COUNTS_ALLOCATIONS
    size_t before = g_live_bytes;
    g_peak_bytes = g_live_bytes;
#endif
    Status st = checker.Check(bomb, {.max_records_bytes = 1 << 20});
    CHECK(st.code() == Status::Code::kTooLarge);
    CHECK(Has(st, "decompresses to more than 1048576 bytes"));
#ifdef KLOG_COUNTS_ALLOCATIONS
    // The decompression buffer: at most the bound + 1 byte, however the
    // vector grew there (its old block is freed as the new one is filled).
    CHECK(g_peak_bytes - before < size_t(3) << 20);
#endif
  }
}

TEST_CASE("records exactly at the decompressed bound pass") {
  auto r = GoodRecords(10);
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    CHECK(CheckOf(Encode(r, {.count = 10, .last_offset_delta = 9}, c),
                  {.max_records_bytes = r.size()})
              .ok());
    CHECK(CheckOf(Encode(r, {.count = 10, .last_offset_delta = 9}, c),
                  {.max_records_bytes = r.size() - 1})
              .code() == Status::Code::kTooLarge);
  }
}

TEST_CASE("a short or mislabelled span is corruption") {
  auto b = GoodBatch(3);
  CHECK(CheckOf(std::vector<uint8_t>(b.begin(), b.begin() + 30)).IsCorruption());
  b.push_back(0);
  Status st = CheckOf(b);
  CHECK(st.IsCorruption());
  CHECK(Has(st, "were given"));
}

#ifdef KLOG_COUNTS_ALLOCATIONS
TEST_CASE("checking again allocates nothing, whatever the number of records") {
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    auto b = GoodBatch(1000, c);
    BatchChecker checker;
    REQUIRE(checker.Check(b, {}).ok());  // buffers grow here
    size_t before = g_allocations;
    for (int i = 0; i < 3; ++i) REQUIRE(checker.Check(b, {.require_keys = true}).ok());
    // The codecs' own contexts (zlib, lz4, zstd) are allocated per batch, by
    // malloc; nothing goes through operator new per record or per batch.
    CHECK(g_allocations == before);
  }
}
#endif

TEST_CASE("every single-byte change of a good batch is refused or still decodes") {
  for (Compression c : kAll) {
    CAPTURE(CompressionName(c));
    auto good = GoodBatch(4, c);
    BatchChecker checker;
    for (size_t i = 0; i < good.size(); ++i) {
      auto bad = good;
      bad[i] ^= 0x41;
      // Keep the CRC right so the record rules are what is tested.
      PutBE32(bad.data() + batch::kCrcPos,
              Crc32c(bad.data() + batch::kCrcStart, bad.size() - batch::kCrcStart));
      Status st = checker.Check(bad, {.require_keys = true});
      if (!st.ok()) CHECK(st.message().rfind("batch at byte 0: ", 0) == 0);
    }
  }
}

}  // namespace
}  // namespace klog
