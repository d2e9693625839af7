// klog-topic's subcommands (klog-topic(1)), each run through a broker or on
// a data directory as its CommandTarget says: the choice between
// topic_broker.cpp and cli/local/topic_*_cmd.cpp, and what local mode does
// first (internal topics refused, the directory's lock taken). Each function
// returns the exit code with diagnostics already printed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/kafka/commands.h"
#include "cli/local/topic_cmd.h"
#include "cli/tool.h"

namespace klog::cli::kafka {

int RunTopicCreate(Tool& tool, const CommandTarget& t, const local::TopicCreateOptions& o);
int RunTopicList(Tool& tool, const CommandTarget& t, bool json);
int RunTopicDescribe(Tool& tool, const CommandTarget& t, const std::string& topic, bool json);
int RunTopicDelete(Tool& tool, const CommandTarget& t, const std::string& topic, bool if_exists);

struct TopicAlterOptions {
  std::string topic;
  std::optional<int32_t> partitions;        // --partitions
  std::vector<std::string> configs;         // --config KEY=VALUE
  std::vector<std::string> delete_configs;  // --delete-config KEY
  bool change_configs = false;              // --config or --delete-config was given
};
// Exactly one of a new partition count and a config change is a usage error otherwise.
int RunTopicAlter(Tool& tool, const CommandTarget& t, const TopicAlterOptions& o);

// Local mode only (a broker applies retention itself).
int RunTopicEnforceRetention(Tool& tool, const CommandTarget& t,
                             const std::vector<std::string>& topics);

struct TopicTruncateOptions {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;  // the new log start offset
};
// Local mode only.
int RunTopicTruncateBefore(Tool& tool, const CommandTarget& t, const TopicTruncateOptions& o);

// Local mode only (a broker compacts by itself). `key_map_bytes` is the
// --key-map-bytes SIZE, parsed into o.key_map_bytes once the lock is held.
int RunTopicCompact(Tool& tool, const CommandTarget& t, local::TopicCompactOptions o,
                    const std::string& key_map_bytes);

}  // namespace klog::cli::kafka
