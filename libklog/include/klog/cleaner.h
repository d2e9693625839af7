// The log cleaner: compaction of a partition (cleanup.policy=compact).
//
// Compaction keeps, in the cleanable part of the log, only the latest record
// of each key; offsets never change (cleaned segments have gaps). The
// cleanable part is every sealed segment below the first one holding a record
// newer than min.compaction.lag.ms. Keys are remembered as XXH3-128 digests in
// a key map of bounded size; when the dirty part holds more keys than the map
// fits, one call cleans over several passes.
//
// Tombstones (null values) that are the latest of their key survive
// delete.retention.ms after the pass that first cleaned them (the horizon is
// kept in the batch, Kafka's hasDeleteHorizonMs attribute bit 6) and are then
// removed. Records without a key are dropped from compacted logs.
//
// One pass is three steps, so that a broker can keep appending meanwhile:
//   Plan   (writer thread)  snapshots what is cleanable;
//   Run    (any thread)     reads sealed segments and writes the cleaned ones
//                           beside them as *.cleaned files, touching nothing else;
//   Commit (writer thread)  swaps them in, crash-safely: a crash at any step
//                           leaves either all old or all new segments of the
//                           pass (recovery, in LogWriter::Open and the next
//                           Plan, rolls forward or back; order in klog-format(5)).
// If retention or DeleteRecords removed a source segment since Plan, Commit
// removes the .cleaned files and returns Busy "... changed under the
// cleaner"; the caller plans again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "klog/status.h"

namespace klog {

class LogWriter;

struct CleanerOptions {
  // Bytes for the key map (digest + offset per key); Kafka's
  // log.cleaner.dedupe.buffer.size. The map fits key_map_bytes / 24 keys at most.
  int64_t key_map_bytes = int64_t(128) << 20;
  int64_t delete_retention_ms = int64_t(24) * 3600 * 1000;  // delete.retention.ms
  int64_t min_compaction_lag_ms = 0;                        // min.compaction.lag.ms
  // Cleaned segments are merged up to this size (the topic's segment.bytes).
  int64_t segment_bytes = int64_t(1) << 30;
  int32_t index_interval_bytes = 4096;
  bool sync = true;  // fdatasync the cleaned files and directory before the swap
  // Milliseconds since the epoch; empty = the system clock.
  std::function<int64_t()> clock_ms;
  // Test hook: called with the name of each step of Commit's swap just before
  // it is taken ("manifest", "rename", "unlink", "done" ...; the full list
  // is in klog-format(5)). Tests kill the process from it.
  std::function<void(std::string_view step)> step_hook;
};

// What is cleanable right now, for deciding whether to clean
// (min.cleanable.dirty.ratio).
struct CleanableState {
  int64_t first_dirty = 0;  // first offset not yet cleaned (klog.cleaner)
  int64_t clean_bytes = 0;  // cleanable bytes below first_dirty
  int64_t dirty_bytes = 0;  // cleanable bytes at or above first_dirty
  double dirty_ratio() const {
    int64_t total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : double(dirty_bytes) / double(total);
  }
};

struct CleanResult {
  int passes = 0;
  int segments_read = 0;
  int segments_written = 0;
  int64_t bytes_read = 0;     // of the .log files read
  int64_t bytes_written = 0;  // of the cleaned .log files
  int64_t records_read = 0;
  int64_t records_kept = 0;
  int64_t tombstones_removed = 0;  // whose horizon had passed
  int64_t keyless_removed = 0;
  int64_t first_dirty = 0;   // afterwards
  int64_t key_map_peak = 0;  // most keys held in the map in one pass
};

// One pass, made by Plan and carried to Run and Commit. Opaque.
class CleanPass {
 public:
  ~CleanPass();
  bool empty() const;  // nothing to clean: Run and Commit do nothing
  struct Impl;
  explicit CleanPass(std::unique_ptr<Impl> impl);
  Impl* impl() { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

// How much of `w`'s log is cleanable and dirty. Reads only the segment list,
// sizes and time indexes. Writer thread.
Result<CleanableState> CleanableStateOf(LogWriter* w, const CleanerOptions& opts);

// Plans one pass over `w`'s log. Writer thread.
Result<std::unique_ptr<CleanPass>> PlanClean(LogWriter* w, const CleanerOptions& opts);
// Builds the key map and writes the cleaned segments. Any thread; does not
// touch `w`. Memory: the key map plus one batch's buffers.
Status RunClean(CleanPass* pass);
// Swaps the cleaned segments in and advances klog.cleaner. Writer thread.
// Adds the pass's figures to `out`.
Status CommitClean(LogWriter* w, CleanPass* pass, CleanResult* out);
// Cancels a planned or run pass: removes its .cleaned files.
void AbandonClean(CleanPass* pass);

// Plan, Run and Commit until the whole cleanable part is clean (several
// passes when the key map is too small for it). What `klog-topic compact` does.
Status CompactLog(LogWriter* w, const CleanerOptions& opts, CleanResult* out);

}  // namespace klog
