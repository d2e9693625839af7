// HandleCreateTopics and HandleDeleteTopics (broker/handlers/create_topics.cpp,
// delete_topics.cpp) driven with decoded requests against a broker on a
// temporary data directory: topics created with their partitions and
// configs, every refusal with its error code (existing topic, duplicate in
// the request, internal topic, invalid name, partitions, replication factor,
// assignment, config), validate_only writing nothing; deletion of existing,
// unknown, internal and repeated names.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "broker_fixture.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleCreateTopics;
using klog::broker::handlers::HandleDeleteTopics;
using klog::broker::handlers::HandleProduce;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
using klog::test::MakeBatch;
using klog::test::ProduceOne;
namespace proto = klog::proto;

namespace {

constexpr int16_t kCreateVersion = 4;

proto::CreatableTopic Topic(const std::string& name, int32_t partitions = 1,
                            int16_t replication = -1) {
  proto::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = replication;
  return t;
}

proto::CreateTopicsResponse Create(DirectConnection& c, std::vector<proto::CreatableTopic> topics,
                                   bool validate_only = false) {
  proto::CreateTopicsRequest req;
  req.topics = std::move(topics);
  req.validate_only = validate_only;
  auto resp = c.Call<proto::CreateTopicsResponse>(HandleCreateTopics, req, kCreateVersion);
  CHECK(resp.throttle_time_ms == 0);
  REQUIRE(resp.topics.size() == req.topics.size());
  return resp;
}

int16_t CreateOne(DirectConnection& c, proto::CreatableTopic t) {
  auto resp = Create(c, {std::move(t)});
  return resp.topics[0].error_code;
}

proto::DeleteTopicsResponse Delete(DirectConnection& c, std::vector<std::string> names) {
  proto::DeleteTopicsRequest req;
  req.topic_names = std::move(names);
  return c.Call<proto::DeleteTopicsResponse>(HandleDeleteTopics, req, 3);
}

bool Exists(BrokerFixture& f, const std::string& name) {
  return f.broker->data_dir().DescribeTopic(name).ok();
}

}  // namespace

TEST_CASE("create topics makes each topic with its partitions and configs") {
  BrokerFixture f;
  DirectConnection c(f);
  proto::CreatableTopic compacted = Topic("c", 2);
  compacted.configs.push_back({"cleanup.policy", "compact"});
  auto resp = Create(c, {Topic("a", 3), compacted});
  CHECK(resp.topics[0].name == "a");
  CHECK(resp.topics[0].error_code == proto::kNone);
  CHECK(!resp.topics[0].error_message.has_value());
  CHECK(resp.topics[1].error_code == proto::kNone);
  auto a = f.broker->data_dir().DescribeTopic("a");
  REQUIRE(a.ok());
  CHECK(a->partitions == 3);
  auto compact = f.broker->data_dir().DescribeTopic("c");
  REQUIRE(compact.ok());
  CHECK(compact->configs.at("cleanup.policy") == "compact");
  // The broker sees it at once: produce works.
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000);
  auto produced = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("a", 2, batch), 7);
  CHECK(produced.responses[0].partition_responses[0].error_code == proto::kNone);
}

TEST_CASE("create topics: an existing topic is TOPIC_ALREADY_EXISTS") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  auto resp = Create(c, {Topic("t", 4)});
  CHECK(resp.topics[0].error_code == proto::kTopicAlreadyExists);
  CHECK(resp.topics[0].error_message == "Topic 't' already exists.");
  CHECK(f.broker->data_dir().DescribeTopic("t")->partitions == 1);
}

TEST_CASE("create topics: a topic named twice in the request is INVALID_REQUEST for both") {
  BrokerFixture f;
  DirectConnection c(f);
  auto resp = Create(c, {Topic("d"), Topic("ok"), Topic("d")});
  CHECK(resp.topics[0].error_code == proto::kInvalidRequest);
  CHECK(resp.topics[1].error_code == proto::kNone);
  CHECK(resp.topics[2].error_code == proto::kInvalidRequest);
  CHECK(!Exists(f, "d"));
  CHECK(Exists(f, "ok"));
}

TEST_CASE("create topics: the internal topic is INVALID_REQUEST, a bad name INVALID_TOPIC") {
  BrokerFixture f;
  DirectConnection c(f);
  CHECK(CreateOne(c, Topic("__consumer_offsets")) == proto::kInvalidRequest);
  CHECK(CreateOne(c, Topic("has space")) == proto::kInvalidTopicException);
  CHECK(CreateOne(c, Topic("")) == proto::kInvalidTopicException);
  CHECK(!Exists(f, "__consumer_offsets"));
}

