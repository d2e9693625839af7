// Tagged fields (flexible versions): written after the body in ascending tag order, omitted
// when an empty optional, absent in classic versions; unknown tags are skipped on read.
#include <doctest/doctest.h>

#include "proto/schema.h"
#include "test_support.h"

namespace klog::proto {
namespace {

using test::Hex;
using test::ToHex;

struct TaggedItem {
  int16_t id = 0;
  int32_t weight = -1;

  template <class V>
  void Fields(V& v) {
    v("id", id);
    v("weight", weight, {.tag = 0});
  }
};

struct TaggedProbe {
  int32_t a = 0;
  std::vector<TaggedItem> items;
  std::optional<std::string> note;
  int32_t count = 0;

  template <class V>
  void Fields(V& v) {
    v("a", a);
    v("items", items);
    v("note", note, {.from = 1, .nullable_from = 0, .tag = 0});
    v("count", count, {.tag = 5});
  }
};

std::string Encode(TaggedProbe& p, int16_t version, bool flexible) {
  std::vector<uint8_t> buf;
  Writer w(&buf);
  Encoder e(&w, version, flexible);
  e.Struct(p);
  return ToHex(buf);
}

Status Decode(const std::vector<uint8_t>& bytes, int16_t version, bool flexible, TaggedProbe* out) {
  Reader r(bytes);
  Decoder d(&r, version, flexible);
  d.Struct(*out);
  if (!r.ok()) return Status::Corruption(r.error());
  if (r.remaining() != 0) return Status::Corruption("trailing bytes");
  return Status::Ok();
}

TEST_CASE("tagged fields follow the body in tag order and round trip") {
  TaggedProbe p;
  p.a = 1;
  p.items.push_back({2, 3});
  p.note = "hi";
  p.count = 4;
  // a; items: n+1=2, id 2, item tags {count 1, tag 0, size 4, weight 3}; tags: 2 fields,
  // tag 0 size 3 compact "hi", tag 5 size 4 int32 4.
  std::string want =
      ToHex(Hex("00000001 02 0002 01 00 04 00000003 02 00 03 03 6869 05 04 00000004"));
  CHECK(Encode(p, 1, true) == want);
  TaggedProbe back;
  REQUIRE(Decode(Hex(want), 1, true, &back).ok());
  CHECK(back.a == 1);
  CHECK(back.items.at(0).weight == 3);
  CHECK(back.note == "hi");
  CHECK(back.count == 4);
}

TEST_CASE("tagged fields are absent in classic versions and outside their range") {
  TaggedProbe p;
  p.a = 1;
  p.note = "hi";
  p.count = 4;
  CHECK(Encode(p, 1, false) == "0000000100000000");
  // v0: note is outside its range, so only count is tagged.
  CHECK(Encode(p, 0, true) == ToHex(Hex("00000001 01 01 05 04 00000004")));
  p.note.reset();
  CHECK(Encode(p, 1, true) == ToHex(Hex("00000001 01 01 05 04 00000004")));
}

TEST_CASE("unknown tags are skipped and known ones still read") {
  // Tags 3 (unknown, 2 bytes) then 5.
  auto bytes = Hex("00000001 01 02 03 02 abcd 05 04 00000009");
  TaggedProbe p;
  REQUIRE(Decode(bytes, 1, true, &p).ok());
  CHECK(p.count == 9);
  CHECK(!p.note.has_value());
}

TEST_CASE("a tagged payload too short for its field is an error naming the field") {
  auto bytes = Hex("00000001 01 01 05 02 0000");
  TaggedProbe p;
  Status s = Decode(bytes, 1, true, &p);
  CHECK(s.message() == "count: int32 needs 4 bytes at offset 0, 2 left");
}

}  // namespace
}  // namespace klog::proto
