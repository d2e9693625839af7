// Kafka's sparse offset index (.index: int32 relative offset, int32 position)
// and time index (.timeindex: int64 timestamp, int32 relative offset), both
// big-endian. Layout and rules: man/klog-format.5.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "klog/status.h"

namespace klog {

struct IndexEntry {
  int32_t relative_offset;
  int32_t position;
};

struct TimeIndexEntry {
  int64_t timestamp;
  int32_t relative_offset;
};

constexpr int kIndexEntrySize = 8;
constexpr int kTimeIndexEntrySize = 12;

// Reads a whole index file. A missing file gives NotFound; a length that is
// not a whole number of entries, or entries out of order, gives Corruption
// naming the file and byte position. Trailing all-zero entries (Kafka's
// preallocation) past the first one are dropped.
Result<std::vector<IndexEntry>> ReadOffsetIndex(const std::string& path);
Result<std::vector<TimeIndexEntry>> ReadTimeIndex(const std::string& path);

// Index of the greatest entry with relative_offset <= target, or -1.
int64_t LookupOffset(const std::vector<IndexEntry>& index, int32_t target);
// Index of the greatest entry with timestamp <= target, or -1.
int64_t LookupTimestamp(const std::vector<TimeIndexEntry>& index, int64_t target);

// Encodes entries as they are stored on disk.
void EncodeIndexEntry(const IndexEntry& e, uint8_t out[kIndexEntrySize]);
void EncodeTimeIndexEntry(const TimeIndexEntry& e, uint8_t out[kTimeIndexEntrySize]);

}  // namespace klog
