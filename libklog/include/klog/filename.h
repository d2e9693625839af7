// Names of everything klog keeps in a data directory (Kafka's layout):
//   <dir>/<topic>-<partition>/<base offset, 20 digits>.{log,index,timeindex}
// plus klog's own files. man/klog-format.5 lists them all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "klog/status.h"

namespace klog {

constexpr std::string_view kLogSuffix = ".log";
constexpr std::string_view kIndexSuffix = ".index";
constexpr std::string_view kTimeIndexSuffix = ".timeindex";
constexpr std::string_view kDigestSuffix = ".xxh3";              // klog: sealed-segment digest
constexpr std::string_view kTopicMetaSuffix = ".topic.json";     // klog: <dir>/<topic>.topic.json
constexpr std::string_view kWriterLockName = "klog.lock";        // klog: in the partition dir
constexpr std::string_view kDataDirLockName = "klog.lock";       // klog: in the data dir
constexpr std::string_view kCheckpointName = "klog.checkpoint";  // klog: clean-shutdown point
constexpr std::string_view kLogStartName = "klog.log-start";     // klog: persisted log start offset
constexpr std::string_view kSegmentListName = "klog.segments";   // klog: the sealed segments
constexpr std::string_view kTruncateMarkerName = "klog.truncate";  // klog: TruncateTo under way
constexpr std::string_view kLeaderEpochCheckpointName = "leader-epoch-checkpoint";  // Kafka

// Kafka's topic name rules: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
// The error names the topic and the rule it breaks.
Status ValidateTopicName(std::string_view topic);

// "00000000000000001000" for 1000.
std::string OffsetFileStem(int64_t base_offset);
// "<dir>/00000000000000001000.log" etc.
std::string SegmentPath(const std::string& partition_dir, int64_t base_offset,
                        std::string_view suffix);
// Parses "00000000000000001000.log" → 1000 if the name has the suffix.
std::optional<int64_t> ParseSegmentName(std::string_view file_name, std::string_view suffix);

// "<dir>/<topic>-<partition>".
std::string PartitionDir(const std::string& data_dir, std::string_view topic, int32_t partition);
// The data directory of a partition directory: "a/b" for "a/b/orders-3" or
// "a/b/orders-3/", "." for "orders-3".
std::string DataDirOf(std::string_view partition_dir);
// Splits "orders-3" into topic "orders" and partition 3 (last '-').
bool ParsePartitionDirName(std::string_view name, std::string* topic, int32_t* partition);

}  // namespace klog
