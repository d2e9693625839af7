// klog/text.h: strict UTF-8, base64 and the JSON strings shared by klog-dump
// --json and klog-read --json.
#include "klog/text.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace klog {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

std::string Field(std::string_view name, std::optional<std::string_view> bytes) {
  std::string out;
  AppendJsonBytesField(name, bytes, &out);
  return out;
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii text longer than eight"));
  CHECK(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  for (const char* s : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                        "\xf5\x80\x80\x80", "\xe2\x82", "\x80", "abcdefgh\xff", "\xf0\x8f\xbf\xbf",
                        "\xed\xbf\xbf", "\xc1\xbf", "abcdefg\xc3"}) {
    CHECK_MESSAGE(!IsValidUtf8(s), s);
  }
}

TEST_CASE("UTF-8 validation accepts every scalar value and no surrogate") {
  for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
    std::string s;
    if (cp < 0x80) {
      s = {char(cp)};
    } else if (cp < 0x800) {
      s = {char(0xc0 | cp >> 6), char(0x80 | (cp & 63))};
    } else if (cp < 0x10000) {
      s = {char(0xe0 | cp >> 12), char(0x80 | (cp >> 6 & 63)), char(0x80 | (cp & 63))};
    } else {
      s = {char(0xf0 | cp >> 18), char(0x80 | (cp >> 12 & 63)), char(0x80 | (cp >> 6 & 63)),
           char(0x80 | (cp & 63))};
    }
    bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (IsValidUtf8(s) == surrogate) FAIL_CHECK("code point " << cp);
  }
}

TEST_CASE("UTF-8 validation of every two-byte string") {
  for (int a = 0; a < 256; a++) {
    for (int b = 0; b < 256; b++) {
      std::string s = {char(a), char(b)};
      bool want = (a < 0x80 && b < 0x80) || (a >= 0xc2 && a <= 0xdf && b >= 0x80 && b <= 0xbf);
      if (IsValidUtf8(s) != want) FAIL_CHECK("bytes " << a << " " << b);
    }
  }
}

TEST_CASE("base64 matches the RFC 4648 test vectors and appends") {
  const char* vectors[][2] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="},
                              {"foobar", "Zm9vYmFy"}};
  for (const auto& v : vectors) {
    std::string enc = "prefix:";
    Base64Encode(v[0], &enc);
    CHECK(enc == std::string("prefix:") + v[1]);
    std::string dec = "stale";
    REQUIRE(Base64Decode(v[1], &dec));
    CHECK(dec == v[0]);
  }
}

TEST_CASE("base64 round trip at every length mod 3, strict decoding") {
  std::string all;
  for (int i = 0; i < 256; i++) all.push_back(char(i));
  for (size_t n = 0; n < 10; n++) {
    std::string enc, dec;
    Base64Encode(all.substr(250 - n, n), &enc);
    REQUIRE(Base64Decode(enc, &dec));
    CHECK(dec == all.substr(250 - n, n));
  }
  std::string enc;
  Base64Encode(all, &enc);
  std::string dec;
  REQUIRE(Base64Decode(enc, &dec));
  CHECK(dec == all);
  std::string out;
  CHECK_FALSE(Base64Decode("AAE", &out));
  CHECK_FALSE(Base64Decode("AA=C", &out));
  CHECK_FALSE(Base64Decode("AB==", &out));  // non-zero padding bits
  CHECK_FALSE(Base64Decode("AAF=", &out));  // non-zero padding bits
  CHECK_FALSE(Base64Decode("A A=", &out));
  CHECK_FALSE(Base64Decode("AA==AAAA", &out));  // padding before the end
  CHECK_FALSE(Base64Decode("AAA-", &out));      // URL-safe alphabet is not accepted
}

TEST_CASE("JSON strings escape quotes, backslashes and control bytes, not DEL") {
  CHECK(Json("") == "\"\"");
  CHECK(Json("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(Json("\n\t\r") == "\"\\n\\t\\r\"");
  CHECK(Json(std::string_view("\x00\x01\x08\x0c\x1f", 5)) ==
        "\"\\u0000\\u0001\\u0008\\u000c\\u001f\"");
  CHECK(Json("\x7f") == "\"\x7f\"");
  CHECK(Json("caf\xc3\xa9 \xf0\x9f\x98\x80/") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80/\"");
}

TEST_CASE("every ASCII byte survives a JSON parse of the escaped string") {
  std::string all;
  for (int i = 0; i < 0x80; i++) all.push_back(char(i));
  all += "\xc3\xa9\xe2\x82\xac";
  std::string out = "[";
  AppendJsonString(all, &out);
  out += "]";
  CHECK(nlohmann::json::parse(out)[0].get<std::string>() == all);
  // Quoted: 3 bytes when copied as is, 4 for a short escape, 8 for \u00XX.
  for (int i = 0; i < 0x80; i++) {
    size_t want = 3;
    if (i == '"' || i == '\\' || i == '\n' || i == '\t' || i == '\r') {
      want = 4;
    } else if (i < 0x20) {
      want = 8;
    }
    CHECK_MESSAGE(Json(std::string(1, char(i))).size() == want, i);
  }
}

TEST_CASE("an escaped byte is found at every position of a long string") {
  // Long plain runs are skipped eight bytes at a time; a byte that needs
  // escaping must be caught wherever it falls in or after such a run.
  for (int c = 0; c < 0x100; c++) {
    std::string one = Json(std::string(1, char(c)));
    std::string inner = one.substr(1, one.size() - 2);
    for (size_t pos = 0; pos < 20; pos++) {
      std::string s(20, 'a');
      s[pos] = char(c);
      std::string want = "\"" + std::string(pos, 'a') + inner + std::string(19 - pos, 'a') + "\"";
      if (Json(s) != want) FAIL_CHECK("byte " << c << " at " << pos);
    }
  }
}

TEST_CASE("JSON bytes field is a string, null, or base64 with an encoding marker") {
  CHECK(Field("key", std::nullopt) == "\"key\":null");
  CHECK(Field("key", std::string_view()) == "\"key\":\"\"");
  CHECK(Field("value", "a\nb") == "\"value\":\"a\\nb\"");
  CHECK(Field("value", std::string_view("\xc3\x28", 2)) ==
        "\"value\":\"wyg=\",\"value_encoding\":\"base64\"");
  CHECK(Field("key", std::string_view("\xed\xa0\x80", 3)) ==
        "\"key\":\"7aCA\",\"key_encoding\":\"base64\"");  // a surrogate is not UTF-8
  std::string line = "{";
  AppendJsonBytesField("key", "k", &line);
  line += ',';
  AppendJsonBytesField("value", std::string_view("\xff", 1), &line);
  line += '}';
  CHECK(line == "{\"key\":\"k\",\"value\":\"/w==\",\"value_encoding\":\"base64\"}");
}

}  // namespace
}  // namespace klog
