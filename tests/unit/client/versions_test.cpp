// Version negotiation: the highest version both sides support, none when the ranges do not
// meet, and the client's table agreeing with the protocol layer's on flexible versions.
#include <doctest/doctest.h>

#include "client/versions.h"
#include "proto/api.h"

namespace client = klog::client;
namespace proto = klog::proto;

namespace {

client::ApiVersionMap Broker(std::vector<proto::ApiVersionsKey> keys) {
  proto::ApiVersionsResponse resp;
  resp.api_keys = std::move(keys);
  return client::ApiVersionMap::FromResponse(resp);
}

}  // namespace

TEST_CASE("the highest version both sides support is picked") {
  auto m = Broker({{proto::kFetch, 0, 15}, {proto::kProduce, 0, 5}, {proto::kMetadata, 0, 12}});
  CHECK(m.Pick(proto::kFetch) == 12);   // the client's maximum
  CHECK(m.Pick(proto::kProduce) == 5);  // the broker's maximum
  CHECK(m.Pick(proto::kMetadata) == 9);
}

TEST_CASE("ranges that do not meet give no version, and the error says both ranges") {
  auto m = Broker({{proto::kFetch, 0, 3}, {proto::kProduce, 8, 9}});
  CHECK(m.Pick(proto::kFetch) == -1);
  CHECK(m.Pick(proto::kProduce) == -1);
  CHECK(m.Pick(proto::kListOffsets) == -1);  // not offered at all
  CHECK(m.Describe(proto::kFetch) == "Fetch v4-12 (broker: v0-3)");
  CHECK(m.Describe(proto::kListOffsets) == "ListOffsets v1-3 (broker: not offered)");
}

TEST_CASE("an API the client does not send is never picked") {
  auto m = Broker({{proto::kJoinGroup, 0, 5}});
  CHECK(m.Pick(proto::kJoinGroup) == -1);
}

TEST_CASE("against klog-serve's own table every client API meets at the client's maximum") {
  proto::ApiVersionsResponse resp = proto::BuildApiVersionsResponse(proto::ApiTable());
  auto m = client::ApiVersionMap::FromResponse(resp);
  CHECK(m.Pick(proto::kProduce) == 7);
  CHECK(m.Pick(proto::kFetch) == 12);
  CHECK(m.Pick(proto::kListOffsets) == 3);
  CHECK(m.Pick(proto::kMetadata) == 9);
  CHECK(m.Pick(proto::kOffsetForLeaderEpoch) == 4);
  CHECK(m.Pick(proto::kDescribeConfigs) == 2);
  CHECK(m.Pick(proto::kApiVersions) == 3);
}

TEST_CASE("the client's flexible versions agree with the protocol registry") {
  for (const client::ClientApi& a : client::ClientApis()) {
    CAPTURE(a.name);
    const proto::ApiEntry* e = proto::FindApi(a.key);
    REQUIRE(e != nullptr);
    CHECK(std::string(e->name) == a.name);
    CHECK(e->flexible_from == a.flexible_from);
  }
  CHECK(client::IsFlexibleVersion(23, 4));
  CHECK(!client::IsFlexibleVersion(23, 3));
  CHECK(!client::HasTaggedResponseHeader(proto::kApiVersions, 3));
  CHECK(client::HasTaggedResponseHeader(23, 4));
}
