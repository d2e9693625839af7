// MetricsSnapshot: the rendered metrics handed from the loop thread to the
// metrics HTTP thread. A wait returns a rendering at least as new as its
// ticket; an older rendering never replaces a newer one; a wait the loop
// does not answer in time, or one cut short by Close(), returns the newest
// rendering whatever its age.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "broker/net/metrics_snapshot.h"

using klog::broker::net::MetricsSnapshot;
using namespace std::chrono_literals;

TEST_CASE("snapshot: a wait returns the rendering published for its ticket") {
  MetricsSnapshot s;
  uint64_t ticket = s.Request();
  std::thread loop([&] {
    uint64_t seen = s.Requested();
    s.Publish(seen, "fresh");
  });
  MetricsSnapshot::Text text = s.Wait(ticket, 10s);
  loop.join();
  REQUIRE(text);
  CHECK(*text == "fresh");
}

TEST_CASE("snapshot: an older rendering does not replace a newer one") {
  MetricsSnapshot s;
  s.Request();
  uint64_t second = s.Request();
  s.Publish(second, "new");
  s.Publish(second - 1, "old");
  CHECK(*s.Wait(second, 0ms) == "new");
}

TEST_CASE("snapshot: a wait the loop does not answer in time returns the previous rendering") {
  MetricsSnapshot s;
  s.Publish(s.Requested(), "start");
  uint64_t ticket = s.Request();
  auto t0 = std::chrono::steady_clock::now();
  MetricsSnapshot::Text text = s.Wait(ticket, 50ms);
  CHECK(std::chrono::steady_clock::now() - t0 >= 50ms);
  REQUIRE(text);
  CHECK(*text == "start");
}

TEST_CASE("snapshot: Close() ends a wait at once, and every later one") {
  MetricsSnapshot s;
  s.Publish(s.Requested(), "start");
  uint64_t ticket = s.Request();
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    s.Close();
  });
  auto t0 = std::chrono::steady_clock::now();
  MetricsSnapshot::Text text = s.Wait(ticket, 60s);
  closer.join();
  CHECK(std::chrono::steady_clock::now() - t0 < 30s);
  CHECK(*text == "start");
  CHECK(*s.Wait(s.Request(), 60s) == "start");
}

TEST_CASE("snapshot: nothing published yet is a null text") {
  MetricsSnapshot s;
  s.Close();
  CHECK_FALSE(s.Wait(s.Request(), 0ms));
}
