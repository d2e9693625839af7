#include "cli/kafka/topic_subcommands.h"

#include "cli/cli.h"
#include "cli/size.h"

namespace klog::cli::kafka {

int RunTopicCreate(Tool& tool, const CommandTarget& t, const local::TopicCreateOptions& o) {
  if (t.broker) return TopicCreateBroker(tool, *t.broker, o);
  DataDirLock lock;
  int rc = local::BeginLocalChange(tool, t.data_dir, o.topic, "creating it", &lock);
  return rc >= 0 ? rc : local::TopicCreate(tool, t.data_dir, o);
}

int RunTopicList(Tool& tool, const CommandTarget& t, bool json) {
  return t.broker ? TopicListBroker(tool, *t.broker, json)
                  : local::TopicList(tool, t.data_dir, json);
}

int RunTopicDescribe(Tool& tool, const CommandTarget& t, const std::string& topic, bool json) {
  if (t.broker) return TopicDescribeBroker(tool, *t.broker, topic, json);
  return local::TopicDescribe(tool, t.data_dir, topic, json);
}

int RunTopicDelete(Tool& tool, const CommandTarget& t, const std::string& topic, bool if_exists) {
  if (t.broker) return TopicDeleteBroker(tool, *t.broker, topic, if_exists);
  DataDirLock lock;
  int rc = local::BeginLocalChange(tool, t.data_dir, topic, "deleting it", &lock);
  return rc >= 0 ? rc : local::TopicDelete(tool, t.data_dir, topic, if_exists);
}

int RunTopicAlter(Tool& tool, const CommandTarget& t, const TopicAlterOptions& o) {
  if (o.partitions.has_value() == o.change_configs) {
    return tool.UsageError("alter: give either --partitions or --config/--delete-config");
  }
  if (t.broker && o.change_configs) {
    return TopicAlterConfigsBroker(tool, *t.broker, o.topic, o.configs, o.delete_configs);
  }
  if (t.broker) return TopicAlterBroker(tool, *t.broker, o.topic, *o.partitions);
  DataDirLock lock;
  int rc = local::BeginLocalChange(tool, t.data_dir, o.topic, "altering it", &lock);
  if (rc >= 0) return rc;
  if (o.change_configs)
    return local::TopicAlterConfigs(tool, t.data_dir, o.topic, o.configs, o.delete_configs);
  return local::TopicAlter(tool, t.data_dir, o.topic, *o.partitions);
}

namespace {

constexpr const char* kLocalOnly =
    "enforce-retention and truncate-before work on a data directory (-d)";

}  // namespace

int RunTopicEnforceRetention(Tool& tool, const CommandTarget& t,
                             const std::vector<std::string>& topics) {
  if (t.broker) return tool.UsageError(kLocalOnly);
  DataDirLock lock;
  int rc = local::BeginLocalChange(tool, t.data_dir, "", "", &lock);
  return rc >= 0 ? rc : local::TopicEnforceRetention(tool, t.data_dir, topics);
}

int RunTopicTruncateBefore(Tool& tool, const CommandTarget& t, const TopicTruncateOptions& o) {
  if (t.broker) return tool.UsageError(kLocalOnly);
  DataDirLock lock;
  int rc = local::BeginLocalChange(tool, t.data_dir, o.topic, "truncating it", &lock);
  return rc >= 0 ? rc
                 : local::TopicTruncateBefore(tool, t.data_dir, o.topic, o.partition, o.offset);
}

int RunTopicCompact(Tool& tool, const CommandTarget& t, local::TopicCompactOptions o,
                    const std::string& key_map_bytes) {
  if (t.broker) {
    return tool.UsageError(
        "compact works on a data directory (-d); a broker compacts a topic itself when its "
        "dirty ratio reaches min.cleanable.dirty.ratio");
  }
  DataDirLock lock;
  int rc = local::BeginLocalChange(tool, t.data_dir, "", "", &lock);
  if (rc >= 0) return rc;
  auto kmb = ParseSize(key_map_bytes);
  if (!kmb.ok()) return tool.UsageError("--key-map-bytes: " + kmb.status().message());
  if (*kmb < 1024) return tool.UsageError("--key-map-bytes: must be at least 1k");
  o.key_map_bytes = *kmb;
  return local::TopicCompact(tool, t.data_dir, o);
}

}  // namespace klog::cli::kafka
