// Watches against a real etcd: every change after a revision, in order.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "etcd_fixture.h"

namespace klog::test {
namespace {

using cluster::WatchBatch;
using cluster::WatchEvent;

// What a watch delivered so far.
struct Seen {
  std::vector<WatchEvent> events;
  std::vector<Status> errors;
  int batches = 0;
  cluster::WatchFn Fn() {
    return [this](Status st, WatchBatch b) {
      if (!st.ok()) {
        errors.push_back(st);
        return;
      }
      ++batches;
      for (auto& e : b.events) events.push_back(std::move(e));
    };
  }
};

TEST_CASE("etcd: a watch from a past revision replays puts and deletes in order") {
  EtcdEnv env;
  auto [p1, r1] = env.Put("/w/a", "1", 0);
  REQUIRE(p1.ok());
  auto [p2, r2] = env.Put("/w/b", "2", 0);
  REQUIRE(env.Put("/x/outside", "x", 0).first.ok());
  auto [d1, r3] = env.Delete("/w/a", r1);
  REQUIRE(d1.ok());
  auto [p3, r4] = env.Put("/w/b", "3", r2);
  REQUIRE(p3.ok());
  Seen seen;
  auto watch = env.store->WatchPrefix("/w/", r1, seen.Fn());
  REQUIRE(
      env.loop.RunUntil([&] { return seen.events.size() >= 4 || !seen.errors.empty(); }, 10000));
  REQUIRE(seen.errors.empty());
  REQUIRE(seen.events.size() == 4);
  CHECK(seen.events[0].type == WatchEvent::Type::kPut);
  CHECK(seen.events[0].kv.key == "/w/a");
  CHECK(seen.events[0].kv.value == "1");
  CHECK(seen.events[0].kv.mod_revision == r1);
  CHECK(seen.events[1].kv.key == "/w/b");
  CHECK(seen.events[2].type == WatchEvent::Type::kDelete);
  CHECK(seen.events[2].kv.key == "/w/a");
  CHECK(seen.events[2].kv.mod_revision == r3);
  CHECK(seen.events[3].type == WatchEvent::Type::kPut);
  CHECK(seen.events[3].kv.value == "3");
  CHECK(seen.events[3].kv.mod_revision == r4);

  // Later changes arrive live, after the replay.
  auto [p4, r5] = env.Put("/w/c", std::string("\0\xff", 2), 0);
  REQUIRE(p4.ok());
  REQUIRE(env.loop.RunUntil([&] { return seen.events.size() >= 5; }, 10000));
  CHECK(seen.events[4].kv.key == "/w/c");
  CHECK(seen.events[4].kv.value == std::string("\0\xff", 2));
  CHECK(seen.events[4].kv.mod_revision == r5);
  CHECK(seen.errors.empty());
}

TEST_CASE("etcd: a watch cancelled from its own callback calls back no more") {
  EtcdEnv env;
  auto [st, first] = env.Get("/none");
  REQUIRE(st.ok());
  int calls = 0;
  std::unique_ptr<cluster::Watch> watch;
  watch = env.store->WatchPrefix("/k/", first.revision + 1, [&](Status, WatchBatch) {
    ++calls;
    watch.reset();  // destroys the watch inside its own callback
  });
  env.loop.RunFor(200);
  REQUIRE(env.Put("/k/1", "a", 0).first.ok());
  REQUIRE(env.loop.RunUntil([&] { return calls > 0; }, 10000));
  REQUIRE(env.Put("/k/2", "b", 0).first.ok());
  env.loop.RunFor(300);
  CHECK(calls == 1);
  CHECK(watch == nullptr);
}

TEST_CASE("etcd: a watch from a compacted revision ends, saying so, so the caller re-reads") {
  EtcdEnv env;
  auto [p1, r1] = env.Put("/z/a", "1", 0);
  REQUIRE(p1.ok());
  auto [p2, r2] = env.Put("/z/a", "2", r1);
  REQUIRE(p2.ok());
  REQUIRE(env.etcd->Compact(r2));
  Seen seen;
  auto watch = env.store->WatchPrefix("/z/", r1, seen.Fn());
  REQUIRE(env.loop.RunUntil([&] { return !seen.errors.empty(); }, 10000));
  CHECK(seen.events.empty());
  CHECK(seen.errors[0].IsNotFound());
  CHECK_MESSAGE(seen.errors[0].message().find("compacted (oldest kept: " + std::to_string(r2)) !=
                    std::string::npos,
                seen.errors[0].ToString());
  env.loop.RunFor(100);
  CHECK(seen.errors.size() == 1);
}

TEST_CASE("etcd: a watch ends with an error when etcd stops") {
  EtcdEnv env;
  Seen seen;
  auto watch = env.store->WatchPrefix("/s/", 0, seen.Fn());
  env.loop.RunFor(200);
  REQUIRE(env.Put("/s/1", "a", 0).first.ok());
  REQUIRE(env.loop.RunUntil([&] { return !seen.events.empty(); }, 10000));
  env.etcd->Stop();
  REQUIRE(env.loop.RunUntil([&] { return !seen.errors.empty(); }, 10000));
  CHECK(seen.errors.size() == 1);
  CHECK(seen.errors[0].message().find("etcd watch prefix /s/") != std::string::npos);
}

}  // namespace
}  // namespace klog::test
