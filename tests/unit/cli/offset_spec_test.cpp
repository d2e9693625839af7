#include <doctest/doctest.h>

#include "cli/offset_spec.h"

using klog::cli::OffsetSpec;
using klog::cli::ParseIsoTimestamp;
using klog::cli::ParseOffsetSpec;
using klog::cli::ParseUntilSpec;
using Kind = OffsetSpec::Kind;

TEST_CASE("offset spec: every documented form") {
  CHECK(ParseOffsetSpec("beginning")->kind == Kind::kBeginning);
  CHECK(ParseOffsetSpec("end")->kind == Kind::kEnd);
  auto abs = ParseOffsetSpec("42");
  CHECK(abs->kind == Kind::kAbsolute);
  CHECK(abs->value == 42);
  CHECK(ParseOffsetSpec("0")->kind == Kind::kAbsolute);
  auto back = ParseOffsetSpec("-10");
  CHECK(back->kind == Kind::kFromEnd);
  CHECK(back->value == 10);
  auto ms = ParseOffsetSpec("@1700000000000");
  CHECK(ms->kind == Kind::kTimestamp);
  CHECK(ms->value == 1700000000000);
  auto iso = ParseOffsetSpec("@2023-11-14T22:13:20Z");
  CHECK(iso->kind == Kind::kTimestamp);
  CHECK(iso->value == 1700000000000);
}

TEST_CASE("offset spec: bad forms are rejected naming the input") {
  for (const char* in : {"", "start", "1x", "--1", "+5", "@", "@yesterday", "@2026-13-01", "-",
                         "1.5", "Beginning", "99999999999999999999"}) {
    auto r = ParseOffsetSpec(in);
    CHECK_MESSAGE(!r.ok(), in);
    if (!r.ok()) CHECK(r.status().message().find("'" + std::string(in) + "'") != std::string::npos);
  }
}

TEST_CASE("until accepts offsets and timestamps but not beginning, end or -N") {
  CHECK(ParseUntilSpec("100")->kind == Kind::kAbsolute);
  CHECK(ParseUntilSpec("@5")->kind == Kind::kTimestamp);
  CHECK(ParseUntilSpec("@2026-11-22")->value == ParseIsoTimestamp("2026-11-22").value());
  for (const char* in : {"beginning", "end", "-5", "x"}) {
    auto r = ParseUntilSpec(in);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.status().message().find(in) != std::string::npos);
  }
}

TEST_CASE("ISO-8601 vectors: zones, fractions, bare dates") {
  struct V {
    const char* in;
    int64_t ms;
  };
  const V vectors[] = {
      {"1970-01-01", 0},
      {"1970-01-01T00:00:00Z", 0},
      {"2026-11-22", 1795305600000},
      {"2026-11-22T10:00:00Z", 1795341600000},
      {"2026-11-22T10:00:00", 1795341600000},   // no zone = UTC
      {"2026-11-22 10:00:00Z", 1795341600000},  // space separator
      {"2026-11-22T10:00Z", 1795341600000},     // no seconds
      {"2026-11-22T10:00:00.250+01:00", 1795338000250},
      {"2026-11-22T10:00:00.25Z", 1795341600250},
      {"2026-11-22T10:00:00.123456Z", 1795341600123},  // truncated to ms
      {"2026-11-22T10:00:00-05:30", 1795361400000},
      {"2026-11-22T10:00:00+0100", 1795338000000},
      {"2026-11-22T10:00:00+01", 1795338000000},
      {"2024-02-29T23:59:59.999Z", 1709251199999},  // leap day
      {"2000-03-01", 951868800000},
  };
  for (const V& v : vectors) {
    auto r = ParseIsoTimestamp(v.in);
    REQUIRE_MESSAGE(r.ok(), v.in);
    CHECK_MESSAGE(*r == v.ms, v.in);
  }
}

TEST_CASE("ISO-8601: impossible dates and malformed times are rejected") {
  for (const char* in :
       {"2023-02-29", "2026-04-31", "2026-00-10", "2026-11-22T24:00:00Z", "2026-11-22T10:60Z",
        "2026-11-22T10:00:00.Z", "2026-11-22T10", "2026-11-22T10:00:00+1",
        "2026-11-22T10:00:00Zjunk", "26-11-22", "2026/11/22", "2026-11-22X"}) {
    auto r = ParseIsoTimestamp(in);
    CHECK_MESSAGE(!r.ok(), in);
    if (!r.ok()) CHECK(r.status().message().find(in) != std::string::npos);
  }
}
