// One segment: <base>.log with its .index, .timeindex and (once sealed) .xxh3
// digest. Scanning, recovery and index rebuilding live here; the partition
// log (log.h) strings segments together.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "klog/index.h"
#include "klog/record.h"
#include "klog/status.h"

namespace klog {

// What a scan found at one batch.
struct BatchInfo {
  int64_t position;  // byte position of the batch in the .log
  BatchHeader header;
  bool crc_ok;
};

// The segments of a partition directory, sorted by base offset.
Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir);

// Reads the .log at `path` from byte `from` and calls `fn` for every whole
// batch (header, CRC result) in order. Stops at the first batch that is
// malformed, whose offsets do not increase (base offset not after the
// previous batch's last offset, or below the base offset in the file name), or
// whose length runs past the end of the file, and reports where:
//   *valid_end = byte position just past the last good batch.
// The returned Status is Corruption ("<file> pos N: ...") if something is
// malformed or the CRC fails, Ok if the file ends cleanly or with a partial
// tail (then *valid_end < file size). `fn` returning false stops the scan.
Status ScanSegment(const std::string& path, int64_t from,
                   const std::function<bool(const BatchInfo&, std::span<const uint8_t>)>& fn,
                   int64_t* valid_end);

// Builds the index entries a writer would have made for the .log at `path`
// (one per >= interval_bytes appended, the final time-index entry forced) and
// writes them to its .index and .timeindex, replacing what was there.
Status RebuildIndexes(const std::string& log_path, int64_t base_offset, int32_t interval_bytes);

// Sealed-segment digest: XXH3-64 of the whole .log, written beside it as
// <base>.xxh3 (a text line with the digest and byte count, plus a checksum of
// that line; replaced atomically). ReadDigest returns NotFound when absent
// and Corruption when the file is torn.
struct SegmentDigest {
  uint64_t xxh3 = 0;
  int64_t bytes = 0;
};
Result<SegmentDigest> ComputeDigest(const std::string& log_path);
Status WriteDigest(const std::string& log_path, const SegmentDigest& d);
Result<SegmentDigest> ReadDigest(const std::string& log_path);

}  // namespace klog
