#include "cli/kafka/topic_subcommands.h"

#include "cli/cli.h"
#include "cli/size.h"

namespace klog::cli {

int RunTopicCreate(const CommandTarget& t, const TopicCreateOptions& o) {
  if (t.broker) return TopicCreateBroker(*t.broker, o);
  DataDirLock lock;
  int rc = BeginLocalChange(t.data_dir, o.topic, "creating it", &lock);
  return rc >= 0 ? rc : TopicCreate(t.data_dir, o);
}

int RunTopicList(const CommandTarget& t, bool json) {
  return t.broker ? TopicListBroker(*t.broker, json) : TopicList(t.data_dir, json);
}

int RunTopicDescribe(const CommandTarget& t, const std::string& topic, bool json) {
  if (t.broker) return TopicDescribeBroker(*t.broker, topic, json);
  return TopicDescribe(t.data_dir, topic, json);
}

int RunTopicDelete(const CommandTarget& t, const std::string& topic, bool if_exists) {
  if (t.broker) return TopicDeleteBroker(*t.broker, topic, if_exists);
  DataDirLock lock;
  int rc = BeginLocalChange(t.data_dir, topic, "deleting it", &lock);
  return rc >= 0 ? rc : TopicDelete(t.data_dir, topic, if_exists);
}

int RunTopicAlter(const CommandTarget& t, const TopicAlterOptions& o) {
  if (o.partitions.has_value() == o.change_configs) {
    return UsageError("alter: give either --partitions or --config/--delete-config");
  }
  if (t.broker && o.change_configs) {
    return TopicAlterConfigsBroker(*t.broker, o.topic, o.configs, o.delete_configs);
  }
  if (t.broker) return TopicAlterBroker(*t.broker, o.topic, *o.partitions);
  DataDirLock lock;
  int rc = BeginLocalChange(t.data_dir, o.topic, "altering it", &lock);
  if (rc >= 0) return rc;
  if (o.change_configs) return TopicAlterConfigs(t.data_dir, o.topic, o.configs, o.delete_configs);
  return TopicAlter(t.data_dir, o.topic, *o.partitions);
}

namespace {

constexpr const char* kLocalOnly =
    "enforce-retention and truncate-before work on a data directory (-d)";

}  // namespace

int RunTopicEnforceRetention(const CommandTarget& t, const std::vector<std::string>& topics) {
  if (t.broker) return UsageError(kLocalOnly);
  DataDirLock lock;
  int rc = BeginLocalChange(t.data_dir, "", "", &lock);
  return rc >= 0 ? rc : TopicEnforceRetention(t.data_dir, topics);
}

int RunTopicTruncateBefore(const CommandTarget& t, const TopicTruncateOptions& o) {
  if (t.broker) return UsageError(kLocalOnly);
  DataDirLock lock;
  int rc = BeginLocalChange(t.data_dir, o.topic, "truncating it", &lock);
  return rc >= 0 ? rc : TopicTruncateBefore(t.data_dir, o.topic, o.partition, o.offset);
}

int RunTopicCompact(const CommandTarget& t, TopicCompactOptions o,
                    const std::string& key_map_bytes) {
  if (t.broker) {
    return UsageError(
        "compact works on a data directory (-d); a broker compacts a topic itself when its "
        "dirty ratio reaches min.cleanable.dirty.ratio");
  }
  DataDirLock lock;
  int rc = BeginLocalChange(t.data_dir, "", "", &lock);
  if (rc >= 0) return rc;
  auto kmb = ParseSize(key_map_bytes);
  if (!kmb.ok()) return UsageError("--key-map-bytes: " + kmb.status().message());
  if (*kmb < 1024) return UsageError("--key-map-bytes: must be at least 1k");
  o.key_map_bytes = *kmb;
  return TopicCompact(t.data_dir, o);
}

}  // namespace klog::cli
