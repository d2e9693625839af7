#include "client/client.h"

#include <utility>

namespace klog::client {

Result<std::unique_ptr<Client>> Client::Create(uv_loop_t* loop, ClientOptions options) {
  if (options.bootstrap.empty()) {
    return Status::InvalidArgument("client: no bootstrap broker given");
  }
  std::vector<BrokerAddress> bootstrap;
  for (const std::string& text : options.bootstrap) {
    BrokerAddress addr;
    KLOG_RETURN_IF_ERROR(ParseBrokerAddress(text, &addr));
    bootstrap.push_back(std::move(addr));
  }
  return std::unique_ptr<Client>(new Client(loop, std::move(options), std::move(bootstrap)));
}

Client::Client(uv_loop_t* loop, ClientOptions options, std::vector<BrokerAddress> bootstrap)
    : loop_(loop), options_(std::move(options)) {
  for (BrokerAddress& addr : bootstrap) {
    std::string label = "bootstrap broker " + addr.ToString();
    bootstrap_.push_back(std::make_unique<BrokerLink>(loop_, std::move(addr), label, options_));
  }
}

Client::~Client() = default;

BrokerLink* Client::FindLink(int32_t node_id) {
  if (node_id == kAnyBroker) return bootstrap_[any_].get();
  auto it = nodes_.find(node_id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

const BrokerLink* Client::link(int32_t node_id) const {
  return const_cast<Client*>(this)->FindLink(node_id);
}

std::vector<int32_t> Client::node_ids() const {
  std::vector<int32_t> ids;
  for (const auto& [id, unused] : nodes_) ids.push_back(id);
  return ids;
}

template <class Req, class Resp>
Status Client::Call(int32_t node_id, Req req, bool expect_response, uint32_t extra_timeout_ms,
                    Callback<Resp> cb) {
  BrokerLink* link = FindLink(node_id);
  if (link == nullptr) {
    return Status::NotFound("client: no broker with node id " + std::to_string(node_id) +
                            " (not in any Metadata response yet)");
  }
  BrokerLink::Call call;
  call.api_key = Req::kApiKey;
  call.encode = [req = std::move(req), client_id = options_.client_id](int16_t version) {
    return EncodeRequestFrame(req, version, 0, client_id);
  };
  call.expect_response = expect_response;
  call.extra_timeout_ms = extra_timeout_ms;
  // The broker that answers names a response that does not decode; for
  // kAnyBroker that is known only once it answers (SubmitToBootstrap).
  auto label = std::make_shared<std::string>(link->label());
  call.done = [cb = std::move(cb), label, expect_response](Status s, int16_t version,
                                                           std::vector<uint8_t> frame) {
    Reply<Resp> reply;
    if (s.ok() && expect_response) {
      auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(frame));
      s = DecodeResponseFrame(*owned, version, *label, &reply.body);
      reply.frame = std::move(owned);
    }
    cb(std::move(s), std::move(reply));
  };
  if (node_id == kAnyBroker) {
    SubmitToBootstrap(std::move(call), std::move(label), bootstrap_.size());
  } else {
    link->Submit(std::move(call));
  }
  return Status::Ok();
}

void Client::SubmitToBootstrap(BrokerLink::Call call, std::shared_ptr<std::string> label,
                               size_t tries) {
  size_t at = any_;
  *label = bootstrap_[at]->label();
  BrokerLink::Call attempt = call;  // the call is kept whole for the next broker
  attempt.done = [this, call = std::move(call), label, at, tries](
                     Status s, int16_t version, std::vector<uint8_t> frame) mutable {
    // Version -1 with an IOError: no connection could be made, so the
    // request never went out and may go to the next bootstrap broker, which
    // then serves kAnyBroker from now on. Any other outcome is the call's.
    bool unreachable = !s.ok() && version < 0 && s.code() == Status::Code::kIOError;
    if (!unreachable || tries <= 1 || closed_) {
      return call.done(std::move(s), version, std::move(frame));
    }
    if (any_ == at) any_ = (at + 1) % bootstrap_.size();
    SubmitToBootstrap(std::move(call), std::move(label), tries - 1);
  };
  bootstrap_[at]->Submit(std::move(attempt));
}

Status Client::Metadata(int32_t node_id, proto::MetadataRequest req,
                        Callback<proto::MetadataResponse> cb) {
  auto learn = [this, cb = std::move(cb)](Status s, Reply<proto::MetadataResponse> reply) {
    if (s.ok()) LearnBrokers(reply.body);
    cb(std::move(s), std::move(reply));
  };
  return Call<proto::MetadataRequest, proto::MetadataResponse>(node_id, std::move(req), true, 0,
                                                               std::move(learn));
}

Status Client::ListOffsets(int32_t node_id, proto::ListOffsetsRequest req,
                           Callback<proto::ListOffsetsResponse> cb) {
  return Call(node_id, std::move(req), true, 0, std::move(cb));
}

Status Client::Fetch(int32_t node_id, proto::FetchRequest req, Callback<proto::FetchResponse> cb) {
  uint32_t wait = req.max_wait_ms > 0 ? uint32_t(req.max_wait_ms) : 0;
  return Call(node_id, std::move(req), true, wait, std::move(cb));
}

Status Client::OffsetForLeaderEpoch(int32_t node_id, proto::OffsetForLeaderEpochRequest req,
                                    Callback<proto::OffsetForLeaderEpochResponse> cb) {
  return Call(node_id, std::move(req), true, 0, std::move(cb));
}

Status Client::Produce(int32_t node_id, proto::ProduceRequest req,
                       Callback<proto::ProduceResponse> cb) {
  // Copy every batch into one buffer the request owns, and point the records there.
  size_t total = 0;
  for (const auto& t : req.topic_data) {
    for (const auto& p : t.partition_data) total += p.records.bytes.size();
  }
  auto owned = std::make_shared<std::vector<uint8_t>>();
  owned->reserve(total);
  for (auto& t : req.topic_data) {
    for (auto& p : t.partition_data) {
      size_t at = owned->size();
      owned->insert(owned->end(), p.records.bytes.begin(), p.records.bytes.end());
      p.records.bytes = std::span<const uint8_t>(owned->data() + at, p.records.bytes.size());
    }
  }
  bool expect_response = req.acks != 0;
  auto keep = [owned, cb = std::move(cb)](Status s, Reply<proto::ProduceResponse> reply) {
    cb(std::move(s), std::move(reply));
  };
  return Call<proto::ProduceRequest, proto::ProduceResponse>(node_id, std::move(req),
                                                             expect_response, 0, std::move(keep));
}

Status Client::DescribeConfigs(int32_t node_id, proto::DescribeConfigsRequest req,
                               Callback<proto::DescribeConfigsResponse> cb) {
  return Call(node_id, std::move(req), true, 0, std::move(cb));
}

void Client::LearnBrokers(const proto::MetadataResponse& resp) {
  for (const proto::MetadataBroker& b : resp.brokers) {
    if (b.port <= 0 || b.port > 65535) continue;
    BrokerAddress addr{b.host, static_cast<uint16_t>(b.port)};
    auto it = nodes_.find(b.node_id);
    if (it != nodes_.end()) {
      if (it->second->address().ToString() == addr.ToString()) continue;
      retired_.push_back(std::move(it->second));
      nodes_.erase(it);
    }
    std::string label = "broker " + std::to_string(b.node_id) + " (" + addr.ToString() + ")";
    nodes_[b.node_id] = std::make_unique<BrokerLink>(loop_, std::move(addr), label, options_);
  }
}

void Client::Close() {
  closed_ = true;  // no call failed by this goes on to another bootstrap broker
  Status why = Status::IOError("client closed");
  for (auto& link : bootstrap_) link->Close(why);
  for (auto& [id, link] : nodes_) link->Close(why);
  for (auto& link : retired_) link->Close(why);
}

}  // namespace klog::client
