// klog-topic in broker mode: create, delete and alter through the admin API
// (CreateTopics, DeleteTopics, CreatePartitions), list and describe from the cluster metadata,
// topic configs from DescribeConfigs (the ones set on the topic, as local
// mode shows the ones given at creation) and per-partition offsets from
// ListOffsets (rd_kafka_query_watermark_offsets). The broker cannot tell
// segments and bytes on disk: text prints "-" for them, JSON leaves them out.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/kafka/commands.h"
#include "cli/output.h"
#include "klog/filename.h"

namespace klog::cli::kafka {
namespace {

using json = nlohmann::ordered_json;
using ConfigMap = std::map<std::string, std::string>;

Status TopicResultStatus(const rd_kafka_topic_result_t* r, const std::string& topic) {
  rd_kafka_resp_err_t err = rd_kafka_topic_result_error(r);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return Status::Exists("topic '" + topic + "' already exists");
  }
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return Status::NotFound("topic '" + topic + "' does not exist");
  }
  const char* text = rd_kafka_topic_result_error_string(r);
  return Status::IOError("topic '" + topic +
                         "': " + (text != nullptr ? text : rd_kafka_err2str(err)));
}

// The configs set on each topic (not the defaults), by topic name. A broker
// without DescribeConfigs gives empty maps after one warning.
std::map<std::string, ConfigMap> TopicConfigs(KafkaClient& c,
                                              const std::vector<std::string>& topics) {
  const Tool& tool = c.tool();
  std::map<std::string, ConfigMap> out;
  for (const auto& t : topics) out[t];
  if (topics.empty()) return out;
  std::vector<rd_kafka_ConfigResource_t*> res;
  for (const auto& t : topics)
    res.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
  auto ev = AdminCall(c, "DescribeConfigs", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_DescribeConfigs(c.handle(), res.data(), res.size(), o, q);
  });
  rd_kafka_ConfigResource_destroy_array(res.data(), res.size());
  if (!ev.ok()) {
    tool.Diag("configs not shown: " + ev.status().message());
    return out;
  }
  const rd_kafka_DescribeConfigs_result_t* r = rd_kafka_event_DescribeConfigs_result(ev->get());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(r, &n);
  for (size_t i = 0; i < n; i++) {
    std::string name = rd_kafka_ConfigResource_name(rs[i]);
    if (rd_kafka_ConfigResource_error(rs[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      tool.Diag("topic '" + name +
                "': configs not shown: " + rd_kafka_ConfigResource_error_string(rs[i]));
      continue;
    }
    size_t cnt = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &cnt);
    for (size_t j = 0; j < cnt; j++) {
      const rd_kafka_ConfigEntry_t* e = entries[j];
      rd_kafka_ConfigSource_t src = rd_kafka_ConfigEntry_source(e);
      bool set =
          src == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG ||
          (src == RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG && !rd_kafka_ConfigEntry_is_default(e));
      const char* value = rd_kafka_ConfigEntry_value(e);
      if (set && value != nullptr) out[name][rd_kafka_ConfigEntry_name(e)] = value;
    }
  }
  return out;
}

std::string ConfigText(const ConfigMap& configs) {
  std::string s;
  for (const auto& [k, v] : configs) s += (s.empty() ? "" : ",") + k + "=" + v;
  return s;
}

// Connects (bounded: a broker that cannot be reached is exit 1) and runs
// `body` with the client and the cluster's metadata.
template <typename Body>
int WithCluster(const Tool& tool, const BrokerTarget& target, Body body) {
  std::unique_ptr<KafkaClient> client;
  int rc = KafkaClient::Create(tool, ClientRole::kAdmin, target.brokers, target.flags, {}, &client);
  if (rc >= 0) return rc;
  auto raw = client->AllTopicsMetadata();
  if (!raw.ok()) return tool.Fail(raw.status());
  MetadataPtr md(*raw);
  return body(*client, md.get());
}

}  // namespace

