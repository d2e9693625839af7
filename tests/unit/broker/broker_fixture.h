// The broker set-up the network and handler tests share, in one place: a
// Broker on a temporary data directory with its Server (which owns the uv
// loop), a loopback TCP socket pair, a Connection the test answers into
// directly (DirectConnection), a Server running on its own thread for the
// tests that talk to it as a client (RunningServer), and the framing helpers
// that encode requests and decode responses.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../storage/storage_test_util.h"
#include "broker/broker.h"
#include "broker/config.h"
#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "broker/net/connection.h"
#include "broker/net/responder.h"
#include "broker/net/server.h"
#include "proto/headers.h"
#include "proto/messages.h"

namespace klog::test {

// Connects a blocking client socket to a listener on 127.0.0.1 port 0 and
// accepts it: *server_fd and *client_fd are the two ends.
inline void TcpPair(int* server_fd, int* client_fd) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(listen(listener, 1) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  *client_fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(connect(*client_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  *server_fd = accept(listener, nullptr, nullptr);
  REQUIRE(*server_fd >= 0);
  close(listener);
}

inline int32_t BigEndian32(const uint8_t* p) {
  return int32_t(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
}

// A whole request frame: size prefix, header v1 (v2 when flexible), body.
template <class Req>
std::vector<uint8_t> RequestFrame(const Req& req, int16_t version, int32_t correlation_id) {
  std::vector<uint8_t> frame;
  proto::Writer w(&frame);
  w.Int32(0);
  w.Int16(Req::kApiKey);
  w.Int16(version);
  w.Int32(correlation_id);
  w.String("test");
  if (proto::IsFlexible(Req::kApiKey, version)) w.EmptyTaggedFields();
  proto::EncodeMessage(req, version, &w);
  w.PatchInt32(0, int32_t(frame.size() - 4));
  return frame;
}

// Decodes a response frame (size prefix included) of `version`; checks its
// size prefix and, when given, its correlation id.
template <class Resp>
Resp DecodeResponseFrame(const std::vector<uint8_t>& frame, int16_t version,
                         std::optional<int32_t> correlation_id = std::nullopt) {
  REQUIRE(frame.size() >= 8);
  CHECK(BigEndian32(frame.data()) == int32_t(frame.size() - 4));
  if (correlation_id) CHECK(BigEndian32(frame.data() + 4) == *correlation_id);
  size_t header = 8 + size_t(proto::ResponseHeaderVersion(Resp::kApiKey, version));
  Resp resp;
  std::span<const uint8_t> body(frame.data() + header, frame.size() - header);
  Status s = proto::DecodeMessage(body, version, &resp);
  REQUIRE_MESSAGE(s.ok(), s.message());
  return resp;
}

// Reads one whole frame from a blocking or non-blocking socket, calling
// `pump` between attempts, for at most `timeout_ms`. nullopt on timeout or
// when the peer closed (then *eof is set, if given).
inline std::optional<std::vector<uint8_t>> ReadFrame(int fd, const std::function<void()>& pump,
                                                     int timeout_ms = 5000, bool* eof = nullptr) {
  std::vector<uint8_t> buf;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (buf.size() >= 4 && buf.size() >= 4 + size_t(BigEndian32(buf.data()))) return buf;
    if (pump) pump();
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, pump ? 1 : 50) <= 0) continue;
    uint8_t chunk[4096];
    size_t want =
        buf.size() < 4 ? 4 - buf.size() : 4 + size_t(BigEndian32(buf.data())) - buf.size();
    ssize_t n = recv(fd, chunk, std::min(want, sizeof(chunk)), 0);
    if (n <= 0) {
      if (eof != nullptr) *eof = true;
      return std::nullopt;
    }
    buf.insert(buf.end(), chunk, chunk + n);
  }
  return std::nullopt;
}

// True once the peer has closed `fd` (EOF or reset) within `timeout_ms`,
// discarding whatever it sent before.
inline bool PeerClosed(int fd, const std::function<void()>& pump, int timeout_ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pump) pump();
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, pump ? 1 : 50) <= 0) continue;
    uint8_t chunk[4096];
    if (recv(fd, chunk, sizeof(chunk), 0) <= 0) return true;
  }
  return false;
}

inline bool SendAll(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes = bytes.subspan(size_t(n));
  }
  return true;
}

// A Produce request for one partition of one topic.
inline proto::ProduceRequest ProduceOne(const std::string& topic, int32_t partition,
                                        std::span<const uint8_t> records, int16_t acks = 1) {
  proto::ProduceRequest req;
  req.acks = acks;
  req.timeout_ms = 1000;
  proto::ProduceTopicData& t = req.topic_data.emplace_back();
  t.name = topic;
  proto::ProducePartitionData& p = t.partition_data.emplace_back();
  p.index = partition;
  p.records.bytes = records;
  return req;
}

// A Broker on a temporary data directory and its Server (not listening, not
// running): the test drives the loop with Pump().
struct BrokerFixture {
  TempDir tmp;
  broker::BrokerConfig config;
  // Errors only, on stderr: the cases provoke warnings on purpose.
  broker::Diagnostics diagnostics{"klog-serve", broker::LogLevel::kError};
  std::unique_ptr<broker::Broker> broker;
  std::unique_ptr<broker::net::Server> server;

