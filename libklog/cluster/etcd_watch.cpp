// An etcd watch stream, split into messages (contracts: etcd_watch.h).
#include "cluster/etcd_watch.h"

#include <utility>

#include "cluster/etcd_json.h"

namespace klog::cluster {

// What the transfer's callbacks need. It outlives the EtcdWatch when the
// watch is destroyed from inside its own callback.
struct EtcdWatch::State {
  std::string what;
  WatchFn on_batch;
  std::string pending;  // the start of a message whose line has not ended
  bool ended = false;   // cancelled or failed: no callback follows

  // Ends the watch with `why`, reported once.
  void Fail(Status why) {
    if (ended) return;
    ended = true;
    on_batch(std::move(why), WatchBatch());
  }

  // Handles one message; false once the watch has ended.
  bool OnMessage(std::string_view line) {
    etcd::json msg = etcd::json::parse(line, nullptr, false);
    if (msg.is_discarded()) {
      Fail(Status::Corruption(what + ": stream message is not JSON"));
      return false;
    }
    etcd::WatchMessage m;
    Status st = etcd::DecodeWatchMessage(msg, what, &m);
    if (!st.ok()) {
      Fail(std::move(st));
      return false;
    }
    if (m.canceled) {
      std::string why =
          m.compact_revision != 0
              ? "start revision compacted (oldest kept: " + std::to_string(m.compact_revision) + ")"
              : "cancelled by etcd: " + m.cancel_reason;
      Fail(m.compact_revision != 0 ? Status::NotFound(what + ": " + why)
                                   : Status::IOError(what + ": " + why));
      return false;
    }
    if (!m.batch.events.empty()) on_batch(Status::Ok(), std::move(m.batch));
    return !ended;
  }

  // Splits the stream into lines, however its bytes arrive.
  bool OnData(std::string_view data) {
    if (ended) return false;
    pending.append(data);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
      if (!OnMessage(line)) return false;
    }
    pending.erase(0, start);
    return true;
  }
};

EtcdWatch::EtcdWatch(std::shared_ptr<CurlLoop> curl, HttpRequest request, std::string what,
                     WatchFn on_batch)
    : curl_(curl), state_(std::make_shared<State>()) {
  state_->what = std::move(what);
  state_->on_batch = std::move(on_batch);
  request.timeout_ms = 0;  // a stream: only connecting is bounded
  request.on_data = [state = state_](std::string_view data) { return state->OnData(data); };
  transfer_ = curl->Post(std::move(request), [state = state_](Status st, HttpResponse resp) {
    if (st.ok()) {
      std::string why =
          resp.status == 200 ? "the stream ended" : "HTTP " + std::to_string(resp.status);
      st = Status::IOError(state->what + ": " + why);
    } else {
      st = st.WithContext(state->what);
    }
    state->Fail(std::move(st));
  });
}

void EtcdWatch::Cancel() {
  state_->ended = true;
  if (auto curl = curl_.lock()) curl->Cancel(transfer_);
}

}  // namespace klog::cluster
