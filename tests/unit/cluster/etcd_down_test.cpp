// A gateway that is down or silent gives a clear error within the timeouts.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "etcd_fixture.h"

namespace klog::test {
namespace {

using Clock = std::chrono::steady_clock;

long ElapsedMs(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

TEST_CASE("etcd: a gateway that refuses connections fails each call, naming it") {
  std::string endpoint = "http://127.0.0.1:" + std::to_string(FreePort());
  EtcdEnv env(false, endpoint, 1000);
  auto start = Clock::now();
  auto [st, got] = env.Get("/down/key");
  CHECK(st.code() == Status::Code::kIOError);
  CHECK(st.message().find("etcd get /down/key") != std::string::npos);
  CHECK(st.message().find(endpoint) != std::string::npos);
  auto [put, rev] = env.Put("/down/key", "v", 0);
  CHECK(put.code() == Status::Code::kIOError);
  CHECK(put.message().find("etcd put /down/key") != std::string::npos);
  CHECK(std::get<0>(env.Grant(5)).code() == Status::Code::kIOError);
  CHECK(ElapsedMs(start) < 3000);

  std::vector<Status> errors;
  auto watch = env.store->WatchPrefix("/down/", 0,
                                      [&](Status s, cluster::WatchBatch) { errors.push_back(s); });
  REQUIRE(env.loop.RunUntil([&] { return !errors.empty(); }, 5000));
  CHECK_FALSE(errors[0].ok());
  CHECK(errors[0].message().find("etcd watch prefix /down/") != std::string::npos);
}

TEST_CASE("etcd: a gateway that accepts but never answers times out") {
  // The kernel completes the handshake into the backlog; nobody reads.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(fd, 8) == 0);
  socklen_t len = sizeof a;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  std::string endpoint = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  {
    EtcdEnv env(false, endpoint, 500);
    auto start = Clock::now();
    auto [st, rev] = env.Put("/silent/key", "v", 0);
    long ms = ElapsedMs(start);
    CHECK(st.code() == Status::Code::kIOError);
    CHECK(st.message().find("etcd put /silent/key") != std::string::npos);
    CHECK_MESSAGE(st.message().find("timed out") != std::string::npos, st.ToString());
    CHECK(ms >= 400);
    CHECK(ms < 3000);
  }
  close(fd);
}

}  // namespace
}  // namespace klog::test
