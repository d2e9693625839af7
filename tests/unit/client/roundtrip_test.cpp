// Every request the client sends, at every version it may send it, decodes with the
// broker's request decoder (header and body) to the same bytes; every response the broker
// encodes decodes with the client's response decoder. OffsetForLeaderEpoch, which the
// broker does not serve yet, is checked against the generic codec with the client's
// flexible versions.
#include <doctest/doctest.h>

#include <vector>

#include "client/requests.h"
#include "client/versions.h"
#include "client_test_util.h"
#include "proto/api.h"
#include "proto/headers.h"

namespace client = klog::client;
namespace proto = klog::proto;

namespace {

const std::vector<uint8_t> kRecords = {1, 2, 3, 4, 5, 6, 7, 8};

int32_t SizePrefix(const std::vector<uint8_t>& f) {
  return int32_t(uint32_t(f[0]) << 24 | uint32_t(f[1]) << 16 | uint32_t(f[2]) << 8 | f[3]);
}

template <class Msg>
std::vector<uint8_t> Body(const Msg& msg, int16_t version) {
  std::vector<uint8_t> out;
  proto::Writer w(&out);
  proto::Encoder e(&w, version, client::IsFlexibleVersion(Msg::kApiKey, version));
  e.Struct(const_cast<Msg&>(msg));
  return out;
}

template <class Msg>
klog::Status DecodeBody(std::span<const uint8_t> body, int16_t version, Msg* out) {
  if (proto::FindApi(Msg::kApiKey) != nullptr) return proto::DecodeMessage(body, version, out);
  proto::Reader r(body);
  proto::Decoder d(&r, version, client::IsFlexibleVersion(Msg::kApiKey, version));
  d.Struct(*out);
  return r.ok() ? klog::Status::Ok() : klog::Status::Corruption(r.error());
}

template <class Req>
void CheckRequest(const Req& req) {
  const client::ClientApi* api = client::FindClientApi(Req::kApiKey);
  REQUIRE(api != nullptr);
  for (int16_t v = api->min_version; v <= api->max_version; ++v) {
    INFO(api->name, " v", v);
    std::vector<uint8_t> frame = client::EncodeRequestFrame(req, v, 42, "roundtrip");
    REQUIRE(frame.size() >= 4);
    CHECK(SizePrefix(frame) == int32_t(frame.size() - 4));
    proto::RequestHeader h;
    std::span<const uint8_t> body;
    std::span<const uint8_t> after_size(frame.data() + 4, frame.size() - 4);
    if (proto::FindApi(Req::kApiKey) != nullptr) {
      REQUIRE(proto::DecodeRequestHeader(after_size, &h, &body).ok());
    } else {
      size_t header = 10 + 9 + (client::IsFlexibleVersion(Req::kApiKey, v) ? 1 : 0);
      body = after_size.subspan(header);
      h = {Req::kApiKey, v, 42, "roundtrip", false};
    }
    CHECK(h.api_key == Req::kApiKey);
    CHECK(h.api_version == v);
    CHECK(h.correlation_id == 42);
    CHECK(h.client_id == "roundtrip");
    Req decoded;
    klog::Status s = DecodeBody(body, v, &decoded);
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK(Body(decoded, v) == std::vector<uint8_t>(body.begin(), body.end()));
  }
}

template <class Resp>
void CheckResponse(const Resp& resp) {
  const client::ClientApi* api = client::FindClientApi(Resp::kApiKey);
  REQUIRE(api != nullptr);
  for (int16_t v = api->min_version; v <= api->max_version; ++v) {
    INFO(api->name, " v", v);
    std::vector<uint8_t> frame;
    if (proto::FindApi(Resp::kApiKey) != nullptr) {
      proto::Writer w(&frame);
      proto::RequestHeader h{Resp::kApiKey, v, 77, {}, false};
      size_t start = proto::BeginResponseFrame(&w, h);
      proto::EncodeMessage(resp, v, &w);
      proto::EndResponseFrame(&w, start);
    } else {
      frame = klog::test::ResponseFrame(resp, v, 77);
    }
    std::span<const uint8_t> after_size(frame.data() + 4, frame.size() - 4);
    int32_t id = 0;
    REQUIRE(client::ResponseCorrelationId(after_size, &id).ok());
    CHECK(id == 77);
    Resp decoded;
    klog::Status s = client::DecodeResponseFrame(after_size, v, "broker 1 (test)", &decoded);
    REQUIRE_MESSAGE(s.ok(), s.message());
    CHECK(klog::test::ResponseFrame(decoded, v, 77) == frame);
  }
}

}  // namespace

