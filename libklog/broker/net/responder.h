// Responder: the handle a request handler uses to answer its request, now or
// later. Handlers that can answer at once (ApiVersions, Metadata) call Send()
// before returning; handlers that must wait (a long-poll Fetch, a JoinGroup
// waiting for its group) keep the Responder (it is move-only) and call Send()
// from a later loop callback. Responses still leave the connection strictly
// in request order: the connection holds an early answer until every earlier
// request on it has been answered.
//
// Exactly one of Send(), SendFrame(), SendNothing() or CloseConnection() must
// be called. A Responder destroyed without an answer closes the connection (a
// client waiting for an answer that never comes would hang). If the
// connection has gone away in the meantime, all of them are no-ops. Loop
// thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/metrics.h"
#include "proto/headers.h"
#include "proto/schema.h"

namespace klog::broker::net {

class Connection;

class Responder {
 public:
  Responder() = default;
  // `header` is the request's header; its client_id is not kept. The answer
  // is reported to `metrics` (if given) with the time since construction.
  Responder(std::weak_ptr<Connection> conn, uint64_t seq, const proto::RequestHeader& header,
            Metrics* metrics = nullptr);
  Responder(Responder&& other) noexcept;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Encodes `msg` in the request's version, after the response header the
  // request's version calls for, and sends it.
  template <class Msg>
  void Send(const Msg& msg) {
    if (metrics_ != nullptr && !error_) error_ = ResponseHasError(msg);
    SendFrame(EncodeFrame(header_, msg));
  }
  // The frame Send() would send for `msg` in answer to a request with
  // `header`: any thread (a handler may encode a large answer on the pool).
  template <class Msg>
  static std::vector<uint8_t> EncodeFrame(const proto::RequestHeader& header, const Msg& msg) {
    std::vector<uint8_t> frame;
    proto::Writer w(&frame);
    size_t start = proto::BeginResponseFrame(&w, header);
    proto::EncodeMessage(msg, header.api_version, &w);
    proto::EndResponseFrame(&w, start);
    return frame;
  }
  // Sends a complete frame (size, header, body) built by the caller.
  void SendFrame(std::vector<uint8_t> frame);
  // The request gets no response (Produce with acks=0); later responses are
  // not held back by it.
  void SendNothing();
  // Closes the connection without answering, logging `reason` (a malformed
  // request, or an error Kafka signals by disconnecting).
  void CloseConnection(const std::string& reason);

  // Counts the answer as an error in the metrics (for a SendFrame whose
  // frame carries an error code).
  void MarkError() { error_ = true; }

  bool answered() const { return answered_; }
  const proto::RequestHeader& header() const { return header_; }

 private:
  void Finish(std::vector<uint8_t> frame);

  std::weak_ptr<Connection> conn_;
  uint64_t seq_ = 0;
  proto::RequestHeader header_;
  bool answered_ = true;  // a default-constructed Responder owes nothing
  bool error_ = false;
  Metrics* metrics_ = nullptr;
  uint64_t start_ns_ = 0;  // uv_hrtime() at construction
};

}  // namespace klog::broker::net
