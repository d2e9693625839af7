// Client: a native Kafka protocol client on a libuv loop, for tools that need what a
// high-level client hides: the leader's record batches exactly as stored (Fetch hands out
// the raw bytes per partition, Produce sends raw batches), leader epochs and configs.
//
// Each call goes to one broker by node id (as learnt from Metadata) or to kAnyBroker (a
// bootstrap broker that can be reached, see below), at the highest version both sides
// support (versions.h), over one pipelined connection per broker that is re-made with
// backoff (broker_link.h). A call that returns an error Status never calls its callback;
// otherwise the callback runs exactly once on the loop thread, with ok and the decoded
// response, or with an error: a timeout, a refused or lost connection (IOError naming the
// API and broker), a response frame over max_response_bytes (TooLarge), a response that
// does not decode (Corruption naming API, version and broker), or no common version
// (Unsupported). Kafka error codes inside a response are the caller's to read.
//
// Loop thread only. Destroying the Client drops every outstanding call without calling
// its callback; Close() fails them instead. A callback may make new calls or Close() the
// Client, but must not destroy it (post that to a later loop turn). The loop must run after either,
// so that the handles can close.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/broker_link.h"
#include "client/options.h"
#include "client/requests.h"
#include "klog/status.h"

namespace klog::client {

// Node id meaning "a bootstrap broker": the first one, until a call to it fails because
// no connection could be made; the call then goes to the next one, in the order given,
// which serves kAnyBroker from then on. Only when every bootstrap broker was tried in
// turn does the call fail (with the last one's Status).
inline constexpr int32_t kAnyBroker = -1;

// A decoded response and the frame it came in: Records fields of `body` (Fetch) point into
// `frame`, which lives as long as any copy of the Reply.
template <class Resp>
struct Reply {
  Resp body;
  std::shared_ptr<const std::vector<uint8_t>> frame;
};

template <class Resp>
using Callback = std::function<void(Status, Reply<Resp>)>;

class Client {
 public:
  // InvalidArgument when the bootstrap list is empty or an address does not parse.
  static Result<std::unique_ptr<Client>> Create(uv_loop_t* loop, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Also records the brokers of the response, so their node ids can be used.
  Status Metadata(int32_t node_id, proto::MetadataRequest req,
                  Callback<proto::MetadataResponse> cb);
  Status ListOffsets(int32_t node_id, proto::ListOffsetsRequest req,
                     Callback<proto::ListOffsetsResponse> cb);
  // The request may wait max_wait_ms on top of the request timeout.
  Status Fetch(int32_t node_id, proto::FetchRequest req, Callback<proto::FetchResponse> cb);
  Status OffsetForLeaderEpoch(int32_t node_id, proto::OffsetForLeaderEpochRequest req,
                              Callback<proto::OffsetForLeaderEpochResponse> cb);
  // The batches are copied at the call, so the caller's buffers may go at once. With acks 0
  // the broker sends nothing: the callback gets ok and an empty response once it is written.
  Status Produce(int32_t node_id, proto::ProduceRequest req, Callback<proto::ProduceResponse> cb);
  Status DescribeConfigs(int32_t node_id, proto::DescribeConfigsRequest req,
                         Callback<proto::DescribeConfigsResponse> cb);

  // The node ids learnt from Metadata responses so far, ascending.
  std::vector<int32_t> node_ids() const;
  // The link to `node_id` (kAnyBroker: the bootstrap broker it goes to now), or nullptr.
  const BrokerLink* link(int32_t node_id) const;
  // Fails every outstanding call with "client closed".
  void Close();

 private:
  Client(uv_loop_t* loop, ClientOptions options, std::vector<BrokerAddress> bootstrap);
  template <class Req, class Resp>
  Status Call(int32_t node_id, Req req, bool expect_response, uint32_t extra_timeout_ms,
              Callback<Resp> cb);
  BrokerLink* FindLink(int32_t node_id);
  // Submits a kAnyBroker call to the bootstrap broker in use, and on to the next while
  // one cannot be reached, `tries` brokers at most; `label` names the one it went to.
  void SubmitToBootstrap(BrokerLink::Call call, std::shared_ptr<std::string> label, size_t tries);
  void LearnBrokers(const proto::MetadataResponse& resp);

  uv_loop_t* loop_;
  ClientOptions options_;
  std::vector<std::unique_ptr<BrokerLink>> bootstrap_;
  size_t any_ = 0;       // the bootstrap broker kAnyBroker goes to
  bool closed_ = false;  // Close() was called
  std::map<int32_t, std::unique_ptr<BrokerLink>> nodes_;
  // Links replaced because a broker moved; kept until the Client goes, since one of them
  // may be running the callback that replaced it.
  std::vector<std::unique_ptr<BrokerLink>> retired_;
};

}  // namespace klog::client
