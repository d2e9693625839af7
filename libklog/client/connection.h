// Connection: one TCP connection to one broker on a libuv loop. Requests are pipelined:
// each gets the next correlation id, and its response is matched by that id, so answers
// may complete in any order.
//
// Lifecycle: Create, then Start() once. The connection resolves the host, connects, sends
// ApiVersions (v3, and v0 again if the broker answers UNSUPPORTED_VERSION), and then calls
// events.on_ready; from then on Send() is allowed. Resolving, connecting and the ApiVersions
// exchange together must finish within connect_timeout_ms. The first failure (resolve,
// connect, read or write error, the broker closing, a bad frame, the connect timeout) or a
// Close() ends the connection: every request in flight gets a Status naming the API and the
// broker, then events.on_closed gets the cause, once. A request that times out fails alone
// (its late answer is dropped); the connection stays open.
//
// Loop thread only. Destroying the Connection (or Abandon()) closes it without calling any
// callback; the libuv handles are freed in their close callbacks, so the loop must run
// afterwards.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "client/frame.h"
#include "client/options.h"
#include "client/versions.h"
#include "klog/status.h"

namespace klog::client {

// Called once per request: ok with the response frame (the bytes after the size prefix),
// or an error and an empty frame. A request that expects no response (Produce with acks 0)
// completes ok with an empty frame once it is written.
using ResponseFn = std::function<void(Status, std::vector<uint8_t> frame)>;

struct Request {
  int16_t api_key = 0;
  int16_t version = 0;
  std::vector<uint8_t> frame;  // from EncodeRequestFrame; the correlation id is set by Send
  bool expect_response = true;
  uint32_t timeout_ms = 30000;
  ResponseFn done;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  struct Events {
    std::function<void()> on_ready;
    std::function<void(const Status&)> on_closed;
  };

  // `label` names the broker in every error ("broker 1 (host:9092)").
  static std::shared_ptr<Connection> Create(uv_loop_t* loop, BrokerAddress address,
                                            std::string label, const ClientOptions& options,
                                            Events events);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  bool ready() const { return state_ == State::kReady; }
  bool closed() const { return state_ == State::kClosed; }
  const std::string& label() const { return label_; }
  // The versions negotiated by ApiVersions; valid once ready.
  const ApiVersionMap& versions() const { return versions_; }
  // The ApiVersions version the broker answered (3, or 0 after a fallback).
  int16_t api_versions_version() const { return api_versions_version_; }
  size_t in_flight() const { return pending_.size(); }

  // Sends `req` (ready() only; otherwise req.done gets an error at once).
  void Send(Request req);
  // Ends the connection as described above, with `why` as the cause.
  void Close(const Status& why) { Fail(why); }
  // Ends the connection without calling any callback.
  void Abandon();

 private:
  enum class State { kIdle, kResolving, kConnecting, kHandshake, kReady, kClosed };
  struct Pending {
    int16_t api_key;
    int16_t version;
    uint64_t deadline_ms;
    bool expect_response;
    ResponseFn done;
  };
  struct ResolveReq;
  struct ConnectReq;
  struct WriteReq;

  Connection(uv_loop_t* loop, BrokerAddress address, std::string label,
             const ClientOptions& options, Events events);
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
  static void OnConnected(uv_connect_t* req, int status);
  static void OnWritten(uv_write_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnTimer(uv_timer_t* timer);

  void SendApiVersions(int16_t version);
  void OnApiVersions(int16_t version, std::vector<uint8_t> frame);
  int32_t Enqueue(int16_t api_key, int16_t version, std::vector<uint8_t> frame,
                  bool expect_response, uint32_t timeout_ms, ResponseFn done);
  void HandleFrame(std::vector<uint8_t> frame);
  void ExpireRequests();
  void ArmTimer(uint64_t deadline_ms);
  void Fail(const Status& why);
  void CloseHandles();
  std::string What(int16_t api_key, int16_t version) const;

  uv_loop_t* loop_;
  BrokerAddress address_;
  std::string label_;
  ClientOptions options_;
  Events events_;
  State state_ = State::kIdle;
  uv_tcp_t* tcp_ = nullptr;      // freed in its close callback
  uv_timer_t* timer_ = nullptr;  // the connect deadline, then request deadlines
  uint64_t armed_ms_ = 0;        // when the timer fires, 0 when not armed
  uint64_t connect_deadline_ms_ = 0;
  FrameAssembler frames_;
  std::vector<char> read_buf_;
  int32_t next_correlation_id_ = 1;
  std::map<int32_t, Pending> pending_;
  std::set<int32_t> timed_out_;  // answers still due for requests that already failed
  ApiVersionMap versions_;
  int16_t api_versions_version_ = -1;
};

}  // namespace klog::client
