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
#include <set>
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

  // Fetches are pipelined per broker: at most one in flight to each node,
  // each answer handed out as soon as it is in, while the others wait.
  struct FetchAnswer {
    int32_t node = -1;
    Status status;  // the client's error; Ok with a decoded answer in `reply`
    // Keeps its frame alive: the records in `reply.body` point into it.
    client::Reply<proto::FetchResponse> reply;
  };
  // Sends `req` to `node`, which must have no Fetch in flight.
  Status StartFetch(int32_t node, proto::FetchRequest req);
  bool Fetching(int32_t node) const { return in_flight_.count(node) != 0; }
  // Runs the loop until at least one Fetch in flight is answered (or has
  // failed), then moves every answered one into *out. Returns at once when
  // none is in flight.
  void AwaitFetches(std::vector<FetchAnswer>* out);

 private:
  BrokerSession() = default;
  template <class Resp, class Start>
  Result<Resp> Await(Start start);
  // Runs the loop until `*pending` is 0.
  void RunUntilAnswered(const int* pending);

  uv_loop_t loop_{};
  bool loop_open_ = false;
  std::unique_ptr<client::Client> client_;
  std::set<int32_t> in_flight_;        // nodes with a Fetch out
  std::vector<FetchAnswer> answered_;  // answers not handed out yet
};

}  // namespace klog::replica
