#include "client/broker_link.h"

#include <algorithm>
#include <utility>

namespace klog::client {

BrokerLink::BrokerLink(uv_loop_t* loop, BrokerAddress address, std::string label,
                       const ClientOptions& options)
    : loop_(loop),
      address_(std::move(address)),
      label_(std::move(label)),
      options_(options),
      backoff_timer_(new uv_timer_t) {
  uv_timer_init(loop_, backoff_timer_);
  backoff_timer_->data = this;
}

BrokerLink::~BrokerLink() {
  if (conn_) conn_->Abandon();
  backoff_timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(backoff_timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void BrokerLink::Submit(Call call) {
  if (connected()) return Dispatch(std::move(call));
  queue_.push_back(std::move(call));
  if (!conn_) MaybeConnect();
}

void BrokerLink::MaybeConnect() {
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(backoff_timer_))) return;
  uint64_t now = uv_now(loop_);
  if (now >= next_attempt_ms_) return Connect();
  uv_timer_start(backoff_timer_, OnBackoff, next_attempt_ms_ - now, 0);
}

void BrokerLink::OnBackoff(uv_timer_t* timer) {
  auto* link = static_cast<BrokerLink*>(timer->data);
  if (link != nullptr && !link->conn_ && !link->queue_.empty()) link->Connect();
}

void BrokerLink::Connect() {
  conn_was_ready_ = false;
  Connection::Events events;
  events.on_ready = [this] { OnReady(); };
  events.on_closed = [this](const Status& why) { OnClosed(why); };
  conn_ = Connection::Create(loop_, address_, label_, options_, std::move(events));
  conn_->Start();
}

void BrokerLink::OnReady() {
  conn_was_ready_ = true;
  backoff_ms_ = 0;
  next_attempt_ms_ = 0;
  std::deque<Call> ready = std::move(queue_);
  queue_.clear();
  while (!ready.empty() && connected()) {
    Call call = std::move(ready.front());
    ready.pop_front();
    Dispatch(std::move(call));
  }
  // The connection ended while the queue went out: the rest wait for the next one.
  for (Call& call : ready) queue_.push_back(std::move(call));
  if (!queue_.empty() && !conn_) MaybeConnect();
}

void BrokerLink::OnClosed(const Status& why) {
  // Called from inside the Connection, which keeps itself alive until it returns.
  conn_.reset();
  if (conn_was_ready_ || backoff_ms_ == 0) {
    backoff_ms_ = options_.reconnect_backoff_ms;
  } else {
    backoff_ms_ = std::min(backoff_ms_ * 2, options_.reconnect_backoff_max_ms);
  }
  next_attempt_ms_ = uv_now(loop_) + backoff_ms_;
  if (!conn_was_ready_) FailQueue(why);
  if (!queue_.empty()) MaybeConnect();
}

void BrokerLink::Dispatch(Call call) {
  int16_t version = conn_->versions().Pick(call.api_key);
  if (version < 0) {
    return call.done(Status::Unsupported(label_ + ": no common version of " +
                                         conn_->versions().Describe(call.api_key)),
                     -1, {});
  }
  Request req;
  req.api_key = call.api_key;
  req.version = version;
  req.frame = call.encode(version);
  req.expect_response = call.expect_response;
  req.timeout_ms = options_.request_timeout_ms + call.extra_timeout_ms;
  req.done = [done = std::move(call.done), version](Status s, std::vector<uint8_t> frame) {
    done(std::move(s), version, std::move(frame));
  };
  conn_->Send(std::move(req));
}

void BrokerLink::FailQueue(const Status& why) {
  std::deque<Call> failed = std::move(queue_);
  queue_.clear();
  for (Call& call : failed) {
    call.done(why.WithContext(ApiName(call.api_key) + " request"), -1, {});
  }
}

void BrokerLink::Close(const Status& why) {
  uv_timer_stop(backoff_timer_);
  FailQueue(why);
  if (conn_) {
    std::shared_ptr<Connection> conn = conn_;
    conn->Close(why);  // fails the calls in flight, then OnClosed
  }
}

}  // namespace klog::client
