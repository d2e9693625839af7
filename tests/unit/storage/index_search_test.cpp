// In-place index search agrees with reading the whole index, for every
// target, at every size, with and without Kafka's zero-filled tail.
#include <doctest/doctest.h>

#include "klog/index.h"
#include "storage_test_util.h"

namespace klog {
namespace {

std::string OffsetIndexBytes(const std::vector<IndexEntry>& entries, size_t zero_tail) {
  std::string bytes;
  for (const auto& e : entries) {
    uint8_t b[kIndexEntrySize];
    EncodeIndexEntry(e, b);
    bytes.append(reinterpret_cast<char*>(b), sizeof b);
  }
  bytes.append(zero_tail * kIndexEntrySize, '\0');
  return bytes;
}

std::string TimeIndexBytes(const std::vector<TimeIndexEntry>& entries, size_t zero_tail) {
  std::string bytes;
  for (const auto& e : entries) {
    uint8_t b[kTimeIndexEntrySize];
    EncodeTimeIndexEntry(e, b);
    bytes.append(reinterpret_cast<char*>(b), sizeof b);
  }
  bytes.append(zero_tail * kTimeIndexEntrySize, '\0');
  return bytes;
}

}  // namespace

TEST_CASE("offset index searched in place matches the whole-file lookup, zero tail or not") {
  test::TempDir dir;
  std::string path = dir.path + "/00000000000000000000.index";
  for (size_t n : {0, 1, 2, 3, 7, 64, 1000}) {
    for (size_t tail : {0, 1, 5}) {
      std::vector<IndexEntry> entries;
      for (size_t i = 0; i < n; ++i) entries.push_back({int32_t(i * 10), int32_t(i * 4096)});
      test::Spit(path, OffsetIndexBytes(entries, tail));
      auto whole = ReadOffsetIndex(path);
      REQUIRE(whole.ok());
      for (int32_t target = -1; target <= int32_t(n * 10 + 10); target += 3) {
        auto found = SearchOffsetIndex(path, target);
        REQUIRE(found.ok());
        int64_t i = LookupOffset(*whole, target);
        CAPTURE(n);
        CAPTURE(tail);
        CAPTURE(target);
        if (i < 0) {
          // A zero tail after a lone zero entry looks like entries at offset 0.
          CHECK((!*found || (n == 0 && (*found)->relative_offset == 0)));
        } else {
          REQUIRE(*found);
          CHECK((*found)->relative_offset == (*whole)[size_t(i)].relative_offset);
          CHECK((*found)->position == (*whole)[size_t(i)].position);
        }
      }
    }
  }
  CHECK(SearchOffsetIndex(dir.path + "/missing.index", 0).status().IsNotFound());
}

TEST_CASE("time index searched in place: floor entry and last entry") {
  test::TempDir dir;
  std::string path = dir.path + "/00000000000000000000.timeindex";
  std::vector<TimeIndexEntry> entries;
  for (int i = 0; i < 100; ++i) entries.push_back({1700000000000 + i * 100, i * 7});
  for (size_t tail : {0, 3}) {
    test::Spit(path, TimeIndexBytes(entries, tail));
    auto last = LastTimeIndexEntry(path);
    REQUIRE(last.ok());
    REQUIRE(*last);
    CHECK((*last)->timestamp == 1700000000000 + 99 * 100);
    CHECK(!*SearchTimeIndex(path, 1699999999999));
    for (int i = 0; i < 100; ++i) {
      auto exact = SearchTimeIndex(path, 1700000000000 + i * 100);
      auto between = SearchTimeIndex(path, 1700000000000 + i * 100 + 50);
      REQUIRE((exact.ok() && *exact && between.ok() && *between));
      CHECK((*exact)->relative_offset == i * 7);
      CHECK((*between)->relative_offset == i * 7);
    }
  }
  test::Spit(path, "");
  CHECK(!*LastTimeIndexEntry(path));
}

TEST_CASE("an index entry with a negative position is never an answer") {
  test::TempDir dir;
  std::string path = dir.path + "/00000000000000000000.index";
  test::Spit(path, OffsetIndexBytes({{0, 0}, {10, 4096}, {20, -5}, {30, 12288}}, 0));
  auto found = SearchOffsetIndex(path, 25);
  CHECK(found.status().IsCorruption());
  CHECK(found.status().message() == path + " pos 16: negative offset or position");
  // Entries before the damaged one still answer.
  found = SearchOffsetIndex(path, 15);
  REQUIRE(found.ok());
  REQUIRE(*found);
  CHECK((*found)->position == 4096);
}

}  // namespace klog
