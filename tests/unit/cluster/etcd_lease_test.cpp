// Leases against a real etcd: keys bound to a lease live as long as it does.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "etcd_fixture.h"

namespace klog::test {
namespace {

using Clock = std::chrono::steady_clock;

bool Exists(EtcdEnv& env, const std::string& key) {
  auto [st, got] = env.Get(key);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  return !got.kvs.empty();
}

TEST_CASE("etcd: a key bound to a lease is gone once the lease is revoked") {
  EtcdEnv env;
  auto [st, id, ttl] = env.Grant(30);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(id != 0);
  CHECK(ttl == 30);
  auto [put, rev] = env.Put("/l/broker", "b", 0, id);
  REQUIRE_MESSAGE(put.ok(), put.ToString());
  auto [gst, got] = env.Get("/l/broker");
  REQUIRE(got.kvs.size() == 1);
  CHECK(got.kvs[0].lease == id);
  Status revoked = env.Revoke(id);
  REQUIRE_MESSAGE(revoked.ok(), revoked.ToString());
  CHECK_FALSE(Exists(env, "/l/broker"));
  // Ended leases are reported as such.
  CHECK(env.Revoke(id).IsNotFound());
  CHECK(env.KeepAlive(id).first.IsNotFound());
  CHECK(env.Put("/l/other", "x", 0, id).first.IsNotFound());
}

TEST_CASE("etcd: a lease without keep-alives expires and takes its keys") {
  EtcdEnv env;
  auto [st, id, ttl] = env.Grant(1);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  REQUIRE(env.Put("/l/session", "s", 0, id).first.ok());
  CHECK(Exists(env, "/l/session"));
  auto start = Clock::now();
  auto limit = std::chrono::seconds(ttl + 5);
  while (Exists(env, "/l/session") && Clock::now() - start < limit) env.loop.RunFor(100);
  CHECK_FALSE(Exists(env, "/l/session"));
  CHECK(env.KeepAlive(id).first.IsNotFound());
}

TEST_CASE("etcd: keep-alives keep a short lease and its keys past several TTLs") {
  EtcdEnv env;
  // 2 s rather than 1: a keep-alive a loaded machine delays must not be fatal.
  auto [st, id, ttl] = env.Grant(2);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  REQUIRE(env.Put("/l/kept", "k", 0, id).first.ok());
  auto until = Clock::now() + std::chrono::seconds(2 * ttl + 1);
  while (Clock::now() < until) {
    auto [ka, left] = env.KeepAlive(id);
    REQUIRE_MESSAGE(ka.ok(), ka.ToString());
    CHECK(left == ttl);
    env.loop.RunFor(250);
  }
  CHECK(Exists(env, "/l/kept"));
}

}  // namespace
}  // namespace klog::test
