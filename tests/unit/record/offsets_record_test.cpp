// __consumer_offsets records (klog/offsets_record.h): Kafka's OffsetCommitKey
// v1 / OffsetCommitValue v3 byte layouts, the older and newer value versions
// read, the other record kinds recognised by key version, and every way a
// record can fail to decode reported as Corruption, never a crash.
#include <doctest/doctest.h>

#include <string>

#include "klog/offsets_record.h"

using klog::DecodeOffsetsRecord;
using klog::EncodeOffsetCommitKey;
using klog::EncodeOffsetCommitValue;
using klog::OffsetCommitValue;
using klog::OffsetsRecord;

namespace {

std::string Hex(const std::string& s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

TEST_CASE("offset key and value have Kafka's byte layout") {
  // key: version 1, group "g", topic "t", partition 2
  CHECK(Hex(EncodeOffsetCommitKey("g", "t", 2)) ==
        "0001"
        "000167"
        "000174"
        "00000002");
  OffsetCommitValue c{0x1234, -1, "md", 1700000000000};
  // value: version 3, offset, leader epoch -1, metadata "md", commit timestamp
  CHECK(Hex(EncodeOffsetCommitValue(c)) ==
        "0003"
        "0000000000001234"
        "ffffffff"
        "00026d64"
        "0000018bcfe56800");
}

TEST_CASE("a commit decodes back to what was encoded; a null value is a tombstone") {
  OffsetsRecord r;
  OffsetCommitValue c{42, 3, "x", 5};
  REQUIRE(DecodeOffsetsRecord(EncodeOffsetCommitKey("grp", "tp", 7), EncodeOffsetCommitValue(c), &r)
              .ok());
  CHECK(r.kind == OffsetsRecord::Kind::kOffsetCommit);
  CHECK(r.key_version == 1);
  CHECK(r.group == "grp");
  CHECK(r.topic == "tp");
  CHECK(r.partition == 7);
  REQUIRE(r.value.has_value());
  CHECK(r.value->offset == 42);
  CHECK(r.value->leader_epoch == 3);
  CHECK(r.value->metadata == "x");
  CHECK(r.value->commit_timestamp == 5);

  REQUIRE(DecodeOffsetsRecord(EncodeOffsetCommitKey("grp", "tp", 7), std::nullopt, &r).ok());
  CHECK(r.kind == OffsetsRecord::Kind::kOffsetCommit);
  CHECK_FALSE(r.value.has_value());
}

TEST_CASE("value versions 0, 1 and 2 (older Kafka) and 4 (flexible) decode") {
  std::string key = EncodeOffsetCommitKey("g", "t", 0);
  OffsetsRecord r;
  // Version 1: offset, metadata, commit and expire timestamps.
  std::string v1(
      "\x00\x01"
      "\x00\x00\x00\x00\x00\x00\x00\x07"
      "\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x09"
      "\x00\x00\x00\x00\x00\x00\x00\x0a",
      28);
  REQUIRE(DecodeOffsetsRecord(key, v1, &r).ok());
  CHECK(r.value->offset == 7);
  CHECK(r.value->leader_epoch == -1);
  CHECK(r.value->commit_timestamp == 9);
  // Versions 0 and 2: offset, metadata, commit timestamp.
  for (char version : {'\x00', '\x02'}) {
    std::string v = std::string("\x00", 1) + version +
                    std::string(
                        "\x00\x00\x00\x00\x00\x00\x00\x08\x00\x01m"
                        "\x00\x00\x00\x00\x00\x00\x00\x0b",
                        19);
    REQUIRE(DecodeOffsetsRecord(key, v, &r).ok());
    CHECK(r.value->offset == 8);
    CHECK(r.value->metadata == "m");
    CHECK(r.value->commit_timestamp == 11);
  }
  // Version 4: as 3 with a compact string (length + 1) and tagged fields
  // (here one field, tag 0 of 2 bytes).
  std::string v4(
      "\x00\x04"
      "\x00\x00\x00\x00\x00\x00\x00\x0c"
      "\x00\x00\x00\x02"
      "\x03md"
      "\x00\x00\x00\x00\x00\x00\x00\x0d"
      "\x01\x00\x02zz",
      30);
  REQUIRE(DecodeOffsetsRecord(key, v4, &r).ok());
  CHECK(r.value->offset == 12);
  CHECK(r.value->leader_epoch == 2);
  CHECK(r.value->metadata == "md");
  CHECK(r.value->commit_timestamp == 13);
}

TEST_CASE("group metadata and newer coordinator records are recognised by key version only") {
  OffsetsRecord r;
  std::string meta_key("\x00\x02\x00\x01g", 5);
  REQUIRE(DecodeOffsetsRecord(meta_key, std::string("junk"), &r).ok());
  CHECK(r.kind == OffsetsRecord::Kind::kOther);
  CHECK(r.key_version == 2);
  CHECK_FALSE(r.value.has_value());
  REQUIRE(DecodeOffsetsRecord(std::string("\x00\x0f", 2), std::nullopt, &r).ok());
  CHECK(r.kind == OffsetsRecord::Kind::kOther);
  CHECK_FALSE(DecodeOffsetsRecord(std::string("\x00\x10", 2), std::nullopt, &r).ok());
  CHECK_FALSE(DecodeOffsetsRecord(std::string("\xff\xff", 2), std::nullopt, &r).ok());
}

TEST_CASE("every truncation of a key or value is Corruption naming what is short") {
  std::string key = EncodeOffsetCommitKey("g", "t", 0);
  std::string value = EncodeOffsetCommitValue({1, -1, "", 2});
  OffsetsRecord r;
  for (size_t n = 0; n < key.size(); ++n) {
    klog::Status s = DecodeOffsetsRecord(key.substr(0, n), value, &r);
    CHECK(s.IsCorruption());
    CHECK(s.message().find("offset commit key") != std::string::npos);
  }
  for (size_t n = 0; n < value.size(); ++n) {
    klog::Status s = DecodeOffsetsRecord(key, value.substr(0, n), &r);
    CHECK(s.IsCorruption());
    CHECK_FALSE(r.value.has_value());
  }
  // The value of the report: version 3, then one byte.
  klog::Status s = DecodeOffsetsRecord(key, std::string("\x00\x03\x00", 3), &r);
  CHECK(s.message() == "offset commit value of group 'g': int64 needs 8 bytes at byte 2, 1 left");
}

TEST_CASE("unknown versions, a null key and negative lengths do not decode") {
  std::string key = EncodeOffsetCommitKey("g", "t", 0);
  std::string value = EncodeOffsetCommitValue({1, -1, "", 2});
  OffsetsRecord r;
  std::string v9 = value;
  v9[1] = 9;
  klog::Status s = DecodeOffsetsRecord(key, v9, &r);
  CHECK(s.message() == "offset commit value of group 'g': version 9 is unknown");
  CHECK(DecodeOffsetsRecord(std::nullopt, value, &r).IsCorruption());
  // group length -1 (null) and -2
  CHECK(DecodeOffsetsRecord(std::string("\x00\x01\xff\xff", 4), value, &r).IsCorruption());
  CHECK(DecodeOffsetsRecord(std::string("\x00\x01\xff\xfe", 4), value, &r).IsCorruption());
  // metadata length -1 in a version 3 value
  std::string v = EncodeOffsetCommitValue({1, -1, "", 2});
  v[14] = '\xff';
  v[15] = '\xff';
  CHECK(DecodeOffsetsRecord(key, v, &r).IsCorruption());
  // a version 4 value with a null compact string and a varint that never ends
  std::string v4null("\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\x00", 15);
  CHECK(DecodeOffsetsRecord(key, v4null, &r).IsCorruption());
  std::string v4long("\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff\xff\xff\xff", 17);
  CHECK(DecodeOffsetsRecord(key, v4long, &r).IsCorruption());
}

TEST_CASE("bytes after the last field are ignored, as Kafka does") {
  OffsetsRecord r;
  std::string value = EncodeOffsetCommitValue({5, -1, "", 6}) + "extra";
  REQUIRE(DecodeOffsetsRecord(EncodeOffsetCommitKey("g", "t", 0) + "x", value, &r).ok());
  CHECK(r.value->offset == 5);
}
