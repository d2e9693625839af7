#include "replica/broker_session.h"

#include <optional>
#include <utility>

namespace klog::replica {

Result<std::unique_ptr<BrokerSession>> BrokerSession::Open(client::ClientOptions options) {
  std::unique_ptr<BrokerSession> s(new BrokerSession());
  int rc = uv_loop_init(&s->loop_);
  if (rc != 0) return Status::IOError(std::string("uv_loop_init: ") + uv_strerror(rc));
  s->loop_open_ = true;
  auto c = client::Client::Create(&s->loop_, std::move(options));
  if (!c.ok()) return c.status();
  s->client_ = std::move(c.value());
  return s;
}

BrokerSession::~BrokerSession() {
  if (!loop_open_) return;
  if (client_) {
    client_->Close();
    client_.reset();
  }
  // The client's handles close on the next turns; a bounded number of them,
  // so that a leaked handle cannot hang the tool at exit.
  for (int i = 0; i < 1000 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; i++) {
  }
  uv_loop_close(&loop_);
}

void BrokerSession::RunUntilAnswered(const int* pending) {
  // Every call is bounded by the client's request (or connect) timeout, so
  // this ends: each outstanding call calls back once.
  while (*pending > 0) uv_run(&loop_, UV_RUN_ONCE);
}

template <class Resp, class Start>
Result<Resp> BrokerSession::Await(Start start) {
  int pending = 1;
  Status got;
  Resp body;
  Status sent = start([&](Status st, client::Reply<Resp> reply) {
    got = std::move(st);
    body = std::move(reply.body);
    pending = 0;
  });
  if (!sent.ok()) return sent;
  RunUntilAnswered(&pending);
  if (!got.ok()) return got;
  return body;
}

Result<proto::MetadataResponse> BrokerSession::Metadata(proto::MetadataRequest req) {
  return Await<proto::MetadataResponse>(
      [&](auto cb) { return client_->Metadata(client::kAnyBroker, std::move(req), cb); });
}

Result<proto::DescribeConfigsResponse> BrokerSession::DescribeConfigs(
    proto::DescribeConfigsRequest req) {
  return Await<proto::DescribeConfigsResponse>(
      [&](auto cb) { return client_->DescribeConfigs(client::kAnyBroker, std::move(req), cb); });
}

Result<proto::ListOffsetsResponse> BrokerSession::ListOffsets(int32_t node,
                                                              proto::ListOffsetsRequest req) {
  return Await<proto::ListOffsetsResponse>(
      [&](auto cb) { return client_->ListOffsets(node, std::move(req), cb); });
}

Result<proto::OffsetForLeaderEpochResponse> BrokerSession::OffsetForLeaderEpoch(
    int32_t node, proto::OffsetForLeaderEpochRequest req) {
  return Await<proto::OffsetForLeaderEpochResponse>(
      [&](auto cb) { return client_->OffsetForLeaderEpoch(node, std::move(req), cb); });
}

Status BrokerSession::StartFetch(int32_t node, proto::FetchRequest req) {
  in_flight_.insert(node);  // before the call: an answer may come before it returns
  Status sent = client_->Fetch(node, std::move(req),
                               [this, node](Status st, client::Reply<proto::FetchResponse> reply) {
                                 // The node stays in in_flight_ until its answer is
                                 // handed out: it may come in while another call runs
                                 // the loop, and no second Fetch may go to it before.
                                 answered_.push_back({node, std::move(st), std::move(reply)});
                               });
  if (!sent.ok()) in_flight_.erase(node);
  return sent;
}

void BrokerSession::AwaitFetches(std::vector<FetchAnswer>* out) {
  // Each Fetch is bounded by the client's request timeout, so this ends.
  while (answered_.empty() && !in_flight_.empty()) uv_run(&loop_, UV_RUN_ONCE);
  out->clear();
  out->swap(answered_);
  for (const FetchAnswer& a : *out) in_flight_.erase(a.node);
}

}  // namespace klog::replica
