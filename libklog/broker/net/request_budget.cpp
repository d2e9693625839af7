#include "broker/net/request_budget.h"

#include <algorithm>
#include <cassert>

namespace klog::broker::net {

RequestBudget::RequestBudget(int64_t limit, Grant grant)
    : limit_(limit), grant_(std::move(grant)) {}

bool RequestBudget::Reserve(uint64_t waiter, int64_t bytes) {
  if (waiters_.empty() && Fits(bytes)) {
    reserved_ += bytes;
    return true;
  }
  waiters_.emplace_back(waiter, bytes);
  return false;
}

void RequestBudget::Release(int64_t bytes) {
  assert(bytes >= 0 && bytes <= reserved_);
  reserved_ -= bytes;
  GrantWaiters();
}

void RequestBudget::Cancel(uint64_t waiter) {
  auto it = std::find_if(waiters_.begin(), waiters_.end(),
                         [&](const auto& w) { return w.first == waiter; });
  if (it == waiters_.end()) return;
  bool head = it == waiters_.begin();
  waiters_.erase(it);
  if (head) GrantWaiters();  // the next one may fit where the cancelled one did not
}

void RequestBudget::GrantWaiters() {
  // The callback only records the grant (it never reserves or releases), so
  // the queue cannot change under this loop.
  while (!waiters_.empty() && Fits(waiters_.front().second)) {
    auto [waiter, bytes] = waiters_.front();
    waiters_.pop_front();
    if (grant_(waiter, bytes)) reserved_ += bytes;
  }
}

}  // namespace klog::broker::net
