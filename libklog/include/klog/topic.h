// Topics of a data directory. A topic is the set of its partition directories
// <dir>/<topic>-<N>/ plus klog's metadata file <dir>/<topic>.topic.json
// (partition count and configs, with an XXH3 checksum so a torn file is
// detected). A directory written by Kafka (no metadata file) still works: the
// partition count is inferred from the directories.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
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

// The lock of a data directory: flock(2) on <dir>/klog.lock (klog-format(5)).
// klog-serve holds it exclusively while it runs; a local writer holds it
// shared while it writes partitions or topic files. So a served directory
// has no local writer and no second server, while local writers run side by
// side (each partition still has its own writer lock). LogWriter::Open and
// DataDir's changes take it shared themselves, unless the caller says it
// holds it exclusively (LogOptions::data_dir_locked, DataDir::OpenExclusive):
// flock locks belong to the open file description, so the server itself
// would be refused a shared lock like anyone. A tool may take the shared
// lock first, to be refused before it reads any input. The kernel drops a
// lock when its holder dies, however it dies. Move-only; not thread-safe.
class DataDirLock {
 public:
  DataDirLock() = default;
  ~DataDirLock() { Release(); }
  DataDirLock(DataDirLock&& o) noexcept;
  DataDirLock& operator=(DataDirLock&& o) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  // Both take the lock without waiting, creating `data_dir` and the file if
  // needed. Shared: Busy "data directory <dir> is served by pid N
  // (klog-serve)" while a server holds it. Exclusive: writes "pid <N>
  // <owner>\n" into the file once held; Busy "data directory <dir> is served
  // by pid N (klog-serve)" while another server holds it, or "data directory
  // <dir> is being written by pid N (klog-append)" while local writers do.
  static Status AcquireShared(const std::string& data_dir, DataDirLock* out);
  static Status AcquireExclusive(const std::string& data_dir, const std::string& owner,
                                 DataDirLock* out);
  // Releases the lock; an exclusive holder empties the file first.
  void Release();
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  bool exclusive_ = false;
};

class DataDir {
 public:
  // A DataDir whose changes (CreateTopic, DeleteTopic, AddPartitions,
  // AlterTopicConfigs) each take the directory's lock shared while they run:
  // they are Busy "data directory <dir> is served by pid N (klog-serve)"
  // while a server holds it.
  explicit DataDir(std::string path) : path_(std::move(path)) {}
  // The DataDir of the directory's server: takes its lock exclusively for as
  // long as the returned DataDir or a copy of it lives (copies share the
  // lock). Its changes take no shared lock; LogWriters of its partitions are
  // opened with LogOptions::data_dir_locked. Busy as AcquireExclusive says.
  static Result<DataDir> OpenExclusive(std::string path, const std::string& owner);
  const std::string& path() const { return path_; }
  // True for a DataDir from OpenExclusive (and its copies).
  bool exclusive() const { return lock_ != nullptr; }

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
  // Takes the shared lock into *lock, unless this DataDir holds it exclusively.
  Status LockForChange(DataDirLock* lock) const;

  std::string path_;
  std::shared_ptr<const DataDirLock> lock_;  // set by OpenExclusive
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
