#include <doctest/doctest.h>

#include <string>

#include "cli/json_record.h"
#include "cli_test_util.h"
#include "klog/text.h"

using klog::HeaderView;
using klog::IsValidUtf8;
using klog::RecordView;
using klog::cli::JsonRecord;
using klog::cli::ParseJsonRecord;
using klog::cli::WriteJsonRecord;
using klog::cli::testing::CapturedOutput;

namespace {

std::string Encode(const RecordView& r) {
  CapturedOutput cap;
  WriteJsonRecord("app", 0, r, cap.out());
  return cap.Take();
}

}  // namespace

TEST_CASE("JSON envelope of a plain record matches the documented layout") {
  HeaderView hs[] = {{"h1", std::string_view("x")}};
  RecordView r;
  r.offset = 5;
  r.timestamp = 1700000000000;
  r.key = "k";
  r.value = "v";
  r.headers = hs;
  CHECK(Encode(r) ==
        "{\"topic\":\"app\",\"partition\":0,\"offset\":5,\"timestamp\":1700000000000,"
        "\"key\":\"k\",\"value\":\"v\",\"headers\":[{\"key\":\"h1\",\"value\":\"x\"}]}\n");
}

TEST_CASE("JSON round trip: nulls, control characters, non-UTF-8 bytes, headers") {
  std::string binary("\x00\x01\xff\xfe\x80 ok", 8);
  std::string quoted = "a\"b\\c\nd\te\x01 caf\xc3\xa9 \xf0\x9f\x98\x80";
  HeaderView hs[] = {{"plain", std::string_view("1")},
                     {"nullv", std::nullopt},
                     {std::string_view("\xff\x00", 2), std::string_view(binary)}};
  RecordView r;
  r.offset = 9;
  r.timestamp = -1;
  r.key = std::nullopt;
  r.value = binary;
  r.headers = hs;
  for (int pass = 0; pass < 2; pass++) {
    std::string line = Encode(r);
    CHECK(line.back() == '\n');
    CHECK(IsValidUtf8(line));
    JsonRecord jr;
    REQUIRE(ParseJsonRecord(line, &jr).ok());
    CHECK_FALSE(jr.key.has_value());
    REQUIRE(jr.value.has_value());
    CHECK(*jr.value == std::string(*r.value));
    CHECK(jr.timestamp == -1);
    CHECK(jr.partition == 0);
    REQUIRE(jr.headers.size() == 3);
    CHECK(jr.headers[0].key == "plain");
    CHECK(jr.headers[0].value == "1");
    CHECK(jr.headers[1].key == "nullv");
    CHECK_FALSE(jr.headers[1].value.has_value());
    CHECK(jr.headers[2].key == std::string("\xff\x00", 2));
    CHECK(jr.headers[2].value == binary);
    // Second pass: a UTF-8 key with every character JSON must escape, a null value.
    r.key = quoted;
    r.value = std::nullopt;
    line = Encode(r);
    REQUIRE(ParseJsonRecord(line, &jr).ok());
    CHECK(jr.key == quoted);
    CHECK_FALSE(jr.value.has_value());
    r.key = std::nullopt;
    r.value = binary;
  }
}

TEST_CASE("non-UTF-8 value is written as base64 with a marker") {
  RecordView r;
  std::string v("\xc3\x28", 2);  // invalid continuation
  r.value = v;
  std::string line = Encode(r);
  CHECK(line.find("\"value\":\"wyg=\",\"value_encoding\":\"base64\"") != std::string::npos);
}

TEST_CASE("JSON input: absent fields, header object form, ignored topic and offset") {
  JsonRecord jr;
  REQUIRE(
      ParseJsonRecord(R"({"topic":"x","offset":99,"value":"v","headers":{"a":"1","b":null}})", &jr)
          .ok());
  CHECK_FALSE(jr.key.has_value());
  CHECK(jr.value == "v");
  CHECK_FALSE(jr.partition.has_value());
  CHECK_FALSE(jr.timestamp.has_value());
  REQUIRE(jr.headers.size() == 2);
  CHECK(jr.headers[0].key == "a");
  CHECK_FALSE(jr.headers[1].value.has_value());
  REQUIRE(ParseJsonRecord(R"({})", &jr).ok());
  CHECK_FALSE(jr.value.has_value());
  CHECK(jr.headers.empty());
}

TEST_CASE("JSON input errors say which field is wrong") {
  struct V {
    const char* line;
    const char* needle;
  };
  const V bad[] = {
      {"not json", "parse error"},
      {"[1,2]", "object"},
      {R"({"value":5})", "value"},
      {R"({"key":"%%%","key_encoding":"base64"})", "key: not valid base64"},
      {R"({"value":"x","value_encoding":"rot13"})", "rot13"},
      {R"({"partition":-1})", "partition"},
      {R"({"partition":"0"})", "partition"},
      {R"({"timestamp":1.5})", "timestamp"},
      {R"({"headers":5})", "headers"},
      {R"({"headers":[{"value":"x"}]})", "headers[0]"},
      {"{\"value\":\"\xff\"}", "parse error"},  // raw invalid UTF-8 in the JSON text
  };
  for (const V& v : bad) {
    JsonRecord jr;
    klog::Status st = ParseJsonRecord(v.line, &jr);
    CHECK_MESSAGE(!st.ok(), v.line);
    CHECK_MESSAGE(st.message().find(v.needle) != std::string::npos, st.message());
  }
}
