#include "replica/remote_topics.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::replica {
namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kDynamicTopicConfig = 1;  // DescribeConfigs config_source (v1+)
// An election under way leaves a partition without a leader for a moment:
// Metadata is asked again after this pause, this many times at most, before
// that is an error.
constexpr auto kLeaderlessPause = std::chrono::milliseconds(200);
constexpr int kLeaderlessLooks = 25;

std::string CodeText(int16_t code) {
  return "error " + std::to_string(code) + " (" + proto::ErrorName(code) + ")";
}

// A config set on the topic itself, not inherited from the broker.
bool SetOnTopic(const proto::DescribeConfigsEntry& e) {
  if (!e.value) return false;
  if (e.config_source >= 0) return e.config_source == kDynamicTopicConfig;
  return !e.is_default && !e.read_only;  // v0: no config_source
}

Status TopicConfigs(BrokerSession& session, TopicInfo* info) {
  proto::DescribeConfigsRequest req;
  req.resources.push_back({kTopicResource, info->name, std::nullopt});
  auto resp = session.DescribeConfigs(std::move(req));
  // A broker without DescribeConfigs (librdkafka's mock cluster, say) shows
  // no topic configs: the copy is made without any, as for a source topic
  // that sets none.
  if (resp.status().code() == Status::Code::kUnsupported) return Status::Ok();
  if (!resp.ok()) return resp.status();
  for (const proto::DescribeConfigsResult& r : resp->results) {
    if (r.resource_name != info->name) continue;
    if (r.error_code != proto::kNone) {
      return Status::IOError("DescribeConfigs: " + CodeText(r.error_code) + ": " +
                             r.error_message.value_or(""));
    }
    for (const proto::DescribeConfigsEntry& e : r.configs) {
      if (SetOnTopic(e)) info->configs[e.name] = *e.value;
    }
    return Status::Ok();
  }
  return Status::Corruption("DescribeConfigs: no result for the topic");
}

Result<SourceTopic> FromMetadata(const proto::MetadataTopic& t) {
  if (t.error_code == proto::kUnknownTopicOrPartition) {
    return Status::NotFound("topic " + t.name + " does not exist at the source");
  }
  if (t.error_code != proto::kNone) {
    return Status::IOError("topic " + t.name + ": Metadata " + CodeText(t.error_code));
  }
  SourceTopic out;
  out.info.name = t.name;
  out.info.partitions = int32_t(t.partitions.size());
  out.leaders.assign(t.partitions.size(), -1);
  for (const proto::MetadataPartition& p : t.partitions) {
    std::string where = "topic " + t.name + " partition " + std::to_string(p.partition_index);
    if (p.partition_index < 0 || p.partition_index >= out.info.partitions) {
      return Status::Corruption(where + ": Metadata lists a partition out of range");
    }
    if (p.error_code != proto::kNone || p.leader_id < 0) {
      std::string why = p.error_code != proto::kNone ? CodeText(p.error_code) : "leader -1";
      return Status::IOError(where + ": no leader (Metadata " + why + ")");
    }
    out.leaders[size_t(p.partition_index)] = p.leader_id;
  }
  return out;
}

// True when a partition of a topic that is otherwise fine has no leader.
bool Leaderless(const proto::MetadataResponse& meta) {
  for (const proto::MetadataTopic& t : meta.topics) {
    if (t.error_code == proto::kLeaderNotAvailable) return true;
    if (t.error_code != proto::kNone) continue;
    for (const proto::MetadataPartition& p : t.partitions) {
      if (p.leader_id < 0 || p.error_code == proto::kLeaderNotAvailable) return true;
    }
  }
  return false;
}

// Metadata of `names` (all topics when empty), asked again while a
// partition has no leader, kLeaderlessLooks times at most. A blocking sleep:
// the callers are command-line tools with nothing else on their loop.
Result<proto::MetadataResponse> LeaderMetadata(BrokerSession& session,
                                               const std::vector<std::string>& names) {
  for (int look = 1;; look++) {
    proto::MetadataRequest req;
    req.allow_auto_topic_creation = false;
    if (!names.empty()) {
      req.topics.emplace();
      for (const std::string& n : names) req.topics->push_back({n});
    }
    auto meta = session.Metadata(std::move(req));
    if (!meta.ok() || look >= kLeaderlessLooks || !Leaderless(meta.value())) return meta;
    std::this_thread::sleep_for(kLeaderlessPause);
  }
}

}  // namespace

Result<std::vector<SourceTopic>> DescribeSourceTopics(BrokerSession& session,
                                                      const std::vector<std::string>& names) {
  auto meta = LeaderMetadata(session, names);
  if (!meta.ok()) return meta.status();
  std::vector<SourceTopic> out;
  for (const proto::MetadataTopic& t : meta->topics) {
    if (names.empty() && t.is_internal) continue;
    auto topic = FromMetadata(t);
    if (!topic.ok()) return topic.status();
    KLOG_RETURN_IF_ERROR(TopicConfigs(session, &topic->info).WithContext("topic " + t.name));
    out.push_back(std::move(topic.value()));
  }
  for (const std::string& n : names) {
    auto named = [&](const SourceTopic& s) { return s.info.name == n; };
    if (std::none_of(out.begin(), out.end(), named)) {
      return Status::NotFound("topic " + n + " does not exist at the source");
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SourceTopic& a, const SourceTopic& b) { return a.info.name < b.info.name; });
  return out;
}

}  // namespace klog::replica
