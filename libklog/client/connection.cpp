#include "client/connection.h"

#include <algorithm>
#include <utility>

#include "client/requests.h"
#include "proto/api.h"
#include "proto/errors.h"

#ifndef KLOG_VERSION
#define KLOG_VERSION "0"
#endif

namespace klog::client {

// One-shot libuv requests own themselves and hold the connection weakly: a connection
// closed or destroyed meanwhile makes their callbacks do nothing but free them.
struct Connection::ResolveReq {
  uv_getaddrinfo_t req;
  std::weak_ptr<Connection> conn;
};
struct Connection::ConnectReq {
  uv_connect_t req;
  std::weak_ptr<Connection> conn;
};
struct Connection::WriteReq {
  uv_write_t req;
  std::vector<uint8_t> frame;
  std::weak_ptr<Connection> conn;
  int32_t correlation_id;
  bool expect_response;
};

namespace {

constexpr size_t kReadBufferSize = 64 * 1024;

Status UvError(const std::string& label, const char* what, int err) {
  return Status::IOError(label + ": " + what + ": " + uv_strerror(err));
}

}  // namespace

std::shared_ptr<Connection> Connection::Create(uv_loop_t* loop, BrokerAddress address,
                                               std::string label, const ClientOptions& options,
                                               Events events) {
  return std::shared_ptr<Connection>(
      new Connection(loop, std::move(address), std::move(label), options, std::move(events)));
}

Connection::Connection(uv_loop_t* loop, BrokerAddress address, std::string label,
                       const ClientOptions& options, Events events)
    : loop_(loop),
      address_(std::move(address)),
      label_(std::move(label)),
      options_(options),
      events_(std::move(events)),
      frames_(options.max_response_bytes) {}

Connection::~Connection() { CloseHandles(); }

void Connection::Start() {
  if (state_ != State::kIdle) return;
  tcp_ = new uv_tcp_t;
  timer_ = new uv_timer_t;
  uv_tcp_init(loop_, tcp_);
  uv_timer_init(loop_, timer_);
  tcp_->data = this;
  timer_->data = this;
  state_ = State::kResolving;
  connect_deadline_ms_ = uv_now(loop_) + options_.connect_timeout_ms;
  ArmTimer(connect_deadline_ms_);
  auto* r = new ResolveReq{{}, weak_from_this()};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(address_.port);
  int err = uv_getaddrinfo(loop_, &r->req, OnResolved, address_.host.c_str(), port.c_str(), &hints);
  if (err != 0) {
    delete r;
    Fail(UvError(label_, "resolve", err));
  }
}

void Connection::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  std::unique_ptr<ResolveReq> r(reinterpret_cast<ResolveReq*>(req));
  std::shared_ptr<Connection> c = r->conn.lock();
  if (!c || c->state_ != State::kResolving) {
    if (res != nullptr) uv_freeaddrinfo(res);
    return;
  }
  if (status != 0) return c->Fail(UvError(c->label_, "resolve", status));
  auto* cr = new ConnectReq{{}, r->conn};
  int err = uv_tcp_connect(&cr->req, c->tcp_, res->ai_addr, OnConnected);
  uv_freeaddrinfo(res);
  if (err != 0) {
    delete cr;
    return c->Fail(UvError(c->label_, "connect", err));
  }
  c->state_ = State::kConnecting;
}

void Connection::OnConnected(uv_connect_t* req, int status) {
  std::unique_ptr<ConnectReq> r(reinterpret_cast<ConnectReq*>(req));
  std::shared_ptr<Connection> c = r->conn.lock();
  if (!c || c->state_ != State::kConnecting) return;
  if (status != 0) return c->Fail(UvError(c->label_, "connect", status));
  uv_tcp_nodelay(c->tcp_, 1);
  int err = uv_read_start(reinterpret_cast<uv_stream_t*>(c->tcp_), OnAlloc, OnRead);
  if (err != 0) return c->Fail(UvError(c->label_, "read", err));
  c->state_ = State::kHandshake;
  c->SendApiVersions(kApiVersionsFirst);
}

