// Topics of a data directory. A topic is the set of its partition directories
// <dir>/<topic>-<N>/ plus klog's metadata file <dir>/<topic>.topic.json
// (partition count and configs, with an XXH3 checksum so a torn file is
// detected). A directory written by Kafka (no metadata file) still works: the
// partition count is inferred from the directories.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"

namespace klog {

// The topic where klog-serve keeps the offsets consumer groups commit
// (klog-format(5)).
inline constexpr char kConsumerOffsetsTopic[] = "__consumer_offsets";

// True for the topics that belong to the broker, Kafka's internal topics
// (its Topic.isInternal): __consumer_offsets, __transaction_state and
// __share_group_state. Clients and local tools may read them; only the
// broker writes, creates, grows, reconfigures, truncates or deletes them.
// The one place this rule is written: the broker's handlers and the tools'
// local modes all ask here.
bool IsInternalTopic(std::string_view topic);

// Ok for an ordinary topic. For an internal one, InvalidArgument
// "'<topic>' is an internal topic (klog-serve keeps it): <action> is refused",
// e.g. with action "deleting it". For the tools' local modes.
Status CheckNotInternal(std::string_view topic, std::string_view action);

struct CleanerOptions;
struct LogOptions;

struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  std::map<std::string, std::string> configs;  // Kafka config names (segment.bytes, ...)
};

class DataDir {
 public:
  explicit DataDir(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // Creates the topic and its partition directories. Exists if it is there
  // already; InvalidArgument for a bad name, partition count or config.
  // Safe against a concurrent creator: exactly one of them succeeds.
  Status CreateTopic(const std::string& topic, int32_t partitions,
                     const std::map<std::string, std::string>& configs = {});
  Result<TopicInfo> DescribeTopic(const std::string& topic) const;
  // Sorted by name.
  Result<std::vector<TopicInfo>> ListTopics() const;
  // Removes the partition directories and metadata. Busy if a writer holds a
  // partition's lock.
  Status DeleteTopic(const std::string& topic);
  // Raises the topic's partition count to `new_count`: creates the new
  // partition directories, then replaces the metadata file atomically (the
  // configs are kept). InvalidArgument unless `new_count` is above the
  // current count (and at most the partition limit); NotFound for an unknown
  // topic. A crash leaves either the old or the new count, never a torn file;
  // leftover empty directories of a lost alter are reused by the next one.
  // Two concurrent alters of one topic are not serialized: the last to
  // finish sets the count.
  Status AddPartitions(const std::string& topic, int32_t new_count);
  // Sets the configs in `set` and removes those in `remove` (back to their
  // defaults), replacing the metadata file atomically like AddPartitions.
  // InvalidArgument naming the key for an unknown key, a bad value or a key
  // in both; nothing changes then. NotFound for an unknown topic. A topic
  // without a metadata file (written by Kafka) gets one. Writers that are
  // open keep their options until they reopen (klog-serve refreshes its own).
  Status AlterTopicConfigs(const std::string& topic, const std::map<std::string, std::string>& set,
                           const std::vector<std::string>& remove);

  std::string PartitionPath(const std::string& topic, int32_t partition) const;

 private:
  std::string path_;
};

// The configs klog understands at creation, with Kafka's names. Unknown keys
// and invalid values are InvalidArgument naming the key.
Status ValidateTopicConfig(const std::string& key, const std::string& value);

// Every config ValidateTopicConfig accepts, with the value that applies when a
// topic does not set it (Kafka's default), in a fixed order.
struct TopicConfigDefault {
  const char* key;
  const char* value;
};
const std::vector<TopicConfigDefault>& TopicConfigDefaults();

// Sets the LogOptions a writer of this topic must use from its configs:
// segment.bytes, segment.ms, max.message.bytes (the batch limit),
// index.interval.bytes, message.timestamp.type and cleanup.policy (compacted).
// Other keys are left to their users.
// InvalidArgument if a value is invalid.
Status ApplyTopicConfigs(const TopicInfo& info, LogOptions* opts);

// The topic's retention.ms and retention.bytes (Kafka's defaults 604800000
// and -1 when unset; -1 = no limit), as LogWriter::EnforceRetention takes them.
// Both are -1 when cleanup.policy does not include "delete" (a compact-only
// topic keeps its segments; only the cleaner shrinks it).
Status TopicRetention(const TopicInfo& info, int64_t* retention_ms, int64_t* retention_bytes);

// True if the topic's cleanup.policy includes "compact" (compact or
// compact,delete): the log cleaner runs on it and keyless records are refused.
bool TopicIsCompacted(const TopicInfo& info);

// Sets the cleaner options that come from the topic (delete.retention.ms,
// min.compaction.lag.ms, segment.bytes, index.interval.bytes; Kafka's
// defaults when unset) and *min_dirty_ratio (min.cleanable.dirty.ratio,
// 0.5). Other fields of *opts are left alone. InvalidArgument if a value is
// invalid.
Status TopicCleanerOptions(const TopicInfo& info, CleanerOptions* opts, double* min_dirty_ratio);

}  // namespace klog
