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

Status BrokerSession::FetchEach(std::map<int32_t, proto::FetchRequest> reqs, FetchReplies* out) {
  out->clear();
  int pending = 0;
  Status first;
  for (auto& [node, req] : reqs) {
    Status sent = client_->Fetch(node, std::move(req),
                                 [&, node](Status st, client::Reply<proto::FetchResponse> reply) {
                                   if (st.ok()) (*out)[node] = std::move(reply);
                                   if (!st.ok() && first.ok()) first = std::move(st);
                                   pending--;
                                 });
    if (!sent.ok()) {
      if (first.ok()) first = sent;
      break;
    }
    pending++;
  }
  RunUntilAnswered(&pending);
  return first;
}

}  // namespace klog::replica
