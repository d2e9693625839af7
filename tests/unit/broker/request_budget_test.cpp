// The broker-wide bound on request memory: what is granted at once, what
// waits, in which order waiters are granted, and that it cannot deadlock.
#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "broker/net/request_budget.h"

using klog::broker::net::RequestBudget;

namespace {

struct Granted {
  std::vector<std::pair<uint64_t, int64_t>> list;
  std::vector<uint64_t> gone;  // waiters the callback refuses
  RequestBudget::Grant Callback() {
    return [this](uint64_t w, int64_t n) {
      for (uint64_t g : gone) {
        if (g == w) return false;
      }
      list.emplace_back(w, n);
      return true;
    };
  }
};

}  // namespace

TEST_CASE("reservations under the limit are granted at once") {
  Granted g;
  RequestBudget b(100, g.Callback());
  CHECK(b.Reserve(1, 60));
  CHECK(b.Reserve(2, 40));
  CHECK(b.reserved() == 100);
  CHECK(b.waiting() == 0);
  CHECK(g.list.empty());
}

TEST_CASE("a reservation over the limit waits until enough is released") {
  Granted g;
  RequestBudget b(100, g.Callback());
  REQUIRE(b.Reserve(1, 60));
  CHECK_FALSE(b.Reserve(2, 50));
  CHECK(b.waiting() == 1);
  b.Release(60);
  REQUIRE(g.list.size() == 1);
  CHECK(g.list[0] == std::pair<uint64_t, int64_t>(2, 50));
  CHECK(b.reserved() == 50);
  CHECK(b.waiting() == 0);
}

TEST_CASE("a request larger than the limit proceeds alone: no deadlock") {
  Granted g;
  RequestBudget b(100, g.Callback());
  CHECK(b.Reserve(1, 500));  // nothing else held
  CHECK(b.reserved() == 500);
  CHECK_FALSE(b.Reserve(2, 1));
  b.Release(500);
  CHECK(g.list.size() == 1);

  REQUIRE(b.Reserve(3, 10));
  CHECK_FALSE(b.Reserve(4, 500));  // waits until nothing else is held
  b.Release(1);
  CHECK(g.list.size() == 1);
  b.Release(10);
  REQUIRE(g.list.size() == 2);
  CHECK(g.list[1] == std::pair<uint64_t, int64_t>(4, 500));
}

TEST_CASE("waiters are granted in arrival order and a new request does not overtake them") {
  Granted g;
  RequestBudget b(100, g.Callback());
  REQUIRE(b.Reserve(1, 90));
  CHECK_FALSE(b.Reserve(2, 80));
  // 10 bytes are free, but waiter 2 came first.
  CHECK_FALSE(b.Reserve(3, 5));
  CHECK(b.waiting() == 2);
  b.Release(90);
  REQUIRE(g.list.size() == 2);
  CHECK(g.list[0].first == 2);
  CHECK(g.list[1].first == 3);
  CHECK(b.reserved() == 85);
}

TEST_CASE("a cancelled waiter lets the next one through; a gone waiter is skipped") {
  Granted g;
  RequestBudget b(100, g.Callback());
  REQUIRE(b.Reserve(1, 50));
  CHECK_FALSE(b.Reserve(2, 100));
  CHECK_FALSE(b.Reserve(3, 40));
  b.Cancel(2);
  REQUIRE(g.list.size() == 1);
  CHECK(g.list[0].first == 3);
  CHECK(b.reserved() == 90);

  CHECK_FALSE(b.Reserve(4, 20));
  CHECK_FALSE(b.Reserve(5, 20));
  g.gone.push_back(4);
  b.Release(90);
  REQUIRE(g.list.size() == 2);
  CHECK(g.list[1].first == 5);
  CHECK(b.reserved() == 20);
  b.Cancel(99);  // unknown: nothing happens
  CHECK(b.reserved() == 20);
}
