// HandleDescribeConfigs, HandleAlterConfigs and HandleIncrementalAlterConfigs
// (broker/handlers/describe_configs.cpp, alter_configs.cpp,
// incremental_alter_configs.cpp) driven with decoded requests against a
// broker on a temporary data directory: a topic described with every default
// and the values set at creation, the broker's read-only settings; an alter
// that changes what is described afterwards and what is stored in the
// topic's metadata file (AlterConfigs replaces the whole set,
// IncrementalAlterConfigs sets and deletes single keys); every refusal with
// its error code (unknown key, invalid value, unknown topic, internal topic,
// duplicate resource); validate_only changing nothing.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker_fixture.h"
#include "klog/topic.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleAlterConfigs;
using klog::broker::handlers::HandleDescribeConfigs;
using klog::broker::handlers::HandleIncrementalAlterConfigs;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
namespace proto = klog::proto;

namespace {

constexpr int8_t kTopic = 2;
constexpr int8_t kBroker = 4;
// config_source values (DescribeConfigs v1+).
constexpr int8_t kDynamicTopicConfig = 1;
constexpr int8_t kStaticBrokerConfig = 4;
constexpr int8_t kDefaultConfig = 5;
constexpr int8_t kSet = 0;
constexpr int8_t kDelete = 1;

proto::DescribeConfigsResult Describe(DirectConnection& c, int8_t type, const std::string& name,
                                      std::optional<std::vector<std::string>> keys = std::nullopt,
                                      int16_t version = 1) {
  proto::DescribeConfigsRequest req;
  req.resources.push_back({type, name, std::move(keys)});
  auto resp = c.Call<proto::DescribeConfigsResponse>(HandleDescribeConfigs, req, version);
  CHECK(resp.throttle_time_ms == 0);
  REQUIRE(resp.results.size() == 1);
  CHECK(resp.results[0].resource_type == type);
  CHECK(resp.results[0].resource_name == name);
  return resp.results[0];
}

// The described entry `key`, which must be there once.
proto::DescribeConfigsEntry Entry(const proto::DescribeConfigsResult& r, const std::string& key) {
  std::vector<proto::DescribeConfigsEntry> found;
  for (const proto::DescribeConfigsEntry& e : r.configs) {
    if (e.name == key) found.push_back(e);
  }
  REQUIRE_MESSAGE(found.size() == 1, key);
  return found[0];
}

std::optional<std::string> DescribedValue(DirectConnection& c, const std::string& topic,
                                          const std::string& key) {
  proto::DescribeConfigsResult r = Describe(c, kTopic, topic, std::vector<std::string>{key});
  REQUIRE(r.error_code == proto::kNone);
  return Entry(r, key).value;
}

// AlterConfigs of one topic with `configs`; the resource's result.
proto::AlterConfigsResult Alter(DirectConnection& c, const std::string& topic,
                                const std::map<std::string, std::string>& configs,
                                bool validate_only = false) {
  proto::AlterConfigsRequest req;
  proto::AlterConfigsResource& r = req.resources.emplace_back();
  r.resource_type = kTopic;
  r.resource_name = topic;
  for (const auto& [k, v] : configs) r.configs.push_back({k, v});
  req.validate_only = validate_only;
  auto resp = c.Call<proto::AlterConfigsResponse>(HandleAlterConfigs, req, 1);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].resource_type == kTopic);
  CHECK(resp.responses[0].resource_name == topic);
  return resp.responses[0];
}

// IncrementalAlterConfigs of one topic with (key, operation, value) entries.
proto::AlterConfigsResult Incremental(DirectConnection& c, const std::string& topic,
                                      const std::vector<proto::IncrementalAlterConfigsEntry>& ops,
                                      bool validate_only = false) {
  proto::IncrementalAlterConfigsRequest req;
  req.resources.push_back({kTopic, topic, ops});
  req.validate_only = validate_only;
  auto resp = c.Call<proto::IncrementalAlterConfigsResponse>(HandleIncrementalAlterConfigs, req, 0);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].resource_name == topic);
  return resp.responses[0];
}

std::map<std::string, std::string> Stored(BrokerFixture& f, const std::string& topic) {
  auto info = f.broker->data_dir().DescribeTopic(topic);
  REQUIRE(info.ok());
  return info->configs;
}

}  // namespace

