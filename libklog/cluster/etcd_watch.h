// EtcdWatch: one etcd watch, a POST to the gateway's /v3/watch whose answer
// never ends. The answer is a stream of JSON messages, one a line, split here
// however the bytes arrive: first the confirmation that the watch exists
// (created), then a message per batch of events, until the store cancels the
// watch (compacted start revision) or the stream ends.
//
// Loop thread only (see EtcdStore). Cancel() or the destructor stops it
// without calling back; it holds the CurlLoop weakly, so it may outlive the
// store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cluster/curl_loop.h"
#include "cluster/meta_store.h"

namespace klog::cluster {

class EtcdWatch final : public Watch {
 public:
  // Starts the watch: `request` is the POST with its URL and create_request
  // body set; `what` names the watch in errors.
  EtcdWatch(std::shared_ptr<CurlLoop> curl, HttpRequest request, std::string what,
            WatchFn on_batch);
  ~EtcdWatch() override { Cancel(); }
  void Cancel() override;

 private:
  struct State;
  std::weak_ptr<CurlLoop> curl_;
  uint64_t transfer_ = 0;
  std::shared_ptr<State> state_;  // shared with the transfer's callbacks
};

}  // namespace klog::cluster
