#include <doctest/doctest.h>

#include "cli/format.h"
#include "cli_test_util.h"

using klog::HeaderView;
using klog::RecordView;
using klog::cli::RecordFormat;
using klog::cli::testing::CapturedOutput;

namespace {

std::string Render(const char* fmt, const RecordView& r) {
  auto f = RecordFormat::Compile(fmt);
  REQUIRE_MESSAGE(f.ok(), f.status().message());
  CapturedOutput cap;
  f->Render("orders", 3, r, cap.out());
  return cap.Take();
}

}  // namespace

TEST_CASE("format renders every token") {
  HeaderView hs[] = {{"h1", std::string_view("x")}, {"h2", std::nullopt}, {"h3", ""}};
  RecordView r;
  r.offset = 17;
  r.timestamp = 1700000000123;
  r.key = "k1";
  r.value = "hello";
  r.headers = hs;
  CHECK(Render("%t|%p|%o|%k|%s|%T|%h|%K|%S|%%\\n", r) ==
        "orders|3|17|k1|hello|1700000000123|h1=x,h2,h3=|2|5|%\n");
}

TEST_CASE("format: null key and value print empty with length -1") {
  RecordView r;
  CHECK(Render("[%k][%s] %K %S", r) == "[][] -1 -1");
  r.key = "";
  r.value = "";
  CHECK(Render("[%k][%s] %K %S", r) == "[][] 0 0");
}

TEST_CASE("format: nothing is appended after the format, escapes are decoded") {
  RecordView r;
  r.value = "v";
  CHECK(Render("%s", r) == "v");
  CHECK(Render("%s\\t\\x41\\0", r) == std::string("v\tA\0", 4));
  CHECK(Render("", r).empty());
}

TEST_CASE("format: long values pass through the writer intact") {
  std::string big(100000, 'z');
  RecordView r;
  r.value = big;
  CHECK(Render("<%s>", r) == "<" + big + ">");
}

TEST_CASE("format: unknown token and trailing percent are errors naming them") {
  auto f = RecordFormat::Compile("%s %x");
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message().find("%x") != std::string::npos);
  CHECK(f.status().message().find("'%s %x'") != std::string::npos);
  CHECK_FALSE(RecordFormat::Compile("abc%").ok());
  CHECK_FALSE(RecordFormat::Compile("\\q%s").ok());
}

TEST_CASE("format: adjacent literals merge into one token") {
  auto f = RecordFormat::Compile("a\\nb%%c%s");
  REQUIRE(f.ok());
  REQUIRE(f->tokens().size() == 2);
  CHECK(f->literal(f->tokens()[0]) == "a\nb%c");
}
