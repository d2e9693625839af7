#include "broker/net/metrics_snapshot.h"

namespace klog::broker::net {

uint64_t MetricsSnapshot::Request() {
  std::lock_guard lock(mu_);
  return ++requested_;
}

uint64_t MetricsSnapshot::Requested() const {
  std::lock_guard lock(mu_);
  return requested_;
}

void MetricsSnapshot::Publish(uint64_t ticket, std::string text) {
  auto shared = std::make_shared<const std::string>(std::move(text));
  {
    std::lock_guard lock(mu_);
    if (text_ && ticket < published_) return;
    text_ = std::move(shared);
    published_ = ticket;
  }
  published_cv_.notify_all();
}

MetricsSnapshot::Text MetricsSnapshot::Wait(uint64_t ticket, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  published_cv_.wait_for(lock, wait, [&] { return closed_ || published_ >= ticket; });
  return text_;
}

void MetricsSnapshot::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  published_cv_.notify_all();
}

}  // namespace klog::broker::net
