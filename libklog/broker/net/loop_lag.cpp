#include "broker/net/loop_lag.h"

#include "broker/metrics.h"

namespace klog::broker::net {

void LoopLag::Start() {
  if (started_) return;
  started_ = true;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
  Arm();
}

void LoopLag::Close() {
  if (!started_) return;
  started_ = false;
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

// A one-shot timer armed again from each callback, so that the next tick is
// due an interval after this one ran (a late tick does not make the next
// one early). libuv's timers count from the loop's cached time, brought up
// to date first; it has millisecond resolution, so up to a millisecond of
// lag is noise.
void LoopLag::Arm() {
  uv_update_time(loop_);
  due_ns_ = uv_hrtime() + kIntervalMs * 1'000'000;
  uv_timer_start(&timer_, OnTick, kIntervalMs, 0);
}

void LoopLag::OnTick(uv_timer_t* timer) {
  auto* self = static_cast<LoopLag*>(timer->data);
  uint64_t now = uv_hrtime();
  self->metrics_->OnLoopLag(now > self->due_ns_ ? now - self->due_ns_ : 0);
  self->Arm();
}

}  // namespace klog::broker::net
