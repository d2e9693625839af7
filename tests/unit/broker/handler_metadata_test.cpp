// HandleMetadata (broker/handlers/metadata.cpp) driven with decoded requests
// against a broker on a temporary data directory: this broker, the cluster
// id and the controller; existing topics with their partitions led by this
// node; unknown topics auto-created or not (config, v4+ client flag,
// internal topics never); invalid names; and "all topics" without the
// internal ones.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "broker_fixture.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleMetadata;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
namespace proto = klog::proto;

namespace {

proto::MetadataRequest Named(const std::vector<std::string>& names, bool allow_create = true) {
  proto::MetadataRequest req;
  req.topics.emplace();
  for (const std::string& n : names) req.topics->push_back({n});
  req.allow_auto_topic_creation = allow_create;
  return req;
}

void NodeSet(BrokerFixture& f) { f.broker->SetBoundAddress({"127.0.0.1", 9999}); }

}  // namespace

TEST_CASE("metadata names this broker, the cluster id and the controller") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.node_id = 3; });
  NodeSet(f);
  DirectConnection c(f);
  auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, Named({}), 6);
  REQUIRE(resp.brokers.size() == 1);
  CHECK(resp.brokers[0].node_id == 3);
  CHECK(resp.brokers[0].host == "127.0.0.1");
  CHECK(resp.brokers[0].port == 9999);
  CHECK(resp.cluster_id == f.broker->cluster_id());
  CHECK(resp.cluster_id->size() == 22);
  CHECK(resp.controller_id == 3);
  CHECK(resp.topics.empty());  // an empty list (not null) asks for no topics at v1+
}

TEST_CASE("metadata describes an existing topic: every partition led by this node") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.node_id = 2; });
  NodeSet(f);
  f.CreateTopic("t", 3);
  DirectConnection c(f);
  auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, Named({"t"}), 6);
  REQUIRE(resp.topics.size() == 1);
  const proto::MetadataTopic& t = resp.topics[0];
  CHECK(t.error_code == proto::kNone);
  CHECK(t.name == "t");
  CHECK(!t.is_internal);
  REQUIRE(t.partitions.size() == 3);
  for (int32_t p = 0; p < 3; ++p) {
    CHECK(t.partitions[size_t(p)].partition_index == p);
    CHECK(t.partitions[size_t(p)].leader_id == 2);
    CHECK(t.partitions[size_t(p)].replica_nodes == std::vector<int32_t>{2});
    CHECK(t.partitions[size_t(p)].isr_nodes == std::vector<int32_t>{2});
  }
}

TEST_CASE("metadata auto-creates an unknown topic with the default partition count") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.default_partitions = 2; });
  NodeSet(f);
  DirectConnection c(f);
  auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, Named({"fresh"}), 6);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].error_code == proto::kNone);
  CHECK(resp.topics[0].partitions.size() == 2);
  CHECK(f.broker->partitions().Topic("fresh").ok());
}

TEST_CASE("metadata does not create an unknown topic when the client or the config says no") {
  SUBCASE("allow_auto_topic_creation false (v4+)") {
    BrokerFixture f;
    NodeSet(f);
    DirectConnection c(f);
    auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, Named({"x"}, false), 6);
    CHECK(resp.topics[0].error_code == proto::kUnknownTopicOrPartition);
    CHECK(!f.broker->partitions().Topic("x").ok());
    // Before v4 the flag does not exist: the topic is created.
    auto v3 = c.Call<proto::MetadataResponse>(HandleMetadata, Named({"x"}, false), 3);
    CHECK(v3.topics[0].error_code == proto::kNone);
  }
  SUBCASE("auto.create.topics.enable false") {
    BrokerFixture f([](klog::broker::BrokerConfig& c) { c.auto_create_topics = false; });
    NodeSet(f);
    DirectConnection c(f);
    auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, Named({"x"}), 6);
    CHECK(resp.topics[0].error_code == proto::kUnknownTopicOrPartition);
    CHECK(!f.broker->partitions().Topic("x").ok());
  }
}

TEST_CASE("metadata never auto-creates the internal topic and refuses invalid names") {
  BrokerFixture f;
  NodeSet(f);
  DirectConnection c(f);
  auto resp =
      c.Call<proto::MetadataResponse>(HandleMetadata, Named({"__consumer_offsets", "a/b"}), 6);
  REQUIRE(resp.topics.size() == 2);
  CHECK(resp.topics[0].error_code == proto::kUnknownTopicOrPartition);
  CHECK(resp.topics[1].error_code == proto::kInvalidTopicException);
  CHECK(resp.topics[1].name == "a/b");
  CHECK(!f.broker->partitions().Topic("__consumer_offsets").ok());
}

TEST_CASE("metadata for all topics lists every topic but the internal one") {
  BrokerFixture f;
  NodeSet(f);
  f.CreateTopic("a", 1);
  f.CreateTopic("b", 2);
  f.CreateTopic("__consumer_offsets", 1, {{"cleanup.policy", "compact"}});
  DirectConnection c(f);
  proto::MetadataRequest all;  // null topics
  auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, all, 6);
  std::vector<std::string> names;
  for (const proto::MetadataTopic& t : resp.topics) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"a", "b"});
  // v0 says "all" with an empty list; named, the internal topic is described.
  auto v0 = c.Call<proto::MetadataResponse>(HandleMetadata, Named({}), 0);
  CHECK(v0.topics.size() == 2);
  auto internal = c.Call<proto::MetadataResponse>(HandleMetadata, Named({"__consumer_offsets"}), 6);
  CHECK(internal.topics[0].error_code == proto::kNone);
  CHECK(internal.topics[0].is_internal);
}
