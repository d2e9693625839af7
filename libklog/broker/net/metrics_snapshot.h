// MetricsSnapshot: the rendered metrics exposition, handed from the loop
// thread (which owns every counter) to the metrics HTTP thread (which must
// never read them). The HTTP thread takes a ticket and asks the loop to
// render; the loop renders between two of its callbacks and publishes the
// text with the newest ticket it had seen when it started; the HTTP thread
// waits until a text at least as new as its ticket is published, so what it
// serves shows the counters at some moment after it asked.
//
// Thread safety: every member may be called from any thread; one mutex
// guards the text and the tickets. Published texts are immutable and shared,
// so a reader holds its text as long as it likes without holding the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace klog::broker::net {

class MetricsSnapshot {
 public:
  using Text = std::shared_ptr<const std::string>;

  // HTTP thread: a new ticket; the caller then asks the loop to render.
  uint64_t Request();
  // Loop thread, before rendering: the newest ticket handed out so far. The
  // rendering that follows answers it and every older one.
  uint64_t Requested() const;
  // Loop thread: publishes `text`, rendered after Requested() returned
  // `ticket`, and wakes the waiters it answers. An older rendering never
  // replaces a newer one.
  void Publish(uint64_t ticket, std::string text);
  // HTTP thread: the text published for `ticket` or later, waiting at most
  // `wait` for it; after that (or after Close()) the newest text published,
  // whatever its age (nullptr if none ever was).
  Text Wait(uint64_t ticket, std::chrono::milliseconds wait);
  // Stops every present and future Wait() from waiting.
  void Close();

 private:
  mutable std::mutex mu_;
  std::condition_variable published_cv_;
  Text text_;
  uint64_t requested_ = 0;  // the newest ticket handed out
  uint64_t published_ = 0;  // the newest ticket text_ answers
  bool closed_ = false;
};

}  // namespace klog::broker::net
