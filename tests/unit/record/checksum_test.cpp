// CRC-32C and XXH3 (klog/checksum.h).
#include <doctest/doctest.h>

#include <string>

#include "klog/checksum.h"

namespace klog {
namespace {

TEST_CASE("crc32c of the check string is the Castagnoli check value") {
  CHECK(Crc32c("123456789", 9) == 0xE3069283u);
  CHECK(Crc32c("", 0) == 0u);
}

TEST_CASE("crc32c of 32 zero bytes matches RFC 3720") {
  std::string zeros(32, '\0');
  CHECK(Crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
}

TEST_CASE("xxh3 stream equals the one-shot hash and hex has 16 digits") {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = char(i * 7);
  Xxh3Stream s;
  s.Update(data.data(), 1);
  s.Update(data.data() + 1, 5000);
  s.Update(data.data() + 5001, data.size() - 5001);
  CHECK(s.Digest() == Xxh3_64(data.data(), data.size()));
  CHECK(Hex64(0x1a) == "000000000000001a");
  CHECK(Hex64(Xxh3_64("", 0)) == "2d06800538d394c2");
}

}  // namespace
}  // namespace klog
