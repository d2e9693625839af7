// The replica divergence check: where two copies of one partition log stop
// being the same log (klog-replicate --compare). Sealed segments are compared
// by their digests first (klog-format(5): <base>.xxh3), so identical history
// costs two small file reads per segment; from the first segment that is not
// known to be equal, batches are compared by their headers: base offset,
// last offset, length, leader epoch and CRC-32C (which covers everything
// after the CRC field). Both logs are only read.
#pragma once

#include <cstdint>
#include <string>

#include "klog/status.h"

namespace klog::replica {

struct CompareResult {
  bool equal = true;
  // The first offset at which the logs differ: a batch that differs, the
  // end of the shorter log, or the lower log start. -1 when equal.
  int64_t first_difference = -1;
  // What differs there, for a person ("batch at offset 12: CRC 0x... vs
  // 0x..."); empty when equal.
  std::string reason;
  int64_t segments_by_digest = 0;  // sealed segments found equal by digest
  int64_t batches_compared = 0;    // batches compared one by one
};

// Compares the partition logs in directories `a` and `b`. An error (a
// directory that is not a log, a batch that fails its CRC) names the
// directory and offset.
Result<CompareResult> ComparePartitionLogs(const std::string& a, const std::string& b);

// The same from offset `from` on, whatever the two log starts are: where a
// copy that may hold less history than its source first disagrees with it.
Result<CompareResult> ComparePartitionLogsFrom(const std::string& a, const std::string& b,
                                               int64_t from);

}  // namespace klog::replica