TEST_CASE("describe configs of a topic: every default, and the values set at creation") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.message_max_bytes = 500000; });
  f.CreateTopic("t", 1, {{"retention.ms", "1000"}});
  DirectConnection c(f);
  proto::DescribeConfigsResult r = Describe(c, kTopic, "t");
  CHECK(r.error_code == proto::kNone);
  CHECK(r.configs.size() == klog::TopicConfigDefaults().size());
  proto::DescribeConfigsEntry retention = Entry(r, "retention.ms");
  CHECK(retention.value == "1000");
  CHECK(retention.config_source == kDynamicTopicConfig);
  CHECK(!retention.read_only);
  CHECK(!retention.is_sensitive);
  proto::DescribeConfigsEntry policy = Entry(r, "cleanup.policy");
  CHECK(policy.value == "delete");
  CHECK(policy.config_source == kDefaultConfig);
  CHECK(Entry(r, "segment.bytes").value == "1073741824");
  // max.message.bytes defaults to the broker's message.max.bytes, as in Kafka.
  CHECK(Entry(r, "max.message.bytes").value == "500000");
  for (const proto::DescribeConfigsEntry& e : r.configs) CHECK(e.synonyms.empty());
  // v0 has is_default instead of config_source.
  proto::DescribeConfigsResult v0 = Describe(c, kTopic, "t", std::nullopt, 0);
  CHECK(!Entry(v0, "retention.ms").is_default);
  CHECK(Entry(v0, "cleanup.policy").is_default);
}

TEST_CASE("describe configs: configuration_keys keeps only those names, an empty list none") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  proto::DescribeConfigsResult two =
      Describe(c, kTopic, "t", std::vector<std::string>{"segment.ms", "retention.bytes"});
  REQUIRE(two.configs.size() == 2);
  CHECK(Entry(two, "segment.ms").value == "604800000");
  CHECK(Entry(two, "retention.bytes").value == "-1");
  CHECK(Describe(c, kTopic, "t", std::vector<std::string>{}).configs.empty());
}

TEST_CASE("describe configs: unknown topic, bad name and unsupported resource type") {
  BrokerFixture f;
  DirectConnection c(f);
  proto::DescribeConfigsResult unknown = Describe(c, kTopic, "nope");
  CHECK(unknown.error_code == proto::kUnknownTopicOrPartition);
  CHECK(unknown.configs.empty());
  CHECK(Describe(c, kTopic, "a/b").error_code == proto::kInvalidTopicException);
  CHECK(Describe(c, 3, "g").error_code == proto::kInvalidRequest);  // a group
}

TEST_CASE("describe configs of the broker: read-only settings; another id is INVALID_REQUEST") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) {
    c.node_id = 3;
    c.default_partitions = 4;
  });
  DirectConnection c(f);
  proto::DescribeConfigsResult r = Describe(c, kBroker, "3");
  CHECK(r.error_code == proto::kNone);
  CHECK(Entry(r, "broker.id").value == "3");
  proto::DescribeConfigsEntry partitions = Entry(r, "num.partitions");
  CHECK(partitions.value == "4");
  CHECK(partitions.read_only);
  CHECK(partitions.config_source == kStaticBrokerConfig);
  CHECK(Entry(r, "default.replication.factor").config_source == kDefaultConfig);
  CHECK(Describe(c, kBroker, "").error_code == proto::kNone);  // the defaults
  CHECK(Describe(c, kBroker, "1").error_code == proto::kInvalidRequest);
  CHECK(Describe(c, kBroker, "x").error_code == proto::kInvalidRequest);
}

TEST_CASE("alter configs replaces the whole set: described and stored afterwards") {
  BrokerFixture f;
  f.CreateTopic("t", 1, {{"retention.ms", "1000"}, {"segment.ms", "5000"}});
  DirectConnection c(f);
  proto::AlterConfigsResult r = Alter(c, "t", {{"retention.ms", "2000"}});
  CHECK(r.error_code == proto::kNone);
  CHECK(!r.error_message.has_value());
  CHECK(Stored(f, "t") == std::map<std::string, std::string>{{"retention.ms", "2000"}});
  CHECK(DescribedValue(c, "t", "retention.ms") == "2000");
  // A key not given goes back to its default, as in Kafka.
  proto::DescribeConfigsResult all = Describe(c, kTopic, "t");
  CHECK(Entry(all, "segment.ms").value == "604800000");
  CHECK(Entry(all, "segment.ms").config_source == kDefaultConfig);
}

TEST_CASE("incremental alter configs sets and deletes single keys, keeping the others") {
  BrokerFixture f;
  f.CreateTopic("t", 1, {{"retention.ms", "1000"}, {"segment.ms", "5000"}});
  DirectConnection c(f);
  proto::AlterConfigsResult r = Incremental(
      c, "t", {{"cleanup.policy", kSet, "compact"}, {"retention.ms", kDelete, std::nullopt}});
  CHECK(r.error_code == proto::kNone);
  CHECK(Stored(f, "t") ==
        std::map<std::string, std::string>{{"cleanup.policy", "compact"}, {"segment.ms", "5000"}});
  proto::DescribeConfigsResult all = Describe(c, kTopic, "t");
  CHECK(Entry(all, "cleanup.policy").value == "compact");
  CHECK(Entry(all, "cleanup.policy").config_source == kDynamicTopicConfig);
  CHECK(Entry(all, "retention.ms").value == "604800000");
  CHECK(Entry(all, "retention.ms").config_source == kDefaultConfig);
  CHECK(Entry(all, "segment.ms").value == "5000");
}

