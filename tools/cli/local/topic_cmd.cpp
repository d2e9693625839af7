#include "cli/local/topic_cmd.h"

#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/output.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/segment.h"
#include "klog/topic.h"

namespace klog::cli::local {
namespace {

using json = nlohmann::ordered_json;

struct PartitionStats {
  int32_t partition = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;
  int64_t segments = 0;
  int64_t bytes = 0;  // sum of the .log files
};

Result<PartitionStats> StatPartition(const DataDir& dd, const std::string& topic, int32_t p) {
  PartitionStats s;
  s.partition = p;
  std::string dir = dd.PartitionPath(topic, p);
  auto reader = LogReader::Open(dir);
  if (!reader.ok()) return reader.status();
  s.start_offset = (*reader)->start_offset();
  s.end_offset = (*reader)->end_offset();
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.status();
  s.segments = int64_t(segs->size());
  for (int64_t base : *segs) {
    struct stat st;
    std::string path = SegmentPath(dir, base, kLogSuffix);
    if (::stat(path.c_str(), &st) == 0) s.bytes += int64_t(st.st_size);
  }
  return s;
}

json TopicJson(const TopicInfo& t) {
  return json{{"topic", t.name}, {"partitions", t.partitions}, {"configs", t.configs}};
}

std::string ConfigText(const std::map<std::string, std::string>& configs) {
  std::string s;
  for (const auto& [k, v] : configs) s += (s.empty() ? "" : ",") + k + "=" + v;
  return s;
}

Status CheckName(const std::string& topic) { return ValidateTopicName(topic); }

}  // namespace

int BeginLocalChange(Tool& tool, const std::string& data_dir, std::string_view topic,
                     std::string_view action, DataDirLock* lock) {
  if (!action.empty()) {
    Status internal = CheckNotInternal(topic, action);
    if (!internal.ok()) return tool.Fail(internal);
  }
  Status locked = LockForLocalWrite(data_dir, lock);
  if (!locked.ok()) return tool.Fail(locked);
  return -1;
}

int TopicCreate(Tool& tool, const std::string& data_dir, const TopicCreateOptions& o) {
  Status st = CheckName(o.topic);
  if (!st.ok()) return tool.UsageError(st.message());
  std::map<std::string, std::string> configs;
  for (const auto& kv : o.configs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return tool.UsageError("--config '" + kv + "': expected KEY=VALUE");
    }
    std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    st = ValidateTopicConfig(key, value);
    if (!st.ok()) return tool.Fail(st);
    configs[key] = value;
  }
  DataDir dd(data_dir);
  st = dd.CreateTopic(o.topic, o.partitions, configs);
  if (st.code() == Status::Code::kExists && o.if_not_exists) return kExitOk;
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

int TopicList(Tool& tool, const std::string& data_dir, bool json_out) {
  DataDir dd(data_dir);
  auto topics = dd.ListTopics();
  if (!topics.ok()) return tool.Fail(topics.status());
  Output& out = tool.out();
  for (const auto& t : *topics) {
    out.Write(json_out ? TopicJson(t).dump() : t.name);
    out.Put('\n');
  }
  return kExitOk;
}

int TopicDescribe(Tool& tool, const std::string& data_dir, const std::string& topic,
                  bool json_out) {
  Status st = CheckName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  DataDir dd(data_dir);
  auto info = dd.DescribeTopic(topic);
  if (!info.ok()) return tool.Fail(info.status());
  std::vector<PartitionStats> stats;
  for (int32_t p = 0; p < info->partitions; p++) {
    auto s = StatPartition(dd, topic, p);
    if (!s.ok()) return tool.Fail(s.status().WithContext(topic + "-" + std::to_string(p)));
    stats.push_back(*s);
  }
  Output& out = tool.out();
  if (json_out) {
    json j = TopicJson(*info);
    j["partition_info"] = json::array();
    for (const auto& s : stats) {
      j["partition_info"].push_back({{"partition", s.partition},
                                     {"start_offset", s.start_offset},
                                     {"end_offset", s.end_offset},
                                     {"segments", s.segments},
                                     {"bytes", s.bytes}});
    }
    out.Write(j.dump());
    out.Put('\n');
    return kExitOk;
  }
  out.Write("Topic: " + info->name + "\tPartitions: " + std::to_string(info->partitions) +
            "\tConfigs: " + ConfigText(info->configs) + "\n");
  for (const auto& s : stats) {
    out.Write("\tPartition: " + std::to_string(s.partition) + "\tStartOffset: " +
              std::to_string(s.start_offset) + "\tEndOffset: " + std::to_string(s.end_offset) +
              "\tSegments: " + std::to_string(s.segments) + "\tBytes: " + std::to_string(s.bytes) +
              "\n");
  }
  return kExitOk;
}

int TopicDelete(Tool& tool, const std::string& data_dir, const std::string& topic, bool if_exists) {
  Status st = CheckName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  DataDir dd(data_dir);
  st = dd.DeleteTopic(topic);
  if (st.IsNotFound() && if_exists) return kExitOk;
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

int TopicAlter(Tool& tool, const std::string& data_dir, const std::string& topic,
               int32_t partitions) {
  Status st = CheckName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  DataDir dd(data_dir);
  st = dd.AddPartitions(topic, partitions);
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

}  // namespace klog::cli::local
