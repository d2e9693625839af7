// Hostile and broken input: every failure is an error with a message, never a crash, a read
// past the frame or an allocation sized by an attacker's count.
#include <doctest/doctest.h>

#include "proto/api.h"
#include "proto/headers.h"
#include "proto/messages.h"
#include "test_support.h"

namespace klog::proto {
namespace {

using test::Hex;

TEST_CASE("string length past end of frame names the field path") {
  // Metadata v4: three topics "a", "b", then a name claiming 30000 bytes.
  auto body = Hex("00000003 0001 61 0001 62 7530 6363 00");
  MetadataRequest req;
  Status s = DecodeMessage(body, 4, &req);
  CHECK(s.message() ==
        "Metadata v4 request: topics[2].name: string length 30000 past end of frame");
}

TEST_CASE("huge array count is refused before allocating") {
  // Produce v7: transactional_id null, acks 1, timeout, then 2^31-1 topics in 4 bytes.
  auto body = Hex("ffff 0001 00001388 7fffffff 00000000");
  ProduceRequest req;
  Status s = DecodeMessage(body, 7, &req);
  CHECK(s.message() ==
        "Produce v7 request: topic_data: array count 2147483647 exceeds the 4 bytes left");
  CHECK(req.topic_data.capacity() < 1000);
}

TEST_CASE("negative array counts other than -1 are errors, -1 is null where allowed") {
  FetchRequest req;
  auto body = Hex("ffffffff 000001f4 00000001 00100000 00 fffffffe");
  Status s = DecodeMessage(body, 4, &req);
  CHECK(s.message() == "Fetch v4 request: topics: array count -2 is negative");
  auto null_topics = Hex("ffffffff 000001f4 00000001 00100000 00 ffffffff");
  s = DecodeMessage(null_topics, 4, &req);
  CHECK(s.message() == "Fetch v4 request: topics: null array in a non-nullable field");
}

TEST_CASE("negative string and records lengths are errors") {
  MetadataRequest m;
  CHECK(DecodeMessage(Hex("00000001 fffe"), 1, &m).message() ==
        "Metadata v1 request: topics[0].name: string length -2 is negative");
  CHECK(DecodeMessage(Hex("00000001 ffff"), 1, &m).message() ==
        "Metadata v1 request: topics[0].name: null string in a non-nullable field");
  ProduceRequest p;
  auto body = Hex("ffff 0001 00001388 00000001 0001 74 00000001 00000000 fffffff0");
  CHECK(DecodeMessage(body, 3, &p).message() ==
        "Produce v3 request: topic_data[0].partition_data[0].records: bytes length -16 is "
        "negative");
  auto null_records = Hex("ffff 0001 00001388 00000001 0001 74 00000001 00000000 ffffffff");
  REQUIRE(DecodeMessage(null_records, 3, &p).ok());
  CHECK(p.topic_data[0].partition_data[0].records.is_null);
}

TEST_CASE("records are a view into the frame, not a copy") {
  auto body = Hex("ffff ffff 00001388 00000001 0001 74 00000001 00000002 00000003 abcdef");
  ProduceRequest p;
  REQUIRE(DecodeMessage(body, 7, &p).ok());
  CHECK(p.acks == -1);
  const Records& r = p.topic_data[0].partition_data[0].records;
  CHECK(r.bytes.size() == 3);
  CHECK(r.bytes.data() == body.data() + body.size() - 3);
}

TEST_CASE("bad uvarints in a flexible request fail cleanly") {
  ApiVersionsRequest req;
  // Six continuation bytes: longer than a 32-bit uvarint may be.
  Status s = DecodeMessage(Hex("ff ff ff ff ff 01"), 3, &req);
  CHECK(s.message() ==
        "ApiVersions v3 request: client_software_name: uvarint does not fit 32 bits at "
        "offset 4");
  // A uvarint cut off by the end of the frame.
  s = DecodeMessage(Hex("80 80"), 3, &req);
  CHECK(s.message() ==
        "ApiVersions v3 request: client_software_name: uvarint needs 1 bytes at offset 2, 0 "
        "left");
  // Compact string length 2^32-2 past the end.
  s = DecodeMessage(Hex("ff ff ff ff 0f"), 3, &req);
  CHECK(s.message() ==
        "ApiVersions v3 request: client_software_name: string length 4294967294 past end of "
        "frame");
  // A tagged field whose size runs past the end.
  s = DecodeMessage(Hex("01 01 01 05 7f"), 3, &req);
  CHECK(s.message() == "ApiVersions v3 request: tagged field length 127 past end of frame");
}

TEST_CASE("compact array count past the bytes left is refused") {
  ApiVersionsResponse resp;
  Status s = DecodeMessage(Hex("0000 ffffffff07"), 3, &resp);
  CHECK(s.message() ==
        "ApiVersions v3 response: api_keys: array count 2147483646 exceeds the 0 bytes left");
}

TEST_CASE("truncated request header at every byte is an error") {
  auto frame = Hex("0012 0003 00000001 0007 72646b61666b61 01 05 02 aabb");
  for (size_t n = 0; n < frame.size(); ++n) {
    RequestHeader h;
    std::span<const uint8_t> body;
    Status s = DecodeRequestHeader(std::span<const uint8_t>(frame.data(), n), &h, &body);
    CAPTURE(n);
    CHECK(!s.ok());
  }
}

TEST_CASE("Reader keeps the first error and reads zero afterwards") {
  auto bytes = Hex("0102");
  Reader r(bytes);
  CHECK(r.Int32() == 0);
  CHECK(!r.ok());
  std::string first = r.error();
  CHECK(r.Int8() == 0);
  CHECK(r.error() == first);
  CHECK(r.pos() == 0);
}

TEST_CASE("varint and uvarint round trip at the edges") {
  std::vector<uint8_t> buf;
  Writer w(&buf);
  const int32_t values[] = {0, -1, 1, 63, -64, 64, 0x7fffffff, -0x7fffffff - 1};
  for (int32_t v : values) w.Varint(v);
  w.UVarint(0xffffffffu);
  Reader r(buf);
  for (int32_t v : values) CHECK(r.Varint() == v);
  CHECK(r.UVarint() == 0xffffffffu);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

}  // namespace
}  // namespace klog::proto
