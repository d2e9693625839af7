// leader-epoch-checkpoint, Kafka's per-partition record of where each
// leader epoch began (LeaderEpochCheckpointFile; klog-format(5)):
//   "0\n<N>\n" then N lines "<epoch> <start offset>\n", oldest first.
#pragma once

#include <string>
#include <vector>

#include "klog/log.h"
#include "klog/status.h"

namespace klog {

// NotFound when absent; Corruption "<file> line N: ..." when malformed or
// when the epochs or start offsets do not strictly increase.
Result<std::vector<LeaderEpochEntry>> ReadLeaderEpochCheckpoint(const std::string& dir);
// tmp + fsync + rename + fsync of the directory.
Status WriteLeaderEpochCheckpoint(const std::string& dir,
                                  const std::vector<LeaderEpochEntry>& entries);

}  // namespace klog