TEST_CASE("alter configs: an unknown key or an invalid value is INVALID_CONFIG, nothing changes") {
  BrokerFixture f;
  f.CreateTopic("t", 1, {{"retention.ms", "1000"}});
  DirectConnection c(f);
  const std::map<std::string, std::string> before = Stored(f, "t");
  CHECK(Alter(c, "t", {{"no.such.config", "1"}}).error_code == proto::kInvalidConfig);
  CHECK(Alter(c, "t", {{"retention.ms", "soon"}}).error_code == proto::kInvalidConfig);
  // One bad entry refuses the whole resource.
  CHECK(Alter(c, "t", {{"segment.ms", "9000"}, {"cleanup.policy", "sometimes"}}).error_code ==
        proto::kInvalidConfig);
  CHECK(Incremental(c, "t", {{"no.such.config", kSet, "1"}}).error_code == proto::kInvalidConfig);
  CHECK(Incremental(c, "t", {{"segment.bytes", kSet, "-5"}}).error_code == proto::kInvalidConfig);
  CHECK(Incremental(c, "t", {{"retention.ms", kSet, "7"}, {"retention.ms", kDelete, std::nullopt}})
            .error_code == proto::kInvalidRequest);
  CHECK(Stored(f, "t") == before);
  CHECK(DescribedValue(c, "t", "retention.ms") == "1000");
}

TEST_CASE("alter configs of an unknown topic is UNKNOWN_TOPIC_OR_PARTITION") {
  BrokerFixture f;
  DirectConnection c(f);
  CHECK(Alter(c, "nope", {{"retention.ms", "1"}}).error_code == proto::kUnknownTopicOrPartition);
  CHECK(Incremental(c, "nope", {{"retention.ms", kSet, "1"}}).error_code ==
        proto::kUnknownTopicOrPartition);
  CHECK(!f.broker->data_dir().DescribeTopic("nope").ok());
}

TEST_CASE("alter configs with validate_only checks and changes nothing") {
  BrokerFixture f;
  f.CreateTopic("t", 1, {{"retention.ms", "1000"}});
  DirectConnection c(f);
  CHECK(Alter(c, "t", {{"retention.ms", "2000"}}, true).error_code == proto::kNone);
  CHECK(Incremental(c, "t", {{"retention.ms", kDelete, std::nullopt}}, true).error_code ==
        proto::kNone);
  CHECK(Alter(c, "t", {{"retention.ms", "x"}}, true).error_code == proto::kInvalidConfig);
  CHECK(Alter(c, "nope", {}, true).error_code == proto::kUnknownTopicOrPartition);
  CHECK(Stored(f, "t") == std::map<std::string, std::string>{{"retention.ms", "1000"}});
  CHECK(DescribedValue(c, "t", "retention.ms") == "1000");
}

TEST_CASE("alter configs of the internal topic is INVALID_TOPIC_EXCEPTION") {
  BrokerFixture f;
  f.CreateTopic("__consumer_offsets", 1, {{"cleanup.policy", "compact"}});
  DirectConnection c(f);
  CHECK(Alter(c, "__consumer_offsets", {{"cleanup.policy", "delete"}}).error_code ==
        proto::kInvalidTopicException);
  CHECK(Incremental(c, "__consumer_offsets", {{"retention.ms", kSet, "1"}}).error_code ==
        proto::kInvalidTopicException);
  CHECK(Stored(f, "__consumer_offsets") ==
        std::map<std::string, std::string>{{"cleanup.policy", "compact"}});
}

TEST_CASE("alter configs: a topic named twice is INVALID_REQUEST for both, others apply") {
  BrokerFixture f;
  f.CreateTopic("a", 1);
  f.CreateTopic("b", 1);
  DirectConnection c(f);
  proto::AlterConfigsRequest req;
  for (const char* name : {"a", "b", "a"}) {
    req.resources.push_back({kTopic, name, {{"retention.ms", "5"}}});
  }
  auto resp = c.Call<proto::AlterConfigsResponse>(HandleAlterConfigs, req, 0);
  REQUIRE(resp.responses.size() == 3);
  CHECK(resp.responses[0].error_code == proto::kInvalidRequest);
  CHECK(resp.responses[1].error_code == proto::kNone);
  CHECK(resp.responses[2].error_code == proto::kInvalidRequest);
  CHECK(Stored(f, "a").empty());
  CHECK(Stored(f, "b") == std::map<std::string, std::string>{{"retention.ms", "5"}});
}
