// Partition's leader epochs (loop thread, except LoadEpochs on the pool
// when the reader is opened there): the copy of the epoch cache that Fetch
// and OffsetForLeaderEpoch read, and the epoch Metadata publishes (see
// partition.h, "Leader epochs").
#include <algorithm>

#include "partition/partition.h"
#include "storage/epoch_cache.h"
#include "storage/leader_epoch_checkpoint.h"

namespace klog::partition {

void Partition::LoadEpochs() {
  // The writer, once open, is the source; it also repairs a damaged file.
  if (writer_opened_) return;
  Result<std::vector<LeaderEpochEntry>> read = ReadLeaderEpochCheckpoint(dir_);
  if (!read.ok()) return;
  int32_t latest = read->empty() ? leader_epoch_ : read->back().epoch;
  NoteEpochs(std::move(*read), latest);
}

void Partition::NoteEpochs(std::vector<LeaderEpochEntry> entries, int32_t epoch) {
  epochs_ = std::move(entries);
  int32_t latest = epochs_.empty() ? epoch : std::max(epoch, epochs_.back().epoch);
  leader_epoch_ = std::max(leader_epoch_, latest);
}

EpochEndOffset Partition::EndOffsetForEpoch(int32_t epoch) const {
  return klog::EndOffsetForEpoch(epochs_, epoch, log_end_);
}

}  // namespace klog::partition
