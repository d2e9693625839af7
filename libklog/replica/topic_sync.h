// The copy's side of a topic: its partition count and configs made to match
// the source's, whichever source that is (a data directory, data_dir_copy.h;
// a broker, remote_copy.h).
#pragma once

#include "klog/status.h"
#include "klog/topic.h"

namespace klog::replica {

// Gives topic `src.name` of `dst` the partition count `src.partitions` (when
// it has fewer; partitions are never removed) and exactly the configs
// `src.configs` (keys `dst` has and `src` lacks are removed), creating the
// topic when missing (a topic created meanwhile by another writer is then
// synced as one that was there).
Status SyncTopic(DataDir& dst, const TopicInfo& src);

}  // namespace klog::replica
