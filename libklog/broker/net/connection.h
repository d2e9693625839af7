// Connection: one client socket. It cuts the byte stream into frames (int32
// size + body), hands each request to the dispatcher with a Responder, and
// writes the answers back strictly in request order.
//
// Lifecycle (libuv style): the Server creates it, accepts into tcp(), calls
// Start(); Close() starts uv_close and the connection tells the Server in the
// close callback, which drops the last owning reference. Responders hold weak
// references, so an answer that arrives after the close is dropped.
//
// Flow control: reading pauses while `max_queued_responses` requests await
// their turn to be written, or while more than `max_unsent_bytes` of
// responses sit in libuv's write queue (a client that sends but never reads),
// and resumes once they drain. Fairness: one read callback handles at most a
// few dozen requests; the rest wait for the Server's next round (ScheduleResume)
// so that one pipelining client cannot starve the others.
//
// Memory: once a request's size prefix is read, its whole frame is reserved
// with the Server's request budget (request_budget.h) before the rest is
// read or the request is handled; the buffer then grows to hold exactly that
// frame. Without the reservation, reading stops until the budget grants it
// (OnMemoryGranted). The reservation is given back when the request is
// answered (Complete) or the connection closes. Bytes read past the frame
// being read are at most one read chunk. Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "broker/diagnostics.h"

namespace klog::broker::net {

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server* server, uint64_t id);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }

  // Starts reading; on failure closes the connection.
  void Start();
  // Closes the socket now (pending responses are dropped), logging `reason`
  // at `level`. Idempotent.
  void Close(const std::string& reason, LogLevel level);
  // Handles buffered requests (after a turn ended, or a backlog cleared) or
  // resumes reading. Called by the Server's fairness queue.
  void Resume();
  // Graceful end for shutdown: stops reading new requests, closes once every
  // request already read has been answered and written.
  void Drain();
  bool closing() const { return closing_; }
  // Loop time (ms) of the last byte read or written.
  uint64_t last_activity() const { return last_activity_; }

  // Called by Responder: the response for request `seq`, a complete frame
  // (size, header, body); an empty frame means the request gets no response.
  void Complete(uint64_t seq, std::vector<uint8_t> frame);
  // Called by the Server when the reservation this connection waits for is
  // granted: `bytes` are now held for the frame at the head of the buffer.
  void OnMemoryGranted(int64_t bytes);

 private:
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* h);

  void ProcessFrames();
  void HandleFrame(std::span<const uint8_t> frame);
  void FlushReady();
  void UpdateReading();
  void RequestTurn();
  bool Backlogged() const;
  bool HasCompleteFrame() const;
  bool ReserveHeadFrame(int32_t size);
  void FitBuffer();
  void ReleaseMemory();
  void MaybeFinishDrain();

  Server* server_;
  uint64_t id_;
  uv_tcp_t tcp_;
  std::string peer_;
  std::vector<uint8_t> in_;  // bytes read, not yet consumed: [0, in_len_)
  size_t in_len_ = 0;
  uint64_t next_seq_ = 0;                           // sequence number of the next request read
  uint64_t next_send_ = 0;                          // sequence number whose response goes out next
  std::map<uint64_t, std::vector<uint8_t>> ready_;  // answered, waiting for earlier ones
  int64_t head_reserved_ = 0;                       // request memory held for the frame at in_[0]
  std::map<uint64_t, int64_t> held_;                // request memory of handled requests, by seq
  size_t writes_in_flight_ = 0;
  uint64_t last_activity_ = 0;
  bool reading_ = false;
  bool peer_eof_ = false;
  bool draining_ = false;
  bool closing_ = false;
  bool processing_ = false;           // inside ProcessFrames
  bool paused_ = false;               // reading stopped for a backlog (logged)
  bool awaiting_memory_ = false;      // the head frame's reservation is queued
  bool resume_scheduled_ = false;     // queued for a turn with the Server
  std::shared_ptr<Connection> self_;  // keeps *this alive until OnClose
};

}  // namespace klog::broker::net
