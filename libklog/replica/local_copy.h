// A local replica of one partition log: klog-replicate -s SRC -d DEST.
// Copies the source's batches verbatim (same offsets, same bytes) into the
// copy and rolls the copy where the source rolled, so each sealed segment of
// the copy is the same file under the same name as the source's, with the
// same digest. Incremental: a run continues from the copy's log end; a run
// over an unchanged source copies nothing. A copy that no longer agrees with
// its source (the source was cut back and rewritten, as after a leader
// change) is truncated to where they first differ, with a warning, or left
// alone with an error. The source is only read and may be written while it
// is copied (by klog-serve or a local writer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "klog/status.h"

namespace klog::replica {

struct CopyOptions {
  // A diverged copy is truncated to the first difference (with a warning);
  // false: it is refused with an error that names the offset.
  bool truncate = true;
  // About how many bytes of batches are read from the source at a time.
  size_t read_bytes = size_t(1) << 20;
  std::string owner = "klog-replicate";  // the copy's writer lock owner
  // Warnings (a copy truncated, writer recovery). May be empty.
  std::function<void(const std::string&)> warn;
  // News that is not a problem (a follow run found a new partition, reached
  // its source again). May be empty.
  std::function<void(const std::string&)> info;
};

struct CopyStats {
  int64_t batches = 0;        // copied in this run
  int64_t bytes = 0;          // copied in this run
  int64_t truncated_to = -1;  // where a diverged copy was cut back; -1 if not
  int64_t start_offset = 0;   // the copy's log start afterwards
  int64_t end_offset = 0;     // the copy's log end afterwards
  int64_t lag = 0;            // records the source's end was past the copy's at the last look
};

// Copies the partition log in directory `src` into directory `dst`
// (created when missing) and syncs what it wrote before returning: on Ok,
// the copy holds every batch the source held when the call began, on disk.
Status CopyPartitionLog(const std::string& src, const std::string& dst, const CopyOptions& opts,
                        CopyStats* stats);

}  // namespace klog::replica