void Connection::SendApiVersions(int16_t version) {
  proto::ApiVersionsRequest req;
  req.client_software_name = "klog";
  req.client_software_version = KLOG_VERSION;
  std::vector<uint8_t> frame = EncodeRequestFrame(req, version, 0, options_.client_id);
  uint64_t now = uv_now(loop_);
  uint32_t left = connect_deadline_ms_ > now ? uint32_t(connect_deadline_ms_ - now) : 0;
  Enqueue(proto::kApiVersions, version, std::move(frame), true, left,
          [this, version](Status s, std::vector<uint8_t> f) {
            if (s.ok()) OnApiVersions(version, std::move(f));
          });
}

void Connection::OnApiVersions(int16_t version, std::vector<uint8_t> frame) {
  int16_t code = ApiVersionsErrorCode(frame);
  if (code == proto::kUnsupportedVersion && version != kApiVersionsFallback) {
    return SendApiVersions(kApiVersionsFallback);
  }
  // An UNSUPPORTED_VERSION answer is encoded as v0 whatever version was asked.
  int16_t decode_as = code == proto::kUnsupportedVersion ? kApiVersionsFallback : version;
  proto::ApiVersionsResponse resp;
  Status s = DecodeResponseFrame(frame, decode_as, label_, &resp);
  if (!s.ok()) return Fail(s);
  if (resp.error_code != 0) {
    return Fail(Status::IOError(label_ + ": ApiVersions v" + std::to_string(version) +
                                " answered error code " + std::to_string(resp.error_code)));
  }
  versions_ = ApiVersionMap::FromResponse(resp);
  api_versions_version_ = version;
  state_ = State::kReady;
  if (events_.on_ready) events_.on_ready();
}

void Connection::Send(Request req) {
  if (state_ != State::kReady) {
    Status s = Status::IOError(label_ + ": not connected");
    return req.done(s.WithContext(What(req.api_key, req.version) + " request"), {});
  }
  Enqueue(req.api_key, req.version, std::move(req.frame), req.expect_response, req.timeout_ms,
          std::move(req.done));
}

int32_t Connection::Enqueue(int16_t api_key, int16_t version, std::vector<uint8_t> frame,
                            bool expect_response, uint32_t timeout_ms, ResponseFn done) {
  int32_t id = next_correlation_id_;
  next_correlation_id_ = next_correlation_id_ == INT32_MAX ? 1 : next_correlation_id_ + 1;
  for (int i = 0; i < 4; ++i) {
    frame[kCorrelationIdPos + i] = static_cast<uint8_t>(uint32_t(id) >> (24 - 8 * i));
  }
  uint64_t deadline = uv_now(loop_) + timeout_ms;
  pending_[id] = Pending{api_key, version, deadline, expect_response, std::move(done)};
  auto* w = new WriteReq{{}, std::move(frame), weak_from_this(), id, expect_response};
  uv_buf_t buf =
      uv_buf_init(reinterpret_cast<char*>(w->frame.data()), static_cast<unsigned>(w->frame.size()));
  int err = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(tcp_), &buf, 1, OnWritten);
  if (err != 0) {
    delete w;
    Fail(UvError(label_, "write", err));
    return id;
  }
  ArmTimer(deadline);
  return id;
}

void Connection::OnWritten(uv_write_t* req, int status) {
  std::unique_ptr<WriteReq> w(reinterpret_cast<WriteReq*>(req));
  std::shared_ptr<Connection> c = w->conn.lock();
  if (!c || c->state_ == State::kClosed) return;
  if (status != 0) return c->Fail(UvError(c->label_, "write", status));
  if (w->expect_response) return;
  auto it = c->pending_.find(w->correlation_id);
  if (it == c->pending_.end()) return;
  ResponseFn done = std::move(it->second.done);
  c->pending_.erase(it);
  done(Status::Ok(), {});
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(handle->data);
  if (c == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  c->read_buf_.resize(kReadBufferSize);
  *buf = uv_buf_init(c->read_buf_.data(), static_cast<unsigned>(c->read_buf_.size()));
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* raw = static_cast<Connection*>(stream->data);
  if (raw == nullptr || nread == 0) return;
  std::shared_ptr<Connection> c = raw->shared_from_this();  // callbacks may drop the owner's
  if (nread == UV_EOF) {
    return c->Fail(Status::IOError(c->label_ + ": connection closed by the broker"));
  }
  if (nread < 0) return c->Fail(UvError(c->label_, "read", static_cast<int>(nread)));
  std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(buf->base), size_t(nread));
  while (!data.empty() && c->state_ != State::kClosed) {
    std::optional<std::vector<uint8_t>> frame;
    Status s = c->frames_.Feed(&data, &frame);
    if (!s.ok()) return c->Fail(s.WithContext(c->label_ + ": response"));
    if (frame) c->HandleFrame(std::move(*frame));
  }
}

