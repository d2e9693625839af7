// DescribeConfigs (key 32), v0-2. Answered at once from the topic metadata
// cache and the broker's settings.
//
// A topic (resource type 2) lists every config klog knows
// (TopicConfigDefaults()) plus any other key stored for the topic: the
// topic's value when it sets one (DYNAMIC_TOPIC_CONFIG), else the default
// (DEFAULT_CONFIG); max.message.bytes defaults to the broker's
// message.max.bytes, as in Kafka. Topic configs are not read-only (they are
// set at creation and altered with AlterConfigs or IncrementalAlterConfigs).
//
// The broker (resource type 4, named by its node id, or "" for the
// defaults) lists its settings, all read-only. Other resource types are
// INVALID_REQUEST. A configuration_keys list keeps only those names (an
// empty list, none); null means all. Synonyms are never sent (the list is always empty).
#include <charconv>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "klog/filename.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
// config_source values (v1+).
constexpr int8_t kDynamicTopicConfig = 1;
constexpr int8_t kStaticBrokerConfig = 4;
constexpr int8_t kDefaultConfig = 5;

// Builds the configs list, keeping only the names the request asked for.
class ConfigList {
 public:
  ConfigList(const proto::DescribeConfigsResource& res, bool read_only) : read_only_(read_only) {
    if (res.configuration_keys.has_value()) {
      filter_.insert(res.configuration_keys->begin(), res.configuration_keys->end());
      filtered_ = true;
    }
  }
  void Add(const std::string& name, const std::string& value, int8_t source,
           std::vector<proto::DescribeConfigsEntry>* out) const {
    if (filtered_ && filter_.count(name) == 0) return;
    proto::DescribeConfigsEntry e;
    e.name = name;
    e.value = value;
    e.read_only = read_only_;
    e.is_default = source == kDefaultConfig;
    e.config_source = source;
    out->push_back(std::move(e));
  }

 private:
  bool read_only_;
  bool filtered_ = false;
  std::set<std::string> filter_;
};

void Fail(proto::DescribeConfigsResult* out, int16_t code, std::string message) {
  out->error_code = code;
  out->error_message = std::move(message);
}

void DescribeTopic(Broker& broker, const proto::DescribeConfigsResource& res,
                   proto::DescribeConfigsResult* out) {
  const std::string& name = res.resource_name;
  if (!ValidateTopicName(name).ok()) {
    return Fail(out, proto::kInvalidTopicException, "'" + name + "' is not a valid topic name");
  }
  Result<const TopicInfo*> info = broker.partitions().Topic(name);
  if (!info.ok()) {
    if (info.status().IsNotFound()) {
      return Fail(out, proto::kUnknownTopicOrPartition, "Topic '" + name + "' does not exist.");
    }
    broker.diagnostics().Error("topic '" + name + "': " + info.status().message());
    return Fail(out, proto::kUnknownServerError, info.status().message());
  }
  std::map<std::string, std::string> set = (*info)->configs;  // a copy: the pointer may go
  ConfigList list(res, false);
  for (const TopicConfigDefault& d : TopicConfigDefaults()) {
    auto it = set.find(d.key);
    if (it != set.end()) {
      list.Add(d.key, it->second, kDynamicTopicConfig, &out->configs);
      set.erase(it);
    } else if (std::string(d.key) == "max.message.bytes") {
      list.Add(d.key, std::to_string(broker.config().message_max_bytes), kDefaultConfig,
               &out->configs);
    } else {
      list.Add(d.key, d.value, kDefaultConfig, &out->configs);
    }
  }
  for (const auto& [key, value] : set) list.Add(key, value, kDynamicTopicConfig, &out->configs);
}

// The broker settings a client may ask about, with Kafka's names.
std::vector<std::pair<std::string, std::string>> BrokerSettings(const Broker& broker,
                                                                const BrokerConfig& c) {
  return {
      {"broker.id", std::to_string(c.node_id)},
      {"node.id", std::to_string(c.node_id)},
      {"log.dirs", c.data_dir},
      {"advertised.listeners", "PLAINTEXT://" + broker.advertised().ToString()},
      {"num.partitions", std::to_string(c.default_partitions)},
      {"default.replication.factor", "1"},
      {"auto.create.topics.enable", c.auto_create_topics ? "true" : "false"},
      {"message.max.bytes", std::to_string(c.message_max_bytes)},
      {"socket.request.max.bytes", std::to_string(c.max_request_bytes)},
      {"max.connections", std::to_string(c.max_connections)},
      {"connections.max.idle.ms", std::to_string(c.idle_timeout_ms)},
      {"log.retention.check.interval.ms", std::to_string(c.retention_check_interval_ms)},
      {"log.cleaner.enable", c.cleaner_enable ? "true" : "false"},
      {"log.cleaner.backoff.ms", std::to_string(c.cleaner_backoff_ms)},
      {"log.cleaner.dedupe.buffer.size", std::to_string(c.cleaner_dedupe_buffer_bytes)},
  };
}

void DescribeBroker(Broker& broker, const proto::DescribeConfigsResource& res,
                    proto::DescribeConfigsResult* out) {
  const std::string& name = res.resource_name;
  if (!name.empty()) {
    int32_t id = -1;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || ptr != name.data() + name.size()) {
      return Fail(out, proto::kInvalidRequest, "Broker id must be an integer, but it is: " + name);
    }
    if (id != broker.node_id()) {
      return Fail(out, proto::kInvalidRequest,
                  "Unexpected broker id, expected " + std::to_string(broker.node_id()) +
                      " or empty string, but received " + name);
    }
  }
  // A setting equal to klog-serve's built-in default is DEFAULT_CONFIG,
  // anything else came from the command line or config file.
  std::vector<std::pair<std::string, std::string>> now = BrokerSettings(broker, broker.config());
  std::vector<std::pair<std::string, std::string>> builtin = BrokerSettings(broker, BrokerConfig{});
  ConfigList list(res, true);
  for (size_t i = 0; i < now.size(); ++i) {
    int8_t source = now[i].second == builtin[i].second ? kDefaultConfig : kStaticBrokerConfig;
    list.Add(now[i].first, now[i].second, source, &out->configs);
  }
}

}  // namespace

void HandleDescribeConfigs(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::DescribeConfigsRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());

  proto::DescribeConfigsResponse resp;
  for (const proto::DescribeConfigsResource& res : req.resources) {
    proto::DescribeConfigsResult& out = resp.results.emplace_back();
    out.resource_type = res.resource_type;
    out.resource_name = res.resource_name;
    if (res.resource_type == kTopicResource) {
      DescribeTopic(ctx.broker, res, &out);
    } else if (res.resource_type == kBrokerResource) {
      DescribeBroker(ctx.broker, res, &out);
    } else {
      Fail(&out, proto::kInvalidRequest,
           "Resource type " + std::to_string(res.resource_type) +
               " is not supported; klog-serve describes topics (2) and brokers (4)");
    }
    if (out.error_code != proto::kNone) {
      ctx.broker.diagnostics().Info("describe configs of '" + res.resource_name + "' for " +
                                    ctx.peer + ": " + proto::ErrorName(out.error_code) + ": " +
                                    out.error_message.value_or(""));
    }
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
