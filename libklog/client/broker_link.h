// BrokerLink: the client's way to one broker, a Connection that is replaced when it ends.
// Calls submitted while no connection is ready wait in a queue and are encoded and sent,
// at the version negotiated with the broker, once one is. Policy:
//  - A call for an API the broker and client share no version of fails with Unsupported.
//  - When a connection attempt fails (refused, unresolvable, timed out), the queued calls
//    fail with its Status; when an established connection ends, its calls in flight fail.
//  - The next connection is made on the next Submit, but not before the backoff has
//    passed: reconnect_backoff_ms after a loss, doubled after each failed attempt up to
//    reconnect_backoff_max_ms, back to the minimum once a connection is ready.
// Loop thread only. Destroying the link abandons its connection and queue without calling
// any callback.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/connection.h"
#include "client/options.h"
#include "klog/status.h"

namespace klog::client {

class BrokerLink {
 public:
  struct Call {
    int16_t api_key = 0;
    // Encodes the request frame at the negotiated version (requests.h).
    std::function<std::vector<uint8_t>(int16_t version)> encode;
    bool expect_response = true;
    uint32_t extra_timeout_ms = 0;  // on top of request_timeout_ms (a Fetch's max wait)
    // The outcome; `version` is the one used (-1 when the call never went out).
    std::function<void(Status, int16_t version, std::vector<uint8_t> frame)> done;
  };

  BrokerLink(uv_loop_t* loop, BrokerAddress address, std::string label,
             const ClientOptions& options);
  ~BrokerLink();
  BrokerLink(const BrokerLink&) = delete;
  BrokerLink& operator=(const BrokerLink&) = delete;

  void Submit(Call call);
  // Fails every queued call and every call in flight with `why`.
  void Close(const Status& why);

  const BrokerAddress& address() const { return address_; }
  const std::string& label() const { return label_; }
  bool connected() const { return conn_ && conn_->ready(); }
  // The current connection, or nullptr (tests read its negotiated versions).
  const Connection* connection() const { return conn_.get(); }
  // The wait before the next connection attempt, in ms (0 after a success).
  uint32_t backoff_ms() const { return backoff_ms_; }

 private:
  static void OnBackoff(uv_timer_t* timer);
  void MaybeConnect();
  void Connect();
  void OnReady();
  void OnClosed(const Status& why);
  void Dispatch(Call call);
  void FailQueue(const Status& why);

  uv_loop_t* loop_;
  BrokerAddress address_;
  std::string label_;
  ClientOptions options_;
  std::shared_ptr<Connection> conn_;
  bool conn_was_ready_ = false;
  std::deque<Call> queue_;
  uv_timer_t* backoff_timer_;  // freed in its close callback
  uint32_t backoff_ms_ = 0;
  uint64_t next_attempt_ms_ = 0;
};

}  // namespace klog::client
