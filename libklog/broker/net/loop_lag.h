// LoopLag: how late klog-serve's loop thread runs what is due, measured
// with a repeating timer. Every kIntervalMs the timer is due; when its
// callback runs, the time past that moment (uv_hrtime, nanoseconds) is the
// loop lag, reported to Metrics::OnLoopLag (klog_loop_lag_seconds and
// klog_loop_lag_max_seconds in klog-serve(1), METRICS). A callback that
// blocks the loop for T delays the next tick by up to T, so a block of a
// second shows as a lag of about a second; blocks shorter than the
// interval show as less, or not at all if they fall between ticks.
//
// Lifecycle (libuv's): Start() initialises and starts the timer, which does
// not keep the loop alive (uv_unref); Close() stops and closes it (memory is
// the object's own: keep it alive until the loop has run the close). Loop
// thread only.
#pragma once

#include <uv.h>

#include <cstdint>

namespace klog::broker {
class Metrics;
}  // namespace klog::broker

namespace klog::broker::net {

class LoopLag {
 public:
  static constexpr uint64_t kIntervalMs = 100;

  LoopLag(uv_loop_t* loop, Metrics* metrics) : loop_(loop), metrics_(metrics) {}
  LoopLag(const LoopLag&) = delete;
  LoopLag& operator=(const LoopLag&) = delete;

  void Start();
  void Close();

 private:
  static void OnTick(uv_timer_t* timer);
  void Arm();

  uv_loop_t* loop_;
  Metrics* metrics_;
  uv_timer_t timer_;
  bool started_ = false;
  uint64_t due_ns_ = 0;  // uv_hrtime() at which the armed tick is due
};

}  // namespace klog::broker::net
