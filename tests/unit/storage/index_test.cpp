// Offset and time index files: lookup, encoding and damage detection.
#include <doctest/doctest.h>

#include "klog/index.h"
#include "storage_test_util.h"

namespace klog {

namespace {

std::string Encode(const std::vector<IndexEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    uint8_t buf[kIndexEntrySize];
    EncodeIndexEntry(e, buf);
    out.append(reinterpret_cast<char*>(buf), sizeof buf);
  }
  return out;
}

std::string EncodeTimes(const std::vector<TimeIndexEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    uint8_t buf[kTimeIndexEntrySize];
    EncodeTimeIndexEntry(e, buf);
    out.append(reinterpret_cast<char*>(buf), sizeof buf);
  }
  return out;
}

}  // namespace

TEST_CASE("offset lookup: before first, exact, between, after last") {
  std::vector<IndexEntry> idx = {{10, 100}, {20, 200}, {30, 300}};
  CHECK(LookupOffset(idx, 5) == -1);
  CHECK(LookupOffset(idx, 10) == 0);
  CHECK(LookupOffset(idx, 15) == 0);
  CHECK(LookupOffset(idx, 20) == 1);
  CHECK(LookupOffset(idx, 29) == 1);
  CHECK(LookupOffset(idx, 30) == 2);
  CHECK(LookupOffset(idx, 1 << 30) == 2);
  CHECK(LookupOffset({}, 7) == -1);
}

TEST_CASE("timestamp lookup finds the floor entry") {
  std::vector<TimeIndexEntry> idx = {{1000, 3}, {2000, 9}, {3000, 12}};
  CHECK(LookupTimestamp(idx, 999) == -1);
  CHECK(LookupTimestamp(idx, 1000) == 0);
  CHECK(LookupTimestamp(idx, 1999) == 0);
  CHECK(LookupTimestamp(idx, 2000) == 1);
  CHECK(LookupTimestamp(idx, 5000) == 2);
  CHECK(LookupTimestamp({}, 5000) == -1);
}

TEST_CASE("index entries are big-endian on disk") {
  uint8_t buf[kIndexEntrySize];
  EncodeIndexEntry({0x01020304, 0x0a0b0c0d}, buf);
  CHECK(std::string(reinterpret_cast<char*>(buf), 8) == "\x01\x02\x03\x04\x0a\x0b\x0c\x0d");
  uint8_t tbuf[kTimeIndexEntrySize];
  EncodeTimeIndexEntry({0x0102030405060708, 0x0a0b0c0d}, tbuf);
  CHECK(std::string(reinterpret_cast<char*>(tbuf), 12) ==
        "\x01\x02\x03\x04\x05\x06\x07\x08\x0a\x0b\x0c\x0d");
}

TEST_CASE("index files round-trip and damage is reported with file and position") {
  test::TempDir dir;
  std::string path = dir.Sub("0.index");
  CHECK(ReadOffsetIndex(path).status().IsNotFound());

  test::Spit(path, Encode({{3, 0}, {7, 4200}, {12, 9000}}));
  auto idx = ReadOffsetIndex(path);
  REQUIRE(idx.ok());
  REQUIRE(idx->size() == 3);
  CHECK((*idx)[1].relative_offset == 7);
  CHECK((*idx)[1].position == 4200);

  test::Spit(path, Encode({{3, 0}, {7, 4200}}) + "abc");
  Status st = ReadOffsetIndex(path).status();
  CHECK(st.IsCorruption());
  CHECK(st.message().find(path + " pos 16") != std::string::npos);

  test::Spit(path, Encode({{3, 0}, {7, 4200}, {5, 9000}}));
  st = ReadOffsetIndex(path).status();
  CHECK(st.IsCorruption());
  CHECK(st.message().find(path + " pos 16") != std::string::npos);

  // Kafka's preallocated zero tail is dropped.
  test::Spit(path, Encode({{0, 0}, {7, 4200}, {0, 0}, {0, 0}}));
  idx = ReadOffsetIndex(path);
  REQUIRE(idx.ok());
  CHECK(idx->size() == 2);
}

TEST_CASE("time index files reject timestamps that do not increase") {
  test::TempDir dir;
  std::string path = dir.Sub("0.timeindex");
  test::Spit(path, EncodeTimes({{1000, 1}, {2000, 5}}));
  auto idx = ReadTimeIndex(path);
  REQUIRE(idx.ok());
  CHECK(idx->size() == 2);
  CHECK((*idx)[1].timestamp == 2000);
  test::Spit(path, EncodeTimes({{1000, 1}, {1000, 5}}));
  CHECK(ReadTimeIndex(path).status().IsCorruption());
  test::Spit(path, EncodeTimes({{1000, 1}}) + "x");
  CHECK(ReadTimeIndex(path).status().IsCorruption());
}

}  // namespace klog
