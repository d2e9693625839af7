// klog-topic's subcommands after flag parsing: create, list, describe,
// delete, alter (klog-topic(1)). Each returns the exit code with diagnostics
// already printed; data goes to tool.out().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/tool.h"
#include "klog/topic.h"

namespace klog::cli::local {

// The start of every local command that changes the data directory: refuses
// klog-serve's internal topic `topic` (CheckNotInternal with `action`, as
// klog-serve refuses it to clients) unless `action` is empty, then takes the
// directory's lock into *lock (LockForLocalWrite), to be held while the
// command runs. Returns -1 to go on, else the exit code with the diagnostic
// printed.
int BeginLocalChange(Tool& tool, const std::string& data_dir, std::string_view topic,
                     std::string_view action, DataDirLock* lock);

struct TopicCreateOptions {
  std::string topic;
  int32_t partitions = 1;
  std::vector<std::string> configs;  // "KEY=VALUE"
  bool if_not_exists = false;
};

int TopicCreate(Tool& tool, const std::string& data_dir, const TopicCreateOptions& o);
int TopicList(Tool& tool, const std::string& data_dir, bool json);
int TopicDescribe(Tool& tool, const std::string& data_dir, const std::string& topic, bool json);
int TopicDelete(Tool& tool, const std::string& data_dir, const std::string& topic, bool if_exists);
// Raises the topic's partition count to `partitions` (it never shrinks).
int TopicAlter(Tool& tool, const std::string& data_dir, const std::string& topic,
               int32_t partitions);

// klog-topic alter --config/--delete-config: sets ("KEY=VALUE") and removes configs.
int TopicAlterConfigs(Tool& tool, const std::string& data_dir, const std::string& topic,
                      const std::vector<std::string>& configs,
                      const std::vector<std::string>& delete_configs);
// Splits "KEY=VALUE" arguments; prints a usage error and returns false on a bad one.
bool SplitConfigs(Tool& tool, const std::vector<std::string>& configs,
                  std::vector<std::pair<std::string, std::string>>* out, int* exit_code);
// klog-topic enforce-retention [TOPIC...]: applies each topic's retention.ms
// and retention.bytes now (every topic when none is named).
int TopicEnforceRetention(Tool& tool, const std::string& data_dir,
                          const std::vector<std::string>& topics);
// klog-topic truncate-before TOPIC -p N --offset O: advances the log start offset.
int TopicTruncateBefore(Tool& tool, const std::string& data_dir, const std::string& topic,
                        int32_t partition, int64_t offset);

struct TopicCompactOptions {
  std::string topic;
  std::optional<int32_t> partition;            // -p; every partition when unset
  int64_t key_map_bytes = int64_t(128) << 20;  // --key-map-bytes
  bool force = false;                          // compact even without cleanup.policy=compact
};
// klog-topic compact TOPIC: runs the log cleaner over each partition (one
// line per partition on stdout). Refuses a topic whose cleanup.policy does
// not include compact unless o.force. $KLOG_TEST_CLEANER_CRASH=STEP kills the
// process by SIGKILL just before that step of the swap (crash tests).
int TopicCompact(Tool& tool, const std::string& data_dir, const TopicCompactOptions& o);

}  // namespace klog::cli::local