TEST_CASE("create topics: partition count and replication factor are checked") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.default_partitions = 5; });
  DirectConnection c(f);
  CHECK(CreateOne(c, Topic("zero", 0)) == proto::kInvalidPartitions);
  CHECK(CreateOne(c, Topic("neg", -2)) == proto::kInvalidPartitions);
  CHECK(CreateOne(c, Topic("rf3", 1, 3)) == proto::kInvalidReplicationFactor);
  CHECK(CreateOne(c, Topic("rf0", 1, 0)) == proto::kInvalidReplicationFactor);
  CHECK(CreateOne(c, Topic("default", -1, 1)) == proto::kNone);
  CHECK(f.broker->data_dir().DescribeTopic("default")->partitions == 5);
  CHECK(!Exists(f, "zero"));
}

TEST_CASE("create topics: a replica assignment must put partitions 0..n-1 on this node") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.node_id = 4; });
  DirectConnection c(f);
  proto::CreatableTopic good = Topic("good", -1, -1);
  good.assignments = {{0, {4}}, {1, {4}}};
  CHECK(CreateOne(c, good) == proto::kNone);
  CHECK(f.broker->data_dir().DescribeTopic("good")->partitions == 2);
  proto::CreatableTopic elsewhere = Topic("elsewhere", -1, -1);
  elsewhere.assignments = {{0, {1}}};
  CHECK(CreateOne(c, elsewhere) == proto::kInvalidReplicaAssignment);
  proto::CreatableTopic gap = Topic("gap", -1, -1);
  gap.assignments = {{0, {4}}, {2, {4}}};
  CHECK(CreateOne(c, gap) == proto::kInvalidReplicaAssignment);
  proto::CreatableTopic both = Topic("both", 2, -1);
  both.assignments = {{0, {4}}};
  CHECK(CreateOne(c, both) == proto::kInvalidRequest);
}

TEST_CASE("create topics: an unknown, invalid or null config is INVALID_CONFIG") {
  BrokerFixture f;
  DirectConnection c(f);
  proto::CreatableTopic unknown = Topic("u");
  unknown.configs.push_back({"no.such.config", "1"});
  CHECK(CreateOne(c, unknown) == proto::kInvalidConfig);
  proto::CreatableTopic invalid = Topic("i");
  invalid.configs.push_back({"cleanup.policy", "sometimes"});
  CHECK(CreateOne(c, invalid) == proto::kInvalidConfig);
  proto::CreatableTopic null_value = Topic("n");
  null_value.configs.push_back({"retention.ms", std::nullopt});
  CHECK(CreateOne(c, null_value) == proto::kInvalidConfig);
  CHECK(!Exists(f, "u"));
  CHECK(!Exists(f, "i"));
}

TEST_CASE("create topics with validate_only checks everything and creates nothing") {
  BrokerFixture f;
  f.CreateTopic("old", 1);
  DirectConnection c(f);
  auto resp = Create(c, {Topic("new", 2), Topic("old"), Topic("bad", 0)}, true);
  CHECK(resp.topics[0].error_code == proto::kNone);
  CHECK(resp.topics[1].error_code == proto::kTopicAlreadyExists);
  CHECK(resp.topics[2].error_code == proto::kInvalidPartitions);
  CHECK(!Exists(f, "new"));
}

TEST_CASE("delete topics removes a topic; the broker no longer knows it") {
  BrokerFixture f;
  f.CreateTopic("t", 2);
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000);
  c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 1, batch), 7);  // opens a writer
  auto resp = Delete(c, {"t"});
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].name == "t");
  CHECK(resp.responses[0].error_code == proto::kNone);
  CHECK(!Exists(f, "t"));
  auto produced = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 1, batch), 7);
  CHECK(produced.responses[0].partition_responses[0].error_code == proto::kUnknownTopicOrPartition);
}

TEST_CASE("delete topics: unknown is UNKNOWN_TOPIC_OR_PARTITION, internal INVALID_TOPIC") {
  BrokerFixture f;
  f.CreateTopic("__consumer_offsets", 1, {{"cleanup.policy", "compact"}});
  DirectConnection c(f);
  auto resp = Delete(c, {"nope", "__consumer_offsets", "bad name"});
  REQUIRE(resp.responses.size() == 3);
  CHECK(resp.responses[0].error_code == proto::kUnknownTopicOrPartition);
  CHECK(resp.responses[1].error_code == proto::kInvalidTopicException);
  CHECK(resp.responses[2].error_code == proto::kUnknownTopicOrPartition);
  CHECK(Exists(f, "__consumer_offsets"));
}

TEST_CASE("delete topics answers a name given twice once") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  auto resp = Delete(c, {"t", "t"});
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].error_code == proto::kNone);
  CHECK(!Exists(f, "t"));
}
