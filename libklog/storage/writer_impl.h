// Private state of LogWriter, shared by writer.cpp (appending, rolling,
// closing) and recovery.cpp (opening and recovering a partition).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "klog/checksum.h"
#include "klog/log.h"
#include "klog/topic.h"
#include "storage/epoch_cache.h"
#include "storage/index_builder.h"
#include "storage/lock.h"
#include "util/fileutil.h"

namespace klog {

struct LogWriter::Impl {
  std::string dir;
  LogOptions opts;
  DataDirLock dir_lock;  // shared, unless opts.data_dir_locked
  PartitionLock lock;
  bool closed = false;
  int64_t start_offset = 0;

  // The active segment. Invariant: size is the .log's length and holds only
  // whole batches; index_size and time_size are the index files' lengths.
  int64_t base = 0;
  std::string log_path;
  UniqueFd log_fd, index_fd, time_fd;
  int64_t size = 0;
  int64_t index_size = 0;
  int64_t time_size = 0;
  int64_t next_offset = 0;
  int64_t last_batch_pos = -1;  // -1 while the segment is empty
  int64_t roll_ts = -1;         // clock_ms when the first batch was appended, -1 while empty
  IndexBuilder builder{0, 4096};
  // XXH3 of the .log's first `size` bytes, kept up to date by Append, so
  // that sealing the segment reads nothing. Set when this writer created the
  // segment and when recovery scanned it (after a crash). Null otherwise
  // (opened after a clean close): Roll() then reads the .log (HashActive).
  std::unique_ptr<Xxh3Stream> hash;
  int64_t last_sync_ms = 0;
  // klog.segments (segment_list.h) as this writer left it: whether it exists,
  // the base its last entry ends at (-1 without entries), and whether a
  // failed write left it behind the directory (the next roll reconciles).
  bool list_exists = false;
  int64_t list_end = -1;
  bool list_stale = false;
  // The leader epoch cache, as leader-epoch-checkpoint holds it (each
  // change is written before the batch that causes it). Loaded by
  // RecoverPartition.
  LeaderEpochCache epochs;
  bool epochs_loaded = false;

  int64_t Now() const;
  bool SyncsOnRoll() const { return opts.flush.mode != FlushMode::kNone; }
  void Warn(const std::string& msg) const {
    if (opts.warn) opts.warn(msg);
  }
  void Step(std::string_view name) const {
    if (opts.step_hook) opts.step_hook(name);
  }

  // Opens the files of segment `base_offset` as the active segment; with
  // `create`, creates them (an existing non-empty .log is an error).
  Status OpenActive(int64_t base_offset, bool create);
  // Appends index entries at the end of the index files.
  Status WriteEntries(const IndexBuilder::Entries& e);
  // Writes one whole batch (already stamped) at the end of the active
  // segment with its index entries (`last_offset` and `max_timestamp` are
  // its own), syncs if the flush policy says so, and advances the active
  // state: size, next_offset (to last_offset + 1), the digest. On failure
  // the segment and indexes are cut back so the batch is wholly absent,
  // and the Status names `what` ("append", "verbatim append").
  Status WriteAtEnd(std::span<const uint8_t> batch, int64_t last_offset, int64_t max_timestamp,
                    int64_t now, const char* what);
  // True when an append of `bytes` bytes holding `offsets` offsets, made at
  // clock_ms `now`, must first seal the active segment: it is not empty and
  // the append would take it past segment_bytes (or 2 GiB, the reach of an
  // index position), it is at least segment_ms old, or the last offset would
  // be more than 2^31 - 1 past its base (the reach of an index entry).
  bool MustRoll(int64_t bytes, int64_t offsets, int64_t now) const;
  // Seals the active segment and starts a new one at next_offset. Reads the
  // whole .log only when `hash` is null.
  Status Roll();
  // Sets `hash` from the .log's first `size` bytes (reads all of them).
  Status HashActive();
  Status SyncActive();
};

// Opens and recovers the partition in w->dir (the lock is already held):
// checks sealed segments' indexes and the last digest, validates the active
// segment (or trusts a matching checkpoint) and fills the active state.
Status RecoverPartition(LogWriter::Impl* w);

// writer_segment_list.cpp: keeping klog.segments in line (klog-format(5)).
// Brings the list in line with the .log files `segs` (sorted; the last one
// is the active segment): drops entries below the log start, warns about and
// keeps every hole, adopts sealed segments it lacks (checking that they
// follow each other unless opts.compacted) and recreates a missing active
// segment at the list's end. Rewrites the file when anything changed.
// *first_base is the first offset the partition should hold (a missing
// first segment's base counts).
Status ReconcileSegmentList(LogWriter::Impl* w, std::vector<int64_t>* segs, int64_t* first_base);
// Records the segment Roll() just sealed (after the new active segment exists).
Status ListSealedSegment(LogWriter::Impl* w, int64_t base, int64_t next, int64_t bytes,
                         uint64_t xxh3);
// Drops the entries wholly below `start` (after retention unlinked them).
Status DropListedBelow(LogWriter::Impl* w, int64_t start);

// leader_epoch_checkpoint.cpp: the epoch cache. Loads leader-epoch-checkpoint
// (rebuilt from the batches when missing or damaged, with a warning when
// damaged), drops entries past next_offset or below start_offset, and
// rewrites the file when that changed anything.
Status LoadEpochCache(LogWriter::Impl* w);
// Writes the cache to leader-epoch-checkpoint (fsyncs).
Status PersistEpochs(LogWriter::Impl* w);
// True when a batch of leader epoch `epoch` adds an entry (epoch >= 0 and
// above the last entry's).
bool EpochEntryDue(const LogWriter::Impl& w, int32_t epoch);
// Adds (epoch, base_offset) and persists it when EpochEntryDue.
Status NoteBatchEpoch(LogWriter::Impl* w, int32_t epoch, int64_t base_offset);

// truncate.cpp: finishes a TruncateTo() that a crash interrupted (the
// klog.truncate marker is present); nothing when there is no marker. Runs
// before the rest of recovery.
Status RecoverTruncation(LogWriter::Impl* w);

// klog.checkpoint: written by Close(), removed by Open().
struct Checkpoint {
  int64_t base = 0;
  int64_t size = 0;
  int64_t next_offset = 0;
  int64_t last_batch_pos = -1;
  int64_t max_timestamp = -1;
  int64_t max_timestamp_offset = 0;
  int64_t roll_ms = -1;  // clock_ms of the segment's first append (-1: empty)
};
Status WriteCheckpoint(const std::string& dir, const Checkpoint& c, bool sync);
// NotFound when absent, Corruption when torn or malformed.
Result<Checkpoint> ReadCheckpoint(const std::string& dir);

}  // namespace klog