void Connection::HandleFrame(std::vector<uint8_t> frame) {
  int32_t id = 0;
  Status s = ResponseCorrelationId(frame, &id);
  if (!s.ok()) return Fail(s.WithContext(label_));
  auto it = pending_.find(id);
  if (it == pending_.end() || !it->second.expect_response) {
    if (timed_out_.erase(id) == 1) return;  // the late answer to a request that timed out
    return Fail(Status::Corruption(label_ + ": response with unknown correlation id " +
                                   std::to_string(id)));
  }
  ResponseFn done = std::move(it->second.done);
  pending_.erase(it);
  done(Status::Ok(), std::move(frame));
}

void Connection::OnTimer(uv_timer_t* timer) {
  auto* raw = static_cast<Connection*>(timer->data);
  if (raw == nullptr) return;
  std::shared_ptr<Connection> c = raw->shared_from_this();
  c->armed_ms_ = 0;
  if (c->state_ != State::kReady && uv_now(c->loop_) >= c->connect_deadline_ms_) {
    return c->Fail(Status::IOError(c->label_ + ": connect timed out after " +
                                   std::to_string(c->options_.connect_timeout_ms) + " ms"));
  }
  c->ExpireRequests();
}

void Connection::ExpireRequests() {
  uint64_t now = uv_now(loop_);
  std::vector<Pending> expired;
  uint64_t next = 0;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline_ms > now) {
      next = next == 0 ? it->second.deadline_ms : std::min(next, it->second.deadline_ms);
      ++it;
      continue;
    }
    if (it->second.expect_response) timed_out_.insert(it->first);
    expired.push_back(std::move(it->second));
    it = pending_.erase(it);
  }
  if (next != 0) ArmTimer(next);
  if (state_ != State::kReady) ArmTimer(connect_deadline_ms_);
  for (Pending& p : expired) {
    p.done(Status::IOError(What(p.api_key, p.version) + " request to " + label_ + " timed out"),
           {});
  }
}

void Connection::ArmTimer(uint64_t deadline_ms) {
  if (timer_ == nullptr || (armed_ms_ != 0 && armed_ms_ <= deadline_ms)) return;
  uint64_t now = uv_now(loop_);
  armed_ms_ = deadline_ms;
  uv_timer_start(timer_, OnTimer, deadline_ms > now ? deadline_ms - now : 0, 0);
}

void Connection::Fail(const Status& why) {
  if (state_ == State::kClosed) return;
  std::shared_ptr<Connection> self = shared_from_this();
  state_ = State::kClosed;
  CloseHandles();
  std::map<int32_t, Pending> pending = std::move(pending_);
  pending_.clear();
  timed_out_.clear();
  for (auto& [id, p] : pending) {
    p.done(why.WithContext(What(p.api_key, p.version) + " request"), {});
  }
  Events events = std::move(events_);
  events_ = {};
  if (events.on_closed) events.on_closed(why);
}

void Connection::Abandon() {
  state_ = State::kClosed;
  events_ = {};
  pending_.clear();
  timed_out_.clear();
  CloseHandles();
}

void Connection::CloseHandles() {
  if (tcp_ != nullptr) {
    tcp_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(tcp_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    tcp_ = nullptr;
  }
  if (timer_ != nullptr) {
    timer_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    timer_ = nullptr;
  }
}

std::string Connection::What(int16_t api_key, int16_t version) const {
  return ApiName(api_key) + " v" + std::to_string(version);
}

}  // namespace klog::client
