// Varint and zigzag encoding edges (klog/coding.h).
#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <vector>

#include "klog/coding.h"

namespace klog {
namespace {

std::vector<uint8_t> EncodeVarint64(int64_t v) {
  uint8_t buf[kMaxVarint64Bytes];
  uint8_t* end = PutVarint64(buf, v);
  return std::vector<uint8_t>(buf, end);
}

std::vector<uint8_t> EncodeVarint32(int32_t v) {
  uint8_t buf[kMaxVarint64Bytes];
  uint8_t* end = PutVarint32(buf, v);
  return std::vector<uint8_t>(buf, end);
}

TEST_CASE("varint examples from the Kafka spec encode exactly") {
  CHECK(EncodeVarint32(0) == std::vector<uint8_t>{0x00});
  CHECK(EncodeVarint32(-1) == std::vector<uint8_t>{0x01});
  CHECK(EncodeVarint32(1) == std::vector<uint8_t>{0x02});
  CHECK(EncodeVarint32(-2) == std::vector<uint8_t>{0x03});
  CHECK(EncodeVarint32(150) == std::vector<uint8_t>{0xac, 0x02});
  CHECK(EncodeVarint32(INT32_MAX) == std::vector<uint8_t>{0xfe, 0xff, 0xff, 0xff, 0x0f});
  CHECK(EncodeVarint32(INT32_MIN) == std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff, 0x0f});
  CHECK(EncodeVarint64(INT64_MIN).size() == 10);
  CHECK(EncodeVarint64(INT64_MAX).size() == 10);
}

TEST_CASE("varint32 and varint64 round-trip at the edges") {
  for (int32_t v : {0, -1, 1, -2, 2, 63, -64, 64, -65, 150, INT32_MAX, INT32_MIN, INT32_MAX - 1,
                    INT32_MIN + 1}) {
    auto bytes = EncodeVarint32(v);
    CHECK(bytes.size() == Varint32Length(v));
    int32_t got = 12345;
    const uint8_t* end = GetVarint32(bytes.data(), bytes.data() + bytes.size(), &got);
    REQUIRE(end == bytes.data() + bytes.size());
    CHECK(got == v);
  }
  for (int64_t v : {int64_t(0), int64_t(-1), int64_t(1), int64_t(1) << 40, -(int64_t(1) << 40),
                    INT64_MAX, INT64_MIN, int64_t(1700000000000)}) {
    auto bytes = EncodeVarint64(v);
    CHECK(bytes.size() == Varint64Length(v));
    int64_t got = 12345;
    const uint8_t* end = GetVarint64(bytes.data(), bytes.data() + bytes.size(), &got);
    REQUIRE(end == bytes.data() + bytes.size());
    CHECK(got == v);
  }
}

TEST_CASE("zigzag maps small magnitudes to small codes") {
  CHECK(ZigZag32(0) == 0u);
  CHECK(ZigZag32(-1) == 1u);
  CHECK(ZigZag32(1) == 2u);
  CHECK(ZigZag32(INT32_MIN) == 0xffffffffu);
  CHECK(ZigZag64(INT64_MIN) == UINT64_MAX);
  CHECK(UnZigZag32(0xfffffffeu) == INT32_MAX);
  CHECK(UnZigZag64(UINT64_MAX) == INT64_MIN);
}

TEST_CASE("truncated varint is rejected at every cut") {
  auto bytes = EncodeVarint64(INT64_MIN);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    int64_t v;
    CHECK(GetVarint64(bytes.data(), bytes.data() + cut, &v) == nullptr);
  }
  auto small = EncodeVarint32(150);
  int32_t v32;
  CHECK(GetVarint32(small.data(), small.data() + 1, &v32) == nullptr);
}

TEST_CASE("over-long varints are rejected") {
  // Six continuation bytes are too many for a varint32.
  const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  int32_t v32;
  CHECK(GetVarint32(six, six + sizeof six, &v32) == nullptr);
  // Five bytes whose value exceeds 32 bits.
  const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0x1f};
  CHECK(GetVarint32(big, big + sizeof big, &v32) == nullptr);
  // Eleven bytes are too many for a varint64.
  const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  int64_t v64;
  CHECK(GetVarint64(eleven, eleven + sizeof eleven, &v64) == nullptr);
}

TEST_CASE("big-endian fixed integers") {
  uint8_t buf[8];
  PutBE32(buf, 0x01020304);
  CHECK(buf[0] == 1);
  CHECK(buf[3] == 4);
  CHECK(GetBE32(buf) == 0x01020304u);
  PutBE64(buf, 0x0000018bcfe56800ull);
  CHECK(GetBE64(buf) == 0x0000018bcfe56800ull);
  PutBE16(buf, 0xfffe);
  CHECK(GetBE16(buf) == 0xfffe);
}

}  // namespace
}  // namespace klog
