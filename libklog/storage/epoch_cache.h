// The leader epoch cache of a partition (Kafka's LeaderEpochFileCache): the
// start offset of each leader epoch, oldest first, with both epochs and
// start offsets strictly increasing. In memory only; leader_epoch_checkpoint.h
// keeps it on disk. Not thread-safe (owned by the LogWriter).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "klog/log.h"

namespace klog {

// Where leader epoch `epoch` ended in a log whose epoch cache is `entries`
// (oldest first) and whose end offset is `log_end` (Kafka's
// LeaderEpochFileCache.endOffsetFor, KIP-101/279):
//   - the latest epoch: (epoch, log_end);
//   - an older epoch: (the largest cached epoch <= it, the start offset of
//     the first cached epoch above it);
//   - an epoch older than every entry: (epoch, the first entry's start);
//   - -1, an epoch above the latest, or no entries: (-1, -1).
// The one place this is computed: LogWriter::EndOffsetForEpoch, and the
// broker's Fetch (DivergingEpoch) and OffsetForLeaderEpoch through
// Partition::EndOffsetForEpoch. Pure; any thread.
EpochEndOffset EndOffsetForEpoch(std::span<const LeaderEpochEntry> entries, int32_t epoch,
                                 int64_t log_end);

class LeaderEpochCache {
 public:
  LeaderEpochCache() = default;
  // Takes entries as read from leader-epoch-checkpoint; false (and the
  // cache unchanged) unless both columns strictly increase and are >= 0.
  bool Reset(std::vector<LeaderEpochEntry> entries);

  // Kafka's assign(): records that `epoch` began at `start`. Nothing happens
  // (false) when the last entry has this epoch and starts at or before
  // `start`, or when either is negative. Otherwise entries that would break
  // the order (epoch >= `epoch` or start >= `start`) are removed first.
  bool Assign(int32_t epoch, int64_t start);
  // Kafka's truncateFromEnd(): removes the entries starting at or after `end`.
  bool TruncateFromEnd(int64_t end);
  // Removes the entries starting after `end` (keeps one starting at `end`:
  // an epoch begun at the log end with nothing appended yet).
  bool TruncateAfter(int64_t end);
  // Kafka's truncateFromStart(): the entries starting at or before `start`
  // are replaced by the latest of them, moved to `start`.
  bool TruncateFromStart(int64_t start);

  // EndOffsetForEpoch(entries(), epoch, log_end).
  EpochEndOffset EndOffsetFor(int32_t epoch, int64_t log_end) const;

  std::optional<int32_t> latest_epoch() const;
  const std::vector<LeaderEpochEntry>& entries() const { return entries_; }

 private:
  std::vector<LeaderEpochEntry> entries_;
};

}  // namespace klog
