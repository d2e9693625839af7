// MetricsHttp: the --metrics listener. A minimal HTTP/1.1 server on the
// broker's loop that answers GET /metrics with Metrics::Render (Prometheus
// text format 0.0.4), any other path with 404, other methods with 405 and a
// malformed or oversized (> kMaxRequestBytes) request head with 400. Every
// answer carries "Connection: close": one request per connection, after
// which the server half-closes and waits (at most kLingerMs) for the client
// to close, discarding anything more it sends, so a client that sent a body
// still reads its answer.
//
// Limits: at most kMaxConnections at once (further ones are accepted and
// closed at once), and a connection that has not sent a whole request head
// within kIdleTimeoutMs is closed. Nothing blocks the loop: rendering walks
// the counters and the open partitions in memory.
//
// Lifecycle: Listen() binds; Close() stops listening and closes every
// connection (memory is freed in the close callbacks, so the loop must run
// afterwards). Loop thread only; the Broker outlives it.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "broker/config.h"
#include "klog/status.h"

namespace klog::broker {

class Broker;

class MetricsHttp {
 public:
  static constexpr size_t kMaxRequestBytes = 8192;
  static constexpr size_t kMaxConnections = 16;
  static constexpr uint64_t kIdleTimeoutMs = 10000;
  static constexpr uint64_t kLingerMs = 2000;

  MetricsHttp(uv_loop_t* loop, Broker* broker);
  ~MetricsHttp();
  MetricsHttp(const MetricsHttp&) = delete;
  MetricsHttp& operator=(const MetricsHttp&) = delete;

  // Binds `address` (port 0 = ephemeral) and starts accepting; logs the
  // bound address at level info ("metrics on 127.0.0.1:9404").
  Status Listen(const HostPort& address);
  const HostPort& bound() const { return bound_; }
  // Stops listening and closes every connection. Idempotent.
  void Close();

  struct Conn;

 private:
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnTimeout(uv_timer_t* timer);
  static void OnConnClosed(uv_handle_t* h);
  void Accept();
  void HandleBytes(Conn* c);
  void Respond(Conn* c, int status);
  void CloseConn(Conn* c);
  std::string Body() const;

  uv_loop_t* loop_;
  Broker* broker_;
  uv_tcp_t listener_;
  bool listening_ = false;
  HostPort bound_;
  std::unordered_set<Conn*> conns_;
};

// The status code for one request head (everything up to and including the
// blank line): 200 for GET /metrics (a query string is ignored), 404 for
// another path, 405 for another method, 400 when the request line or a
// header line is malformed.
int MetricsHttpStatus(std::string_view head);

// The whole response for `status` ("HTTP/1.1 200 OK", Content-Type,
// Content-Length, Connection: close, then `body`).
std::string MetricsHttpResponse(int status, std::string_view body);

}  // namespace klog::broker
