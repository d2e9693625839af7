// Kafka's sparse offset index (.index: int32 relative offset, int32 position)
// and time index (.timeindex: int64 timestamp, int32 relative offset), both
// big-endian. Layout and rules: man/klog-format.5.
#pragma once

#include <cstdint>
#include <optional>
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

// The same lookups done in place on an index file, with O(log n) reads of
// one entry each instead of reading the file whole, so a lookup costs the
// same in a segment of ten entries or of a quarter million. Kafka's
// zero-filled preallocated tail is skipped. nullopt: no entry qualifies (or
// the file is empty); NotFound if the file is missing. The file is trusted to
// be in order (writers rebuild damaged indexes on open), but an entry found
// with a negative offset or position is Corruption naming the file and
// position, never an answer: callers scan the .log instead, and check that a
// position they are given lies inside it and starts a batch.
Result<std::optional<IndexEntry>> SearchOffsetIndex(const std::string& path, int32_t target);
Result<std::optional<TimeIndexEntry>> SearchTimeIndex(const std::string& path, int64_t target);
// The last entry of a time index: a sealed segment's largest timestamp.
Result<std::optional<TimeIndexEntry>> LastTimeIndexEntry(const std::string& path);

// Encodes entries as they are stored on disk.
void EncodeIndexEntry(const IndexEntry& e, uint8_t out[kIndexEntrySize]);
void EncodeTimeIndexEntry(const TimeIndexEntry& e, uint8_t out[kTimeIndexEntrySize]);

}  // namespace klog
