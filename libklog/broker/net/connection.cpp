#include "broker/net/connection.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "broker/handlers/dispatch.h"
#include "broker/net/server.h"

namespace klog::broker::net {

using handlers::Dispatch;
namespace {

constexpr size_t kReadChunk = 64 << 10;
// api_key, api_version, correlation_id, client_id length: the smallest request header.
constexpr int32_t kMinRequestBytes = 10;
// Requests handled per read callback before other connections get a turn.
constexpr int kFramesPerTurn = 64;
// A buffer this much larger than needed (left by a large request) is shrunk.
constexpr size_t kShrinkSlack = 1 << 20;

struct WriteReq {
  uv_write_t req;
  Connection* conn;
  std::vector<uint8_t> frame;
};

int32_t LoadBigEndian32(const uint8_t* p) {
  return int32_t(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
}

std::string PeerName(uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "?";
  char host[64] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    uv_ip6_name(a, host, sizeof(host));
    port = ntohs(a->sin6_port);
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&addr);
  uv_ip4_name(a, host, sizeof(host));
  port = ntohs(a->sin_port);
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(Server* server, uint64_t id) : server_(server), id_(id) { tcp_.data = this; }

void Connection::Start() {
  self_ = shared_from_this();
  peer_ = PeerName(&tcp_);
  last_activity_ = uv_now(server_->loop());
  uv_tcp_nodelay(&tcp_, 1);
  server_->broker().diagnostics().Debug("connection " + std::to_string(id_) + " from " + peer_ +
                                        " opened");
  UpdateReading();
}

void Connection::Close(const std::string& reason, LogLevel level) {
  if (closing_) return;
  closing_ = true;
  server_->broker().diagnostics().Report(
      level, "connection " + std::to_string(id_) + " from " + peer_ + " closed: " + reason);
  ready_.clear();
  ReleaseMemory();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
}

void Connection::OnClose(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  std::shared_ptr<Connection> keep = c->shared_from_this();  // outlives the erase below
  c->self_.reset();
  c->server_->OnConnectionClosed(c->id_);
}

void Connection::Drain() {
  if (closing_ || draining_) return;
  draining_ = true;
  UpdateReading();
  MaybeFinishDrain();
}

void Connection::MaybeFinishDrain() {
  if (closing_) return;
  bool idle = next_send_ == next_seq_ && writes_in_flight_ == 0;
  if (draining_ && idle)
    Close("shutting down", LogLevel::kDebug);
  else if (peer_eof_ && idle)
    Close("client closed the connection", LogLevel::kDebug);
}

bool Connection::Backlogged() const {
  const BrokerConfig& cfg = server_->config();
  if (next_seq_ - next_send_ >= uint64_t(cfg.max_queued_responses)) return true;
  size_t queued = uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(&tcp_));
  return queued > size_t(cfg.max_unsent_bytes);
}

void Connection::UpdateReading() {
  if (closing_) return;
  // A complete frame still buffered (a turn ended, or the connection is
  // backlogged) is handled before more is read, so the buffer stays bounded.
  bool want = !draining_ && !peer_eof_ && !awaiting_memory_ && !Backlogged() && !HasCompleteFrame();
  if (want == reading_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  if (want) {
    int rc = uv_read_start(stream, OnAlloc, OnRead);
    if (rc != 0) return Close(std::string("read: ") + uv_strerror(rc), LogLevel::kWarn);
    if (paused_)
      server_->broker().diagnostics().Debug("connection " + std::to_string(id_) +
                                            ": reading resumed");
    paused_ = false;
  } else {
    uv_read_stop(stream);
    if (!draining_ && !peer_eof_ && Backlogged()) {
      size_t unsent = uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&tcp_));
      server_->broker().diagnostics().Debug(
          "connection " + std::to_string(id_) + ": reading paused (" +
          std::to_string(next_seq_ - next_send_) + " responses waiting, " + std::to_string(unsent) +
          " bytes unsent)");
      paused_ = true;
    }
  }
  reading_ = want;
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  c->FitBuffer();
  if (c->in_.size() < c->in_len_ + kReadChunk) c->in_.resize(c->in_len_ + kReadChunk);
  *buf = uv_buf_init(reinterpret_cast<char*>(c->in_.data() + c->in_len_), kReadChunk);
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<Connection*>(s->data);
  if (c->closing_) return;
  if (nread > 0) {
    c->in_len_ += size_t(nread);
    c->server_->broker().metrics().AddBytesIn(uint64_t(nread));
    c->last_activity_ = uv_now(c->server_->loop());
    c->ProcessFrames();
    return;
  }
  if (nread == 0) return;  // EAGAIN
  if (nread != UV_EOF) {
    return c->Close(std::string("read: ") + uv_strerror(int(nread)), LogLevel::kInfo);
  }
  if (c->in_len_ > 0) {
    return c->Close("client closed the connection inside a request (" + std::to_string(c->in_len_) +
                        " bytes unread)",
                    LogLevel::kInfo);
  }
  // Half-close: answer what was asked, then close.
  c->peer_eof_ = true;
  c->UpdateReading();
  c->MaybeFinishDrain();
}

// Consumes every complete frame in in_ while the connection is not
// backlogged; keeps a partial frame (and any frames past the backlog limit)
// for later.
bool Connection::HasCompleteFrame() const {
  if (in_len_ < 4) return false;
  int32_t size = LoadBigEndian32(in_.data());
  return size < kMinRequestBytes || in_len_ - 4 >= size_t(size);  // a bad size is handled too
}

void Connection::ProcessFrames() {
  size_t pos = 0;
  const int64_t max_bytes = server_->config().max_request_bytes;
  processing_ = true;
  int handled = 0;
  while (!closing_ && !Backlogged() && handled < kFramesPerTurn && in_len_ - pos >= 4) {
    int32_t size = LoadBigEndian32(in_.data() + pos);
    if (size < kMinRequestBytes || size > max_bytes) {
      processing_ = false;
      return Close("request size " + std::to_string(size) + " outside [" +
                       std::to_string(kMinRequestBytes) + ", " + std::to_string(max_bytes) + "]",
                   LogLevel::kWarn);
    }
    if (!ReserveHeadFrame(size)) break;  // reading stops until the budget grants it
    if (in_len_ - pos - 4 < size_t(size)) break;
    ++handled;
    // Recorded before the dispatch, which may answer at once.
    held_[next_seq_] = std::exchange(head_reserved_, 0);
    HandleFrame(std::span<const uint8_t>(in_.data() + pos + 4, size_t(size)));
    pos += 4 + size_t(size);
  }
  processing_ = false;
  if (closing_) return;
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
  FitBuffer();  // gives back a large request's buffer
  // Handling requests is activity too: a long turn must not count as idle.
  uv_update_time(server_->loop());
  last_activity_ = uv_now(server_->loop());
  RequestTurn();
}

bool Connection::ReserveHeadFrame(int32_t size) {
  if (head_reserved_ > 0) return true;
  if (awaiting_memory_) return false;
  int64_t bytes = int64_t(size) + 4;
  if (server_->ReserveRequestMemory(id_, bytes)) {
    head_reserved_ = bytes;
    return true;
  }
  awaiting_memory_ = true;
  const RequestBudget& budget = server_->request_memory();
  // The same words every time, so that the log collapses repeats.
  server_->broker().diagnostics().Info("request memory limit reached (max.queued.request.bytes " +
                                       std::to_string(budget.limit()) +
                                       "): reading requests paused");
  server_->broker().diagnostics().Debug(
      "connection " + std::to_string(id_) + ": reading paused (a request of " +
      std::to_string(bytes) + " bytes waits for memory; " + std::to_string(budget.reserved()) +
      " bytes held by requests)");
  return false;
}

void Connection::OnMemoryGranted(int64_t bytes) {
  awaiting_memory_ = false;
  head_reserved_ = bytes;
  server_->broker().diagnostics().Debug("connection " + std::to_string(id_) +
                                        ": request memory granted (" + std::to_string(bytes) +
                                        " bytes)");
  if (!resume_scheduled_) {
    resume_scheduled_ = true;
    server_->ScheduleResume(shared_from_this());
  }
}

void Connection::ReleaseMemory() {
  if (awaiting_memory_) server_->CancelRequestMemory(id_);
  awaiting_memory_ = false;
  int64_t bytes = std::exchange(head_reserved_, 0);
  for (const auto& [seq, held] : held_) bytes += held;
  held_.clear();
  server_->ReleaseRequestMemory(bytes);
}

// Sizes the buffer's allocation: the head frame whole once it is reserved
// (allocated once, so it never doubles while it fills), else what is
// buffered, plus one read chunk. Never called while a handler may hold a
// view of the buffer (inside ProcessFrames' loop).
void Connection::FitBuffer() {
  size_t want = std::max(in_len_, size_t(head_reserved_)) + kReadChunk;
  if (in_.capacity() < want) {
    in_.reserve(want);
  } else if (in_.capacity() > want + kShrinkSlack) {
    std::vector<uint8_t> smaller;
    smaller.reserve(want);
    smaller.assign(in_.begin(), in_.begin() + ptrdiff_t(in_len_));
    in_.swap(smaller);
  }
}

void Connection::Resume() {
  resume_scheduled_ = false;
  if (closing_ || processing_) return;
  if (HasCompleteFrame() && !Backlogged() && !awaiting_memory_) {
    ProcessFrames();  // frames left by a turn's end or while backlogged
  } else {
    UpdateReading();
  }
}

void Connection::RequestTurn() {
  // Inside ProcessFrames (a handler answering at once) that loop goes on by itself.
  if (closing_ || processing_) return;
  if (HasCompleteFrame() && !Backlogged() && !awaiting_memory_) {
    // Buffered requests wait for the next round, never run from a write
    // callback: a chain of completions would otherwise starve other clients.
    if (!resume_scheduled_) {
      resume_scheduled_ = true;
      server_->ScheduleResume(shared_from_this());
    }
  }
  UpdateReading();
}

void Connection::HandleFrame(std::span<const uint8_t> frame) {
  uint64_t seq = next_seq_++;
  Dispatch(server_->broker(), server_->loop(), shared_from_this(), seq, frame);
}

void Connection::Complete(uint64_t seq, std::vector<uint8_t> frame) {
  if (auto it = held_.find(seq); it != held_.end()) {
    int64_t bytes = it->second;
    held_.erase(it);
    server_->ReleaseRequestMemory(bytes);
  }
  if (closing_) return;
  ready_[seq] = std::move(frame);
  FlushReady();
  RequestTurn();
  MaybeFinishDrain();
}

void Connection::FlushReady() {
  while (!closing_) {
    auto it = ready_.find(next_send_);
    if (it == ready_.end()) return;
    std::vector<uint8_t> frame = std::move(it->second);
    ready_.erase(it);
    ++next_send_;
    if (frame.empty()) continue;  // this request gets no response
    auto* w = new WriteReq;
    w->frame = std::move(frame);
    uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(w->frame.data()), w->frame.size());
    w->req.data = w;
    w->conn = this;
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, OnWrite);
    if (rc != 0) {
      delete w;  // the callback is never called for a failed uv_write
      return Close(std::string("write: ") + uv_strerror(rc), LogLevel::kInfo);
    }
    ++writes_in_flight_;
  }
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Connection* c = w->conn;
  if (status == 0) c->server_->broker().metrics().AddBytesOut(w->frame.size());
  delete w;
  --c->writes_in_flight_;
  if (c->closing_) return;
  if (status != 0) return c->Close(std::string("write: ") + uv_strerror(status), LogLevel::kInfo);
  c->last_activity_ = uv_now(c->server_->loop());
  c->RequestTurn();
  c->MaybeFinishDrain();
}

}  // namespace klog::broker::net
