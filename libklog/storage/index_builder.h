// Kafka's sparse-index rule, shared by the log writer and RebuildIndexes so
// that an index rebuilt from a segment is identical to the one the writer made.
//
// Rule (LogSegment.append/recover): before an append at byte `position`, if
// more than `interval_bytes` were written since the last offset-index entry
// (counting from 0 when there is none), add (last offset of the append,
// position) to the .index, and to the .timeindex (max timestamp so far, its
// offset) if that timestamp is greater than the last time-index entry's.
// Sealing or closing a segment forces that time-index entry.
#pragma once

#include <cstdint>
#include <optional>

#include "klog/index.h"

namespace klog {

class IndexBuilder {
 public:
  IndexBuilder(int64_t base_offset, int32_t interval_bytes)
      : base_(base_offset), interval_(interval_bytes) {}

  // Continues a segment whose last index entries are these (position 0 and
  // timestamp -1 when an index is empty) and whose batches so far reached
  // `max_timestamp` first at `max_timestamp_offset`.
  void Restore(int64_t last_index_position, int64_t last_time_index_timestamp,
               int64_t max_timestamp, int64_t max_timestamp_offset) {
    last_index_pos_ = last_index_position;
    last_time_ts_ = last_time_index_timestamp;
    max_ts_ = max_timestamp;
    max_ts_offset_ = max_timestamp_offset;
  }

  struct Entries {
    std::optional<IndexEntry> index;
    std::optional<TimeIndexEntry> time;
  };

  // Called once per append (one batch) at `position` of the .log.
  Entries OnAppend(int64_t position, int64_t last_offset, int64_t max_timestamp) {
    if (max_timestamp > max_ts_) {
      max_ts_ = max_timestamp;
      max_ts_offset_ = last_offset;
    }
    Entries out;
    if (position - last_index_pos_ > interval_) {
      out.index = IndexEntry{Relative(last_offset), int32_t(position)};
      last_index_pos_ = position;
      out.time = MaybeTimeEntry();
    }
    return out;
  }

  // The final time-index entry forced when a segment is sealed or closed.
  std::optional<TimeIndexEntry> ForceFinal() { return MaybeTimeEntry(); }

  int64_t last_index_position() const { return last_index_pos_; }
  int64_t last_time_index_timestamp() const { return last_time_ts_; }
  int64_t max_timestamp() const { return max_ts_; }
  int64_t max_timestamp_offset() const { return max_ts_offset_; }

 private:
  int32_t Relative(int64_t offset) const { return int32_t(offset - base_); }
  std::optional<TimeIndexEntry> MaybeTimeEntry() {
    if (max_ts_ <= last_time_ts_) return std::nullopt;
    last_time_ts_ = max_ts_;
    return TimeIndexEntry{max_ts_, Relative(max_ts_offset_)};
  }

  int64_t base_;
  int32_t interval_;
  int64_t last_index_pos_ = 0;
  int64_t last_time_ts_ = -1;
  int64_t max_ts_ = -1;
  int64_t max_ts_offset_ = 0;
};

}  // namespace klog
