// klog-topic alter --config, enforce-retention and truncate-before on a data
// directory (klog-topic(1)). The last two open each partition's writer, so
// they fail with "locked by pid N" while klog-serve or klog-append writes it.
#include <algorithm>
#include <map>

#include "cli/cli.h"
#include "cli/local/topic_cmd.h"
#include "cli/output.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/topic.h"

namespace klog::cli::local {
namespace {

std::string Where(const std::string& topic, int32_t p) { return topic + "-" + std::to_string(p); }

// One line per partition: what was deleted and the new log start offset.
void Report(Tool& tool, const std::string& topic, int32_t p, const RetentionResult& r) {
  tool.out().Write(Where(topic, p) + "\tdeleted_segments: " + std::to_string(r.deleted_segments) +
                   "\tdeleted_bytes: " + std::to_string(r.deleted_bytes) +
                   "\tlog_start_offset: " + std::to_string(r.log_start_offset) + "\n");
}

LogOptions WriterOptions(Tool& tool, const TopicInfo& info) {
  LogOptions opts;
  opts.owner = tool.name();
  opts.warn = [&tool](const std::string& m) { tool.Diag(m); };
  (void)ApplyTopicConfigs(info, &opts);  // invalid configs: defaults, retention still applies
  return opts;
}

}  // namespace

bool SplitConfigs(Tool& tool, const std::vector<std::string>& configs,
                  std::vector<std::pair<std::string, std::string>>* out, int* exit_code) {
  for (const std::string& kv : configs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      *exit_code = tool.UsageError("--config '" + kv + "': expected KEY=VALUE");
      return false;
    }
    out->emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return true;
}

int TopicAlterConfigs(Tool& tool, const std::string& data_dir, const std::string& topic,
                      const std::vector<std::string>& configs,
                      const std::vector<std::string>& delete_configs) {
  Status st = ValidateTopicName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  std::vector<std::pair<std::string, std::string>> pairs;
  int code = kExitOk;
  if (!SplitConfigs(tool, configs, &pairs, &code)) return code;
  std::map<std::string, std::string> set(pairs.begin(), pairs.end());
  st = DataDir(data_dir).AlterTopicConfigs(topic, set, delete_configs);
  return st.ok() ? kExitOk : tool.Fail(st);
}

int TopicEnforceRetention(Tool& tool, const std::string& data_dir,
                          const std::vector<std::string>& topics) {
  DataDir dd(data_dir);
  std::vector<TopicInfo> infos;
  if (topics.empty()) {
    Result<std::vector<TopicInfo>> all = dd.ListTopics();
    if (!all.ok()) return tool.Fail(all.status());
    infos = std::move(*all);
  }
  for (const std::string& t : topics) {
    Result<TopicInfo> info = dd.DescribeTopic(t);
    if (!info.ok()) return tool.Fail(info.status());
    infos.push_back(std::move(*info));
  }
  for (const TopicInfo& info : infos) {
    int64_t ms = 0, bytes = 0;
    Status st = TopicRetention(info, &ms, &bytes);
    if (!st.ok()) return tool.Fail(st);
    for (int32_t p = 0; p < info.partitions; ++p) {
      auto w = LogWriter::Open(dd.PartitionPath(info.name, p), WriterOptions(tool, info));
      if (!w.ok()) return tool.Fail(w.status().WithContext(Where(info.name, p)));
      RetentionResult r;
      st = (*w)->EnforceRetention(ms, bytes, &r);
      if (st.ok()) st = (*w)->Close();
      if (!st.ok()) return tool.Fail(st.WithContext(Where(info.name, p)));
      Report(tool, info.name, p, r);
    }
  }
  return kExitOk;
}

int TopicTruncateBefore(Tool& tool, const std::string& data_dir, const std::string& topic,
                        int32_t partition, int64_t offset) {
  Status st = ValidateTopicName(topic);
  if (!st.ok()) return tool.UsageError(st.message());
  DataDir dd(data_dir);
  Result<TopicInfo> info = dd.DescribeTopic(topic);
  if (!info.ok()) return tool.Fail(info.status());
  if (partition < 0 || partition >= info->partitions) {
    return tool.Fail(
        Status::NotFound("topic '" + topic + "' has no partition " + std::to_string(partition)));
  }
  auto w = LogWriter::Open(dd.PartitionPath(topic, partition), WriterOptions(tool, *info));
  if (!w.ok()) return tool.Fail(w.status().WithContext(Where(topic, partition)));
  RetentionResult r;
  st = (*w)->TruncateBefore(offset, &r);
  if (st.ok()) st = (*w)->Close();
  if (!st.ok()) return tool.Fail(st.WithContext(Where(topic, partition)));
  Report(tool, topic, partition, r);
  return kExitOk;
}

}  // namespace klog::cli::local
