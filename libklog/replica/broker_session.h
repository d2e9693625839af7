// BrokerSession: a klog::client::Client on a loop of its own, called
// synchronously, for a command-line tool that copies from brokers
// (remote_copy.h). Each call sends its request(s) and runs the loop until
// every answer (or failure) is in, so the tool's own code runs between loop
// turns on the same thread: it may block the loop (file appends, fdatasync)
// because nothing else is served by it. Not for a server.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "client/client.h"
#include "klog/status.h"

namespace klog::replica {

class BrokerSession {
 public:
  // InvalidArgument when the broker list is empty or an address does not
  // parse; the brokers are contacted by the first call.
  static Result<std::unique_ptr<BrokerSession>> Open(client::ClientOptions options);
  ~BrokerSession();  // drops outstanding calls and closes the loop
  BrokerSession(const BrokerSession&) = delete;
  BrokerSession& operator=(const BrokerSession&) = delete;

  // Each returns the broker's decoded answer, or the client's error Status
  // (timeout, refused or lost connection, undecodable answer). Kafka error
  // codes inside the answer are the caller's to read.
  Result<proto::MetadataResponse> Metadata(proto::MetadataRequest req);
  Result<proto::DescribeConfigsResponse> DescribeConfigs(proto::DescribeConfigsRequest req);
  Result<proto::ListOffsetsResponse> ListOffsets(int32_t node, proto::ListOffsetsRequest req);
  Result<proto::OffsetForLeaderEpochResponse> OffsetForLeaderEpoch(
      int32_t node, proto::OffsetForLeaderEpochRequest req);

  // Sends one Fetch to each node of `reqs` at once (one in flight per broker)
  // and waits for all of them. The replies keep their frames alive: the
  // records they hold point into them. The first failure is returned.
  using FetchReplies = std::map<int32_t, client::Reply<proto::FetchResponse>>;
  Status FetchEach(std::map<int32_t, proto::FetchRequest> reqs, FetchReplies* out);

 private:
  BrokerSession() = default;
  template <class Resp, class Start>
  Result<Resp> Await(Start start);
  // Runs the loop until `*pending` is 0.
  void RunUntilAnswered(const int* pending);

  uv_loop_t loop_{};
  bool loop_open_ = false;
  std::unique_ptr<client::Client> client_;
};

}  // namespace klog::replica
