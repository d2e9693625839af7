// RequestBudget: the broker-wide bound on the bytes of requests being read
// or handled (max.queued.request.bytes; Kafka's queued.max.request.bytes).
//
// A connection reserves a request's whole frame (size prefix included) as
// soon as it has read the size prefix, before it reads the rest, and gives
// the bytes back once the request has been answered (its handler's copies,
// such as a Produce's batches waiting to be appended, are freed by then) or
// the connection closes. A connection whose reservation is not granted stops
// reading until it is. So the memory held by requests stays under the limit
// whatever clients send, however many connections they open.
//
// A reservation is granted when it fits under the limit, or when nothing at
// all is reserved: a single request larger than the limit (up to
// max.request.bytes) still proceeds alone, so the bound can never deadlock.
// Reservations that do not fit wait in arrival order, and a new one never
// overtakes a waiting one, so a large request is not starved by a stream of
// small ones. Release() grants the waiters at the head of the queue that now
// fit, through the grant callback. Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <utility>

namespace klog::broker::net {

class RequestBudget {
 public:
  // Called with the waiter's id and the bytes now reserved for it; returns
  // false if the waiter is gone (the bytes are then not reserved). It must
  // not call back into the budget.
  using Grant = std::function<bool(uint64_t waiter, int64_t bytes)>;

  RequestBudget(int64_t limit, Grant grant);

  // Reserves `bytes` for `waiter` (a connection id, with at most one
  // reservation waiting at a time). True if granted now; false if queued,
  // to be granted later through the callback.
  bool Reserve(uint64_t waiter, int64_t bytes);
  // Gives back `bytes` reserved earlier and grants the waiters that now fit.
  void Release(int64_t bytes);
  // Drops the waiting reservation of `waiter`, if any (its connection closed).
  void Cancel(uint64_t waiter);

  int64_t limit() const { return limit_; }
  int64_t reserved() const { return reserved_; }
  size_t waiting() const { return waiters_.size(); }

 private:
  bool Fits(int64_t bytes) const { return reserved_ == 0 || reserved_ + bytes <= limit_; }
  void GrantWaiters();

  int64_t limit_;
  int64_t reserved_ = 0;
  std::deque<std::pair<uint64_t, int64_t>> waiters_;  // (waiter, bytes), oldest first
  Grant grant_;
};

}  // namespace klog::broker::net
