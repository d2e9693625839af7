// Java-compatible murmur2 partitioning (klog/partitioner.h).
#include <doctest/doctest.h>

#include "klog/partitioner.h"

namespace klog {
namespace {

TEST_CASE("murmur2 equals Java's Utils.murmur2 on the reference vectors") {
  CHECK(Murmur2("kafka") == 0xd067cf64u);
  CHECK(Murmur2("") == 0x106e08d9u);
  CHECK(Murmur2("giberish123456789") == 0x8f552b0cu);
  CHECK(Murmur2("23456") == 0x858d780fu);
  CHECK((Murmur2("23456") & 0x7fffffffu) == 0x058d780fu);
  CHECK(Murmur2("hejsan") == 0x5ec19395u);
}

TEST_CASE("partition for key is toPositive(murmur2) modulo the count") {
  CHECK(PartitionForKey("23456", 1) == 0);
  CHECK(PartitionForKey("23456", 7) == int32_t(0x058d780fu % 7));
  CHECK(PartitionForKey("kafka", 10) == int32_t((0xd067cf64u & 0x7fffffff) % 10));
  for (int n = 1; n < 50; ++n) {
    int32_t p = PartitionForKey("user-42", n);
    CHECK(p >= 0);
    CHECK(p < n);
  }
}

// Java masks every byte with 0xff; a signed-char port gets these wrong.
// Values computed with a line-by-line port of Utils.murmur2 using Java int semantics.
TEST_CASE("murmur2 treats bytes above 0x7f as unsigned in words and tail") {
  CHECK(Murmur2("\xff\xfe\xfd") == 0x3b85fe24u);
  CHECK(Murmur2("\x80\x81\x82\x83\x84") == 0x9cb89e59u);
  CHECK(PartitionForKey("\x80\x81\x82\x83\x84", 1000) == int32_t(0x1cb89e59u % 1000));
}

}  // namespace
}  // namespace klog
