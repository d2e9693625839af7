// BatchList (klog/batch_list.h): the headers of a buffer of batches, parsed
// once, and the errors that name where a buffer stops being whole batches.
#include "klog/batch_list.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "klog/batch_format.h"
#include "klog/compression.h"
#include "klog/record.h"

namespace klog {
namespace {

// One batch of `count` records, compressed with `codec`.
std::vector<uint8_t> Batch(int count, Compression codec = Compression::kNone) {
  BatchBuilder b;
  b.Reset(1000);
  for (int i = 0; i < count; ++i) b.Add(std::nullopt, std::string_view("value"));
  Result<std::span<uint8_t>> made = b.Finish(codec);
  REQUIRE(made.ok());
  return {made->begin(), made->end()};
}

std::vector<uint8_t> Concat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("the headers of back-to-back batches are parsed once, in order") {
  std::vector<uint8_t> first = Batch(2);
  std::vector<uint8_t> bytes = Concat(first, Batch(5, Compression::kLz4));
  Result<BatchList> list = ParseBatchList(bytes);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK(list->bytes == bytes);
  CHECK(list->headers[0].records_count == 2);
  CHECK(list->headers[1].records_count == 5);
  CHECK(list->headers[1].compression() == Compression::kLz4);
  CHECK(list->AnyCompressed());
  std::span<uint8_t> second = list->batch(first.size(), 1);
  CHECK(second.size() == bytes.size() - first.size());
  CHECK(second.data() == list->bytes.data() + first.size());
}

TEST_CASE("an empty buffer is an empty list; uncompressed batches are not compressed") {
  Result<BatchList> none = ParseBatchList({});
  REQUIRE(none.ok());
  CHECK(none->size() == 0);
  Result<BatchList> plain = ParseBatchList(Batch(3));
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->AnyCompressed());
}

TEST_CASE("a torn last batch is refused, naming the byte it starts at") {
  std::vector<uint8_t> first = Batch(1);
  std::vector<uint8_t> bytes = Concat(first, Batch(2));
  bytes.pop_back();
  Result<BatchList> list = ParseBatchList(bytes);
  REQUIRE_FALSE(list.ok());
  CHECK(list.status().IsCorruption());
  CHECK(list.status().message().rfind(
            "batch at byte " + std::to_string(first.size()) + ": partial batch: ", 0) == 0);
}

TEST_CASE("a header that does not parse is refused with its field and position") {
  std::vector<uint8_t> first = Batch(1);
  std::vector<uint8_t> bytes = Concat(first, Batch(1));
  bytes[first.size() + batch::kMagicPos] = 1;
  Result<BatchList> list = ParseBatchList(bytes);
  REQUIRE_FALSE(list.ok());
  CHECK(list.status().IsCorruption());
  CHECK(list.status().message().rfind("batch at byte " + std::to_string(first.size()) + ": ", 0) ==
        0);
  CHECK(list.status().message().find("magic") != std::string::npos);
}

}  // namespace klog