Status CreateTopicOnBroker(KafkaClient& c, const std::string& topic, int32_t partitions,
                           const std::vector<std::pair<std::string, std::string>>& configs) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (nt == nullptr) return Status::InvalidArgument("topic '" + topic + "': " + err);
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  auto ev = AdminCall(c, "CreateTopics", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_CreateTopics(c.handle(), &nt, 1, o, q);
  });
  rd_kafka_NewTopic_destroy(nt);
  if (!ev.ok()) return ev.status();
  size_t n = 0;
  const rd_kafka_topic_result_t** r =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev->get()), &n);
  return n == 1 ? TopicResultStatus(r[0], topic) : Status::IOError("CreateTopics: no result");
}

int TopicCreateBroker(Tool& tool, const BrokerTarget& target, const local::TopicCreateOptions& o) {
  Status st = ValidateTopicName(o.topic);
  if (!st.ok()) return tool.UsageError(st.message());
  std::vector<std::pair<std::string, std::string>> configs;
  for (const auto& kv : o.configs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return tool.UsageError("--config '" + kv + "': expected KEY=VALUE");
    }
    configs.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return WithCluster(tool, target, [&](KafkaClient& c, const rd_kafka_metadata_t*) {
    Status st = CreateTopicOnBroker(c, o.topic, o.partitions, configs);
    if (st.code() == Status::Code::kExists && o.if_not_exists) return kExitOk;
    return st.ok() ? kExitOk : tool.Fail(st);
  });
}

int TopicListBroker(Tool& tool, const BrokerTarget& target, bool json_out) {
  return WithCluster(tool, target, [&](KafkaClient& c, const rd_kafka_metadata_t* md) {
    std::map<std::string, int32_t> topics;
    for (int i = 0; i < md->topic_cnt; i++) {
      if (md->topics[i].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
      topics[md->topics[i].topic] = md->topics[i].partition_cnt;
    }
    std::map<std::string, ConfigMap> configs;
    if (json_out) {
      std::vector<std::string> names;
      for (const auto& [name, parts] : topics) names.push_back(name);
      configs = TopicConfigs(c, names);
    }
    Output& out = tool.out();
    for (const auto& [name, parts] : topics) {
      if (json_out) {
        json j{{"topic", name}, {"partitions", parts}, {"configs", configs[name]}};
        out.Write(j.dump());
      } else {
        out.Write(name);
      }
      out.Put('\n');
    }
    return kExitOk;
  });
}

int TopicDescribeBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                        bool json_out) {
  Status st = ValidateTopicName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  return WithCluster(tool, target, [&](KafkaClient& c, const rd_kafka_metadata_t* md) {
    const rd_kafka_metadata_topic_t* t = FindTopic(md, topic);
    if (t == nullptr) return tool.Fail(Status::NotFound("topic '" + topic + "' does not exist"));
    const int32_t count = t->partition_cnt;
    std::vector<std::pair<int64_t, int64_t>> marks(count);
    for (int32_t p = 0; p < count; p++) {
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
          c.handle(), topic.c_str(), p, &marks[p].first, &marks[p].second, c.timeout_ms());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        c.Poll(0);
        Status e = err == RD_KAFKA_RESP_ERR__TIMED_OUT
                       ? c.TimeoutError("a ListOffsets request")
                       : Status::IOError(std::string("offsets: ") + rd_kafka_err2str(err));
        return tool.Fail(e.WithContext(topic + "-" + std::to_string(p)));
      }
    }
    ConfigMap configs = TopicConfigs(c, {topic})[topic];
    Output& out = tool.out();
    if (json_out) {
      json j{{"topic", topic}, {"partitions", count}, {"configs", configs}};
      j["partition_info"] = json::array();
      for (int32_t p = 0; p < count; p++) {
        j["partition_info"].push_back(
            {{"partition", p}, {"start_offset", marks[p].first}, {"end_offset", marks[p].second}});
      }
      out.Write(j.dump());
      out.Put('\n');
      return kExitOk;
    }
    out.Write("Topic: " + topic + "\tPartitions: " + std::to_string(count) +
              "\tConfigs: " + ConfigText(configs) + "\n");
    for (int32_t p = 0; p < count; p++) {
      out.Write("\tPartition: " + std::to_string(p) +
                "\tStartOffset: " + std::to_string(marks[p].first) +
                "\tEndOffset: " + std::to_string(marks[p].second) + "\tSegments: -\tBytes: -\n");
    }
    return kExitOk;
  });
}

int TopicDeleteBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                      bool if_exists) {
  Status st = ValidateTopicName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  return WithCluster(tool, target, [&](KafkaClient& c, const rd_kafka_metadata_t*) {
    rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
    auto ev = AdminCall(c, "DeleteTopics", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
      rd_kafka_DeleteTopics(c.handle(), &dt, 1, o, q);
    });
    rd_kafka_DeleteTopic_destroy(dt);
    if (!ev.ok()) return tool.Fail(ev.status());
    size_t n = 0;
    const rd_kafka_topic_result_t** r =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev->get()), &n);
    Status st =
        n == 1 ? TopicResultStatus(r[0], topic) : Status::IOError("DeleteTopics: no result");
    if (st.IsNotFound() && if_exists) return kExitOk;
    return st.ok() ? kExitOk : tool.Fail(st);
  });
}

int TopicAlterBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                     int32_t partitions) {
  Status st = ValidateTopicName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  return WithCluster(tool, target, [&](KafkaClient& c, const rd_kafka_metadata_t* md) {
    if (FindTopic(md, topic) == nullptr) {
      return tool.Fail(Status::NotFound("topic '" + topic + "' does not exist"));
    }
    char err[512];
    rd_kafka_NewPartitions_t* np =
        rd_kafka_NewPartitions_new(topic.c_str(), size_t(partitions), err, sizeof err);
    if (np == nullptr) return tool.Fail(Status::InvalidArgument("topic '" + topic + "': " + err));
    auto ev =
        AdminCall(c, "CreatePartitions", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
          rd_kafka_CreatePartitions(c.handle(), &np, 1, o, q);
        });
    rd_kafka_NewPartitions_destroy(np);
    if (!ev.ok()) return tool.Fail(ev.status());
    size_t n = 0;
    const rd_kafka_topic_result_t** r = rd_kafka_CreatePartitions_result_topics(
        rd_kafka_event_CreatePartitions_result(ev->get()), &n);
    Status st =
        n == 1 ? TopicResultStatus(r[0], topic) : Status::IOError("CreatePartitions: no result");
    return st.ok() ? kExitOk : tool.Fail(st);
  });
}

int TopicAlterConfigsBroker(Tool& tool, const BrokerTarget& target, const std::string& topic,
                            const std::vector<std::string>& configs,
                            const std::vector<std::string>& delete_configs) {
  Status st = ValidateTopicName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  std::vector<std::pair<std::string, std::string>> pairs;
  int code = kExitOk;
  if (!local::SplitConfigs(tool, configs, &pairs, &code)) return code;
  return WithCluster(tool, target, [&](KafkaClient& c, const rd_kafka_metadata_t* md) {
    if (FindTopic(md, topic) == nullptr) {
      return tool.Fail(Status::NotFound("topic '" + topic + "' does not exist"));
    }
    // librdkafka 2.0 has no IncrementalAlterConfigs: AlterConfigs replaces
    // the whole set, so start from the configs the topic has now.
    ConfigMap merged = TopicConfigs(c, {topic})[topic];
    for (const auto& k : delete_configs) merged.erase(k);
    for (const auto& [k, v] : pairs) merged[k] = v;
    rd_kafka_ConfigResource_t* res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    for (const auto& [k, v] : merged) rd_kafka_ConfigResource_set_config(res, k.c_str(), v.c_str());
    auto ev = AdminCall(c, "AlterConfigs", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
      rd_kafka_AlterConfigs(c.handle(), &res, 1, o, q);
    });
    rd_kafka_ConfigResource_destroy(res);
    if (!ev.ok()) return tool.Fail(ev.status());
    size_t n = 0;
    const rd_kafka_ConfigResource_t** rs =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev->get()), &n);
    if (n != 1) return tool.Fail(Status::IOError("AlterConfigs: no result"));
    if (rd_kafka_ConfigResource_error(rs[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_ConfigResource_error_string(rs[0]);
      return tool.Fail(Status::InvalidArgument(
          "topic '" + topic + "': " +
          (text != nullptr ? text : rd_kafka_err2str(rd_kafka_ConfigResource_error(rs[0])))));
    }
    return kExitOk;
  });
}

}  // namespace klog::cli::kafka