TEST_CASE("Metadata requests and responses round-trip at every client version") {
  proto::MetadataRequest req;
  req.topics.emplace();
  req.topics->push_back({"orders"});
  CheckRequest(req);
  proto::MetadataResponse resp;
  resp.brokers.push_back({1, "localhost", 9092, std::nullopt});
  resp.cluster_id = "c1";
  resp.controller_id = 1;
  resp.topics.push_back({0, "orders", false, {{0, 0, 1, {1}, {1}, {}}}});
  CheckResponse(resp);
}

TEST_CASE("ListOffsets requests and responses round-trip at every client version") {
  proto::ListOffsetsRequest req;
  req.topics.push_back({"orders", {{0, -2, 1}, {1, -1, 1}}});
  CheckRequest(req);
  proto::ListOffsetsResponse resp;
  resp.topics.push_back({"orders", {{0, 0, {}, -1, 17063}}});
  CheckResponse(resp);
}

TEST_CASE("Fetch requests and responses round-trip at every client version") {
  proto::FetchRequest req;
  req.max_wait_ms = 500;
  req.min_bytes = 1;
  req.topics.push_back({"orders", {{0, 3, 100, -1, 1 << 20}}});
  CheckRequest(req);
  proto::FetchResponse resp;
  proto::FetchPartitionData p;
  p.high_watermark = 200;
  p.records.bytes = kRecords;
  resp.responses.push_back({"orders", {p}});
  CheckResponse(resp);
}

TEST_CASE("Produce requests and responses round-trip at every client version") {
  proto::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 1000;
  req.topic_data.push_back({"orders", {{0, {kRecords, false}}}});
  CheckRequest(req);
  proto::ProduceResponse resp;
  resp.responses.push_back({"orders", {{0, 0, 100, -1, 0}}});
  CheckResponse(resp);
}

TEST_CASE("OffsetForLeaderEpoch requests and responses round-trip at every client version") {
  proto::OffsetForLeaderEpochRequest req;
  req.replica_id = -1;
  req.topics.push_back({"orders", {{0, 5, 4}}});
  CheckRequest(req);
  proto::OffsetForLeaderEpochResponse resp;
  resp.topics.push_back({"orders", {{0, 0, 4, 1234}}});
  CheckResponse(resp);
}

TEST_CASE("DescribeConfigs requests and responses round-trip at every client version") {
  proto::DescribeConfigsRequest req;
  req.resources.push_back({2, "orders", std::nullopt});
  CheckRequest(req);
  proto::DescribeConfigsResponse resp;
  proto::DescribeConfigsResult r;
  r.resource_type = 2;
  r.resource_name = "orders";
  r.configs.push_back({"cleanup.policy", "compact", false, false, 1, false, {}});
  resp.results.push_back(r);
  CheckResponse(resp);
}

TEST_CASE("ApiVersions requests and responses round-trip at every client version") {
  proto::ApiVersionsRequest req;
  req.client_software_name = "klog";
  req.client_software_version = "0.1.0";
  CheckRequest(req);
  CheckResponse(proto::BuildApiVersionsResponse(proto::ApiTable()));
}

TEST_CASE("a truncated response is Corruption naming API, version, broker and field") {
  proto::MetadataResponse resp;
  resp.brokers.push_back({1, "localhost", 9092, std::nullopt});
  std::vector<uint8_t> frame = klog::test::ResponseFrame(resp, 6, 1);
  std::span<const uint8_t> cut(frame.data() + 4, frame.size() - 6);
  proto::MetadataResponse out;
  klog::Status s = client::DecodeResponseFrame(cut, 6, "broker 1 (h:9092)", &out);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("Metadata v6 response from broker 1 (h:9092): topics") == 0);
}
