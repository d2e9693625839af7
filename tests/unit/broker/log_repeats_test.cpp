// Collapsing repeated log lines: the first is printed, repeats inside the
// window are counted and reported once, a different line is never held back.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "broker/diagnostics.h"

using klog::broker::RepeatFilter;

namespace {

struct Reports {
  std::vector<std::string> lines;
  RepeatFilter::Report Callback() {
    return [this](const std::string& line, uint64_t n, int64_t span) {
      lines.push_back(line + " x" + std::to_string(n) + " in " + std::to_string(span));
    };
  }
};

}  // namespace

TEST_CASE("identical lines inside the window are counted, then reported once") {
  Reports r;
  RepeatFilter f(10000);
  CHECK(f.Admit("e: disk", 0, r.Callback()));
  for (int i = 1; i <= 20; ++i) CHECK_FALSE(f.Admit("e: disk", i * 500 - 1, r.Callback()));
  f.Expire(9000, false, r.Callback());
  CHECK(r.lines.empty());  // the window has not passed
  f.Expire(10500, false, r.Callback());
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0] == "e: disk x20 in 10500");
  // A new window: still collapsed, and reported again once it has passed.
  CHECK_FALSE(f.Admit("e: disk", 11000, r.Callback()));
  f.Expire(21000, false, r.Callback());
  CHECK(r.lines.size() == 2);
  // A window without repeats forgets the line: the next one is printed.
  f.Expire(31000, false, r.Callback());
  CHECK(f.Admit("e: disk", 31001, r.Callback()));
  CHECK(r.lines.size() == 2);
}

TEST_CASE("different lines are printed; a line is printed again after a quiet window") {
  Reports r;
  RepeatFilter f(1000);
  CHECK(f.Admit("a", 0, r.Callback()));
  CHECK(f.Admit("b", 1, r.Callback()));
  CHECK(f.Admit("a", 1000, r.Callback()));  // window over, nothing counted
  CHECK(r.lines.empty());
}

TEST_CASE("a repeat after the window reports the pending count at once") {
  Reports r;
  RepeatFilter f(1000);
  CHECK(f.Admit("a", 0, r.Callback()));
  CHECK_FALSE(f.Admit("a", 10, r.Callback()));
  CHECK_FALSE(f.Admit("a", 2000, r.Callback()));  // reported with this one counted
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0] == "a x2 in 2000");
}

TEST_CASE("flushing everything reports every pending count; the table is bounded") {
  Reports r;
  RepeatFilter f(1000, 2);
  CHECK(f.Admit("a", 0, r.Callback()));
  CHECK_FALSE(f.Admit("a", 1, r.Callback()));
  CHECK(f.Admit("b", 2, r.Callback()));
  CHECK(f.Admit("c", 3, r.Callback()));  // table full: not tracked
  CHECK(f.Admit("c", 4, r.Callback()));
  f.Expire(5, true, r.Callback());
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0] == "a x1 in 5");
  CHECK(f.Admit("a", 6, r.Callback()));  // forgotten after the flush
}
