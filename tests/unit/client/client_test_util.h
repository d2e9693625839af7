// What the client tests share: a uv loop the test drives (TestLoop), a fake broker on that
// loop that answers ApiVersions itself and hands every other request to the test
// (FakeBroker), and the response framing a broker does (ResponseFrame).
#pragma once

#include <doctest/doctest.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/frame.h"
#include "client/versions.h"
#include "proto/api.h"
#include "proto/headers.h"
#include "proto/messages.h"
#include "proto/msg_offset_for_leader_epoch.h"

namespace klog::test {

// A loop owned by the test. The destructor runs it until every handle has closed and
// checks that it then closes: a handle the client leaked fails the test.
struct TestLoop {
  uv_loop_t loop;
  TestLoop() { REQUIRE(uv_loop_init(&loop) == 0); }
  ~TestLoop() {
    for (int i = 0; i < 1000 && uv_run(&loop, UV_RUN_NOWAIT) != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(uv_loop_close(&loop) == 0);
  }
  uv_loop_t* get() { return &loop; }
  // Runs the loop until `done` or `timeout_ms`; false on timeout.
  bool RunUntil(const std::function<bool()>& done, int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      uv_run(&loop, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }
  // Runs the loop for `ms`.
  void RunFor(int ms) {
    RunUntil([] { return false; }, ms);
  }
};

// A whole response frame, as a broker writes it: size, correlation id, the tagged section
// of header v1 when the version is flexible (not for ApiVersions), then the body.
template <class Resp>
std::vector<uint8_t> ResponseFrame(const Resp& resp, int16_t version, int32_t correlation_id) {
  std::vector<uint8_t> out;
  proto::Writer w(&out);
  w.Int32(0);
  w.Int32(correlation_id);
  if (client::HasTaggedResponseHeader(Resp::kApiKey, version)) w.EmptyTaggedFields();
  bool flexible = client::IsFlexibleVersion(Resp::kApiKey, version);
  proto::Encoder e(&w, version, flexible);
  e.Struct(const_cast<Resp&>(resp));
  w.PatchInt32(0, static_cast<int32_t>(out.size() - 4));
  return out;
}

// A broker that exists only on the test's loop. It answers ApiVersions itself (from
// `advertised`, or UNSUPPORTED_VERSION for versions above `max_api_versions`) and passes
// every other request to `on_request`, which answers through Send (now or later, in any
// order) or not at all.
class FakeBroker {
 public:
  struct Conn;
  struct Received {
    Conn* conn;
    proto::RequestHeader header;  // client_id is not kept
    std::vector<uint8_t> frame;   // the whole request frame after the size prefix
  };

  explicit FakeBroker(uv_loop_t* loop);
  ~FakeBroker();

  // Listens on 127.0.0.1:port (0: an ephemeral port, then port() has it).
  void Listen(uint16_t port = 0);
  // Stops listening and closes every connection.
  void Stop();
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  size_t connections() const { return conns_.size(); }

  // Writes bytes on a connection, if it is still open.
  void Send(Conn* conn, std::vector<uint8_t> bytes);
  // Answers a received request with `resp` encoded as the request's version.
  template <class Resp>
  void Answer(const Received& req, const Resp& resp) {
    Send(req.conn, ResponseFrame(resp, req.header.api_version, req.header.correlation_id));
  }

  std::vector<proto::ApiVersionsKey> advertised;
  int16_t max_api_versions = 3;
  std::function<void(Received)> on_request;
  std::vector<int16_t> api_versions_seen;  // the versions of the ApiVersions requests

 private:
  static void OnConnection(uv_stream_t* server, int status);
  void OnFrame(Conn* conn, std::vector<uint8_t> frame);
  void Drop(Conn* conn);

  uv_loop_t* loop_;
  uv_tcp_t* listener_ = nullptr;
  uint16_t port_ = 0;
  std::vector<Conn*> conns_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace klog::test