  // `exclusive`: the broker holds the data directory's lock, as klog-serve
  // does (DataDir::OpenExclusive); else it takes none.
  explicit BrokerFixture(const std::function<void(broker::BrokerConfig&)>& tweak = {},
                         bool exclusive = false) {
    config.data_dir = tmp.Sub("data");
    config.listen = broker::HostPort{"127.0.0.1", 0};
    config.cleaner_enable = false;
    if (tweak) tweak(config);
    std::filesystem::create_directories(config.data_dir);
    if (exclusive) {
      Result<DataDir> dir = DataDir::OpenExclusive(config.data_dir, "klog-serve-test");
      REQUIRE(dir.ok());
      broker = std::make_unique<broker::Broker>(config, std::move(*dir), diagnostics);
    } else {
      broker = std::make_unique<broker::Broker>(config, diagnostics);
    }
    server = std::make_unique<broker::net::Server>(broker.get());
  }
  ~BrokerFixture() {
    Pump();
    CHECK(broker->partitions().CloseAll().ok());
    server.reset();
  }

  uv_loop_t* loop() { return server->loop(); }
  void Pump() { uv_run(loop(), UV_RUN_NOWAIT); }
  // Runs the loop until `done` or `timeout_ms`; false on timeout.
  bool PumpUntil(const std::function<bool()>& done, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      Pump();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }
  void CreateTopic(const std::string& name, int32_t partitions,
                   const std::map<std::string, std::string>& configs = {}) {
    REQUIRE(broker->data_dir().CreateTopic(name, partitions, configs).ok());
    broker->partitions().ForgetTopic(name);
  }
};

// A Connection over one end of a TcpPair, owned by the test and never
// started (it reads nothing): Responders made by NewResponder answer into it
// and the test reads what it writes from `client`. Sequence numbers are
// given in call order, as Connection gives them to requests.
struct DirectConnection {
  BrokerFixture& f;
  std::shared_ptr<broker::net::Connection> conn;
  int client = -1;
  uint64_t next_seq = 0;

  explicit DirectConnection(BrokerFixture& fixture) : f(fixture) {
    int server_fd = -1;
    TcpPair(&server_fd, &client);
    conn = std::make_shared<broker::net::Connection>(f.server.get(), 1000);
    REQUIRE(uv_tcp_init(f.loop(), conn->tcp()) == 0);
    REQUIRE(uv_tcp_open(conn->tcp(), server_fd) == 0);
  }
  ~DirectConnection() {
    conn->Close("test over", broker::LogLevel::kDebug);
    f.Pump();  // runs the close callback while *conn is alive
    close(client);
  }

  broker::net::Responder NewResponder(int16_t api_key, int16_t version, int32_t correlation_id) {
    proto::RequestHeader h;
    h.api_key = api_key;
    h.api_version = version;
    h.correlation_id = correlation_id;
    return broker::net::Responder(conn, next_seq++, h);
  }
  std::optional<std::vector<uint8_t>> Read(int timeout_ms = 5000) {
    return ReadFrame(
        client, [this] { f.Pump(); }, timeout_ms);
  }
  // True if nothing arrives within `ms` (the loop runs meanwhile).
  bool Silent(int ms = 50) { return !Read(ms).has_value(); }

  // Calls handler `fn` with `req` encoded as `version`, as Dispatch would.
  template <class Req>
  void Start(broker::handlers::HandlerFn fn, const Req& req, int16_t version,
             int32_t correlation_id = 7) {
    std::vector<uint8_t> body;
    proto::Writer w(&body);
    proto::EncodeMessage(req, version, &w);
    // As in a loop callback, where a handler runs: the loop's time is current
    // (timers a handler starts are measured from now).
    uv_update_time(f.loop());
    broker::net::Responder reply = NewResponder(Req::kApiKey, version, correlation_id);
    std::string peer = "test";
    broker::handlers::RequestContext ctx{*f.broker, f.loop(), reply.header(), body, peer};
    fn(ctx, std::move(reply));
  }
  // Reads the next response and decodes it as `Resp` of `version`. The
  // decoded message points into its frame (records bytes, for example), so
  // every frame is kept for the life of the connection.
  template <class Resp>
  Resp Receive(int16_t version, int32_t correlation_id = 7) {
    std::optional<std::vector<uint8_t>> frame = Read();
    REQUIRE(frame.has_value());
    frames.push_back(std::move(*frame));
    return DecodeResponseFrame<Resp>(frames.back(), version, correlation_id);
  }
  std::deque<std::vector<uint8_t>> frames;  // what Receive decoded
  // Start, then Receive.
  template <class Resp, class Req>
  Resp Call(broker::handlers::HandlerFn fn, const Req& req, int16_t version) {
    Start(fn, req, version);
    return Receive<Resp>(version);
  }
};

// A listening Server serving on its own thread; the test is its client over
// real sockets. Stop() (or the destructor) shuts it down gracefully.
struct RunningServer {
  BrokerFixture f;
  uv_async_t stop;
  std::thread thread;
  Status result;

  explicit RunningServer(const std::function<void(broker::BrokerConfig&)>& tweak = {}) : f(tweak) {
    REQUIRE(f.server->Listen().ok());
    stop.data = f.server.get();
    uv_async_init(f.loop(), &stop, [](uv_async_t* a) {
      static_cast<broker::net::Server*>(a->data)->Shutdown("test over");
      uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);
    });
    thread = std::thread([this] { result = f.server->Run(); });
  }
  ~RunningServer() { Stop(); }
  void Stop() {
    if (!thread.joinable()) return;
    uv_async_send(&stop);
    thread.join();
    CHECK(result.ok());
  }

  // A blocking client socket connected to the server.
  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(f.server->bound().port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    return fd;
  }
};

}  // namespace klog::test
