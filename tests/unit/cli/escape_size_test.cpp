#include <doctest/doctest.h>

#include "cli/escape.h"
#include "cli/size.h"

using klog::cli::ParseEscapes;
using klog::cli::ParseSize;

TEST_CASE("every documented escape decodes to its byte") {
  auto r = ParseEscapes("a\\nb\\tc\\rd\\0e\\\\f\\x41\\xfF");
  REQUIRE(r.ok());
  CHECK(*r == std::string("a\nb\tc\rd\0e\\fA\xff", 13));
}

TEST_CASE("text without escapes is unchanged, empty stays empty") {
  CHECK(*ParseEscapes("plain, text") == "plain, text");
  CHECK(ParseEscapes("")->empty());
}

TEST_CASE("NUL delimiter escape gives a one-byte string") {
  auto r = ParseEscapes("\\0");
  REQUIRE(r.ok());
  CHECK(r->size() == 1);
  CHECK((*r)[0] == '\0');
}

TEST_CASE("bad escapes are rejected with a message naming the input") {
  for (const char* in : {"abc\\", "\\q", "\\x4", "\\xg0", "x\\x"}) {
    auto r = ParseEscapes(in);
    CHECK_FALSE(r.ok());
    CHECK(r.status().message().find(in) != std::string::npos);
  }
}

TEST_CASE("sizes accept plain numbers and k/M/G suffixes as powers of 1024") {
  CHECK(*ParseSize("0") == 0);
  CHECK(*ParseSize("4096") == 4096);
  CHECK(*ParseSize("64k") == 64 * 1024);
  CHECK(*ParseSize("64K") == 64 * 1024);
  CHECK(*ParseSize("1M") == 1048576);
  CHECK(*ParseSize("1MB") == 1048576);
  CHECK(*ParseSize("1MiB") == 1048576);
  CHECK(*ParseSize("2G") == int64_t(2) << 30);
  CHECK(*ParseSize("10B") == 10);
}

TEST_CASE("bad sizes are rejected naming the input") {
  for (const char* in :
       {"", "k", "-1", "1T", "1Mx", "1.5M", " 1", "99999999999999999999", "9999999999999G"}) {
    auto r = ParseSize(in);
    CHECK_MESSAGE(!r.ok(), in);
    if (!r.ok()) CHECK(r.status().message().find("'" + std::string(in) + "'") != std::string::npos);
  }
}
