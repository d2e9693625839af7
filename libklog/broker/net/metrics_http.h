// MetricsHttp: the --metrics listener, served by libmicrohttpd on a thread
// of its own: GET /metrics is answered with Metrics::Render (Prometheus text
// format 0.0.4), another path with 404, another method with 405 (with
// "Allow: GET"). libmicrohttpd answers what it cannot parse itself: 400 for
// a malformed request, 431 for a request head over the memory limit (about
// 8 KiB; a head within about 150 bytes under it leaves no room for the
// answer and is closed without one), 505 for an HTTP version other than 1.0
// and 1.1; a request line without a space, or a partial request the client
// half-closes, is closed without an answer. Every answer carries
// "Connection: close": one request per connection.
//
// Threads: the HTTP thread never touches the Broker. It asks the loop
// thread for a rendering (a uv_async_t) and serves it through a
// MetricsSnapshot. Freshness: a 200 answer shows the counters as the loop
// saw them at some moment after the request arrived, unless the loop did
// not get round to rendering within kFreshWaitMs (it is blocked or badly
// overloaded); then the newest earlier rendering is served, which is as old
// as the previous scrape that was answered in time (or Listen()).
//
// Limits, so that a client cannot hold memory or threads: one HTTP thread
// for every connection; at most kMaxConnections at once (further ones are
// accepted and closed at once); kMemoryLimitBytes of buffers per connection
// (the request head must fit); a connection idle for kIdleTimeoutSeconds is
// closed.
//
// Lifecycle: Listen() binds and starts the HTTP thread; Close() stops and
// joins it and closes the uv_async_t (so the loop must run afterwards).
// Both on the loop thread; the Broker outlives this object.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/config.h"
#include "broker/diagnostics.h"
#include "broker/net/metrics_snapshot.h"
#include "klog/status.h"

struct MHD_Daemon;

namespace klog::broker {
class Broker;
}  // namespace klog::broker

namespace klog::broker::net {

class MetricsHttp {
 public:
  static constexpr unsigned kMaxConnections = 16;
  static constexpr size_t kMemoryLimitBytes = 8192;
  static constexpr unsigned kIdleTimeoutSeconds = 10;
  static constexpr int64_t kFreshWaitMs = 1000;

  MetricsHttp(uv_loop_t* loop, Broker* broker);
  ~MetricsHttp();
  MetricsHttp(const MetricsHttp&) = delete;
  MetricsHttp& operator=(const MetricsHttp&) = delete;

  // Binds `address` (port 0 = ephemeral), publishes a first rendering and
  // starts the HTTP thread; logs the bound address at level info ("metrics
  // on 127.0.0.1:9404").
  Status Listen(const HostPort& address);
  const HostPort& bound() const { return bound_; }
  // Stops the HTTP thread (closing every metrics connection) and closes
  // the listening socket. Idempotent.
  void Close();

  // libmicrohttpd's callbacks (HTTP thread), defined in the .cpp file.
  struct Callbacks;

 private:
  static void OnRenderRequested(uv_async_t* async);
  // Loop thread: renders the exposition and publishes it.
  void Render();
  // HTTP thread: a rendering at least as new as the call (see Freshness).
  MetricsSnapshot::Text Fresh();

  uv_loop_t* loop_;
  Broker* broker_;
  // The broker's event log, kept here so the HTTP thread reports through it
  // without touching the Broker (Diagnostics is thread-safe).
  Diagnostics& diagnostics_;
  uv_async_t render_;
  bool render_open_ = false;
  MHD_Daemon* daemon_ = nullptr;
  MetricsSnapshot snapshot_;
  std::atomic<unsigned> open_connections_ = 0;
  HostPort bound_;
};

// The status code for a request that libmicrohttpd parsed: 200 for GET
// /metrics (`path` without its query string), 404 for another path, 405
// for another method.
int MetricsHttpStatus(std::string_view method, std::string_view path);

}  // namespace klog::broker::net
