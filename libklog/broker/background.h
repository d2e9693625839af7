// Runs blocking work (file creation with fsync, directory scans) off the
// loop thread, on libuv's thread pool, so one slow disk operation does not
// stall every connection. `work` runs on a pool thread and must not touch
// loop-thread state; `done` then runs on the loop thread. If the work cannot
// be queued, both run at once on the calling (loop) thread, and a warning
// says so on `diagnostics`.
#pragma once

#include <uv.h>

#include <functional>

#include "broker/diagnostics.h"

namespace klog::broker {

void RunInBackground(uv_loop_t* loop, Diagnostics& diagnostics, std::function<void()> work,
                     std::function<void()> done);

}  // namespace klog::broker
