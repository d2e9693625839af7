// The files Kafka keeps at the root of a log directory (klog-format(5),
// "Kafka's checkpoint files"), so that a data directory moves between
// klog and Kafka both ways:
//  - replication-offset-checkpoint (high watermarks),
//    recovery-point-offset-checkpoint and log-start-offset-checkpoint:
//    "0\n<N>\n" then N lines "<topic> <partition> <offset>\n";
//  - meta.properties: Java properties "key=value" lines.
// Every write is "<file>.tmp", fsync, rename over the file, fsync of the
// directory, so a reader sees the old or the new file whole.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "klog/status.h"

namespace klog {

constexpr std::string_view kReplicationOffsetCheckpointName = "replication-offset-checkpoint";
constexpr std::string_view kRecoveryPointCheckpointName = "recovery-point-offset-checkpoint";
constexpr std::string_view kLogStartOffsetCheckpointName = "log-start-offset-checkpoint";
constexpr std::string_view kMetaPropertiesName = "meta.properties";

struct PartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  bool operator==(const PartitionOffset&) const = default;
};

// Reads one of the offset checkpoints at `path`. NotFound when absent;
// Corruption "<path> line N: <what>" for a version other than 0, a count
// that does not match the lines, a line without exactly three fields, an
// invalid topic name or a partition or offset that is not a number >= 0.
Result<std::vector<PartitionOffset>> ReadOffsetCheckpoint(const std::string& path);
// Writes the entries in the order given. InvalidArgument for an invalid
// topic name or a negative partition.
Status WriteOffsetCheckpoint(const std::string& path, const std::vector<PartitionOffset>& entries);

// meta.properties as Kafka writes it (MetaProperties.java): version 1
// (KRaft) has cluster.id and node.id, optionally directory.id; version 0
// (ZooKeeper) has broker.id and optionally cluster.id. Other keys are kept.
struct MetaProperties {
  int32_t version = 1;
  std::string cluster_id;
  int32_t node_id = -1;  // node.id (version 1) or broker.id (version 0)
  std::string directory_id;
  std::vector<std::pair<std::string, std::string>> other;  // in file order
};

// NotFound when absent; Corruption "<path> line N: <what>" for a line that
// is not "key=value" (or "key: value"), a comment or blank, and
// "<path>: <what>" for a missing or bad version, node.id or broker.id.
Result<MetaProperties> ReadMetaProperties(const std::string& path);
// Writes a "#" comment line, then version, cluster.id, node.id (broker.id
// for version 0), directory.id when set and the other keys.
Status WriteMetaProperties(const std::string& path, const MetaProperties& meta);

}  // namespace klog
