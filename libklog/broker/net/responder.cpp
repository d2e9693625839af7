#include "broker/net/responder.h"

#include <uv.h>

#include <cassert>

#include "broker/net/connection.h"

namespace klog::broker::net {

Responder::Responder(std::weak_ptr<Connection> conn, uint64_t seq,
                     const proto::RequestHeader& header, Metrics* metrics)
    : conn_(std::move(conn)),
      seq_(seq),
      header_(header),
      answered_(false),
      metrics_(metrics),
      start_ns_(metrics != nullptr ? uv_hrtime() : 0) {
  header_.client_id = {};  // points into the request frame, which does not outlive the call
}

Responder::Responder(Responder&& other) noexcept
    : conn_(std::move(other.conn_)),
      seq_(other.seq_),
      header_(other.header_),
      answered_(other.answered_),
      error_(other.error_),
      metrics_(other.metrics_),
      start_ns_(other.start_ns_) {
  other.answered_ = true;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (!answered_) CloseConnection("request dropped without an answer");
    conn_ = std::move(other.conn_);
    seq_ = other.seq_;
    header_ = other.header_;
    answered_ = other.answered_;
    error_ = other.error_;
    metrics_ = other.metrics_;
    start_ns_ = other.start_ns_;
    other.answered_ = true;
  }
  return *this;
}

Responder::~Responder() {
  if (!answered_) CloseConnection("request dropped without an answer");
}

void Responder::Finish(std::vector<uint8_t> frame) {
  if (answered_) return;
  answered_ = true;
  if (metrics_ != nullptr) metrics_->OnAnswer(header_.api_key, error_, uv_hrtime() - start_ns_);
  if (auto c = conn_.lock()) c->Complete(seq_, std::move(frame));
}

void Responder::SendFrame(std::vector<uint8_t> frame) {
  assert(!frame.empty() && "a response frame is never empty; use SendNothing()");
  Finish(std::move(frame));
}

void Responder::SendNothing() { Finish({}); }

void Responder::CloseConnection(const std::string& reason) {
  if (answered_) return;
  answered_ = true;
  if (metrics_ != nullptr) metrics_->OnUnanswered(header_.api_key);
  if (auto c = conn_.lock()) c->Close(reason, LogLevel::kWarn);
}

}  // namespace klog::broker::net
