// A partition log: a directory of segments with one writer (across processes,
// enforced by a lock) and any number of concurrent readers.
//
// Durability (the contract, also in klog-format(5) and klog-append(1)):
//  - Append() returns after one write(2) of the whole batch: the batch is in
//    the page cache, visible to readers, and survives a crash of the process
//    but not of the machine.
//  - FlushMode::kEveryBatch: Append() returns only after fdatasync(2) of the
//    .log: the batch survives power loss.
//  - FlushMode::kInterval: a sync happens on the first Append() at least
//    interval_ms after the previous sync, and in Close().
//  - FlushMode::kNone: the kernel writes back when it likes (Kafka's default).
//    Close() does not sync.
//  - A torn tail left by a crash is truncated by the next writer's Open().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klog/record.h"
#include "klog/status.h"

namespace klog {

enum class FlushMode { kNone, kInterval, kEveryBatch };

struct FlushPolicy {
  FlushMode mode = FlushMode::kNone;
  int64_t interval_ms = 0;  // for kInterval
};

struct LogOptions {
  int64_t segment_bytes = int64_t(1) << 30;            // roll when the .log would exceed this
  int64_t segment_ms = int64_t(7) * 24 * 3600 * 1000;  // roll when the segment is older
  int32_t index_interval_bytes = 4096;
  int64_t max_batch_bytes = int64_t(16) << 20;  // Append() refuses larger batches
  // message.timestamp.type=LogAppendTime: Append() sets the batch's timestamp
  // type bit and MaxTimestamp to the append time (and recomputes the CRC), so
  // every record reads back with the time it reached the log.
  bool log_append_time = false;
  // cleanup.policy includes compact: offsets may legitimately have gaps, so a
  // partition without klog.segments (written by Kafka or an older klog) is
  // adopted as it is, without checking that segments follow each other.
  bool compacted = false;
  // The partition leader epoch Append() stamps into every batch (the
  // PartitionLeaderEpoch field, outside the CRC). 0, the default, is what
  // klog has always written. Open() raises it to the latest epoch of the
  // epoch cache when that is higher, so batches never go back to a lower
  // epoch. SetLeaderEpoch() changes it while open.
  int32_t leader_epoch = 0;
  FlushPolicy flush;
  std::string owner = "klog";  // tool name, written in the lock file
  // The caller holds the data directory's lock exclusively (klog-serve, with
  // a DataDir from DataDir::OpenExclusive), so Open() does not take it shared
  // (see DataDirLock in klog/topic.h).
  bool data_dir_locked = false;
  // Called with recovery warnings (torn tail truncated, index rebuilt). May be empty.
  std::function<void(const std::string&)> warn;
  // Milliseconds since the epoch; injectable for tests. Empty = the system clock.
  std::function<int64_t()> clock_ms;
  // Test hook: called with the name of each step just before it is taken, of
  // a roll ("digest", "create", "list"), of a deletion by retention or
  // TruncateBefore ("log-start", "unlink" once per segment, "list"), of
  // TruncateTo ("truncate-mark", "truncate-list", "truncate-unlink" once per
  // segment, "truncate-cut", "truncate-epochs", "truncate-unmark") and of
  // ResetEmptyTo ("reset-list", "reset-start", "reset-epochs",
  // "reset-unlink", "reset-rename"); the order is in klog-format(5). Tests
  // kill the process from it.
  std::function<void(std::string_view step)> step_hook;
};

// One entry of the leader epoch cache (leader-epoch-checkpoint): `epoch`
// began at `start_offset`.
struct LeaderEpochEntry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  bool operator==(const LeaderEpochEntry&) const = default;
};

// The answer to OffsetForLeaderEpoch for one partition (Kafka's
// LeaderEpochFileCache.endOffsetFor): both -1 when the epoch is unknown.
struct EpochEndOffset {
  int32_t epoch = -1;
  int64_t end_offset = -1;
  bool operator==(const EpochEndOffset&) const = default;
};

// What EnforceRetention() or TruncateBefore() did.
struct RetentionResult {
  int deleted_segments = 0;
  int64_t deleted_bytes = 0;     // of the deleted .log files
  int64_t log_start_offset = 0;  // afterwards
};

// The single writer of a partition. Not thread-safe: one thread uses it at a
// time (klog-serve hands it between its loop thread and pool threads).
//
// What each call may block on (the loop thread of klog-serve may call only
// WouldRoll, the accessors, UpdateOptions and an Append that WouldRoll
// cleared and that needs no sync):
//  - Open() reads: the index files, the last sealed segment's digest, and
//    the whole active segment after a crash (to find a torn tail). Up to
//    segment_bytes of reads: seconds from a cold disk.
//  - Append() writes the batch and at most two index entries with pwrite(2)
//    (the page cache: microseconds, unless the kernel throttles dirty pages);
//    fdatasync(2) per the flush policy; and, when it rolls, the roll: a final
//    time-index entry, the digest file, three new files, klog.segments
//    rewritten (fdatasync of each, and of the directory, unless the policy is
//    kNone), plus a read of the whole active segment to hash it when this
//    writer neither created nor recovered it (opened after a clean close):
//    up to segment_bytes, so klog-serve sends an append that WouldRoll() to
//    its thread pool.
//  - Flush() and Close() sync; EnforceRetention() and TruncateBefore() write
//    small files and unlink segments (an unlink of a large file can take a
//    while on some file systems).
//  - WouldRoll(), UpdateOptions() and the accessors do no I/O.
class LogWriter {
 public:
  // Opens the log in `dir` (creating the directory), takes the lock of the
  // data directory above it shared unless opts.data_dir_locked (Busy "data
  // directory <dir> is served by pid N (klog-serve)" while a server holds
  // it) and the writer lock (Busy "partition <dir> is locked by pid N
  // (<owner>)" if another writer holds it), and recovers: the active segment is validated and a
  // torn tail truncated (with a warning); missing or damaged indexes are rebuilt. Corruption inside
  // a sealed segment is an error naming file and position. klog.segments is brought in line with
  // the directory (klog-format(5)): a segment it lists that is gone is warned about with its offset
  // range
  // ("segment <file> is missing: offsets A-B lost") and stays listed as lost,
  // so readers and klog-dump --verify keep reporting it until retention or
  // TruncateBefore passes it; a directory without the list (Kafka, an older
  // klog) is adopted, checking that segments follow each other unless
  // opts.compacted.
  static Result<std::unique_ptr<LogWriter>> Open(const std::string& dir, const LogOptions& opts);
  ~LogWriter();  // Close(), errors ignored

  // Appends one whole batch as made by BatchBuilder::Finish(). Its BaseOffset
  // is stamped in place with the next offset; the batch is written with one
  // write(2). If the write fails the segment is cut back to where it was, so
  // the batch is either wholly in the log or not at all. Rolls the segment
  // first when size, age or offset range call for it. Returns the batch's
  // base offset.
  Result<int64_t> Append(std::span<uint8_t> batch);
  // The same, for a batch whose header the caller has parsed already
  // (ParseBatchHeader's reading of `batch`, as a BatchList holds it): the
  // header is checked, not parsed again.
  Result<int64_t> Append(std::span<uint8_t> batch, const BatchHeader& header);

  // Appends one whole batch at the offsets it carries, bytes unchanged
  // (base offset, leader epoch, producer fields, timestamps and CRC as
  // given; no LogAppendTime stamping): a follower's or mirror's append.
  // Its base offset must be >= next_offset(); offsets in between (a gap
  // left by compaction or retention at the source) are skipped, and
  // next_offset() becomes its last offset + 1. InvalidArgument "batch at
  // offset B is behind the log end offset E of <dir>" for an overlap or a
  // batch behind the end; Corruption naming the offset when the CRC does
  // not match (nothing is written). Batches with no records (kept by
  // Kafka's cleaner) are accepted. Rolls as Append() does, and also when
  // the batch's last offset would be more than 2^31 - 1 past the active
  // segment's base (in an empty log, the log then starts at the batch's
  // base, as ResetEmptyTo() would). A batch with a higher leader epoch than
  // the epoch cache's last entry adds an entry at its base offset. Returns
  // the batch's base offset.
  Result<int64_t> AppendVerbatim(std::span<const uint8_t> batch);

  // Seals the active segment now and starts the next one at `base_offset`
  // (>= next_offset(); offsets in between are a gap, as after compaction):
  // a mirror rolls where its source rolled, so that each sealed segment is
  // the same bytes under the same name. Nothing happens when the active
  // segment is empty and already named `base_offset`; an empty log starts
  // at `base_offset` (ResetEmptyTo). InvalidArgument for an offset below
  // next_offset(), or when the active segment is empty under another name
  // in a log that is not empty.
  Status RollAt(int64_t base_offset);

  // Suffix truncation (Kafka's LogSegment.truncateTo): removes every batch
  // whose last offset is >= `offset`, so a batch holding `offset` goes
  // whole; next_offset() becomes the end of the last batch kept (which can
  // be below `offset`: the base of the batch that held it, or lower after
  // a gap). Segments wholly above are deleted; the segment holding the new
  // end becomes the active one (its digest goes, its indexes are rebuilt,
  // klog.segments is rewound) and the epoch cache drops the epochs that
  // start at or after the new end. Nothing happens when `offset` >=
  // next_offset(). InvalidArgument when `offset` is below start_offset() or
  // when the batch it falls in begins below start_offset(). Crash-safe: a
  // kill at any step leaves the old log, or a marker (klog.truncate) with
  // which the next Open() finishes the truncation (klog-format(5)).
  Status TruncateTo(int64_t offset);

  // Makes an empty log (no batch: next_offset() == start_offset() and no
  // sealed segment) start at `offset`: its active segment is renamed after
  // `offset`, as Kafka names a follower's first segment by the offset it
  // fetches from, and the epoch cache is emptied. InvalidArgument when the
  // log holds batches. Crash-safe: the old or the new empty log.
  Status ResetEmptyTo(int64_t offset);

  // Becomes leader in `epoch` (Kafka's makeLeader): Append() stamps it from
  // now on, and the epoch cache gets (epoch, next_offset()) unless its last
  // entry already has this epoch; leader-epoch-checkpoint is rewritten
  // (fsync). InvalidArgument for a negative epoch.
  Status SetLeaderEpoch(int32_t epoch);
  int32_t leader_epoch() const;

  // The epoch cache, oldest first: each epoch and the offset it began at.
  const std::vector<LeaderEpochEntry>& leader_epochs() const;
  // OffsetForLeaderEpoch: for the latest epoch, (epoch, next_offset()); for
  // an older epoch, (the largest epoch <= it, the start offset of the first
  // epoch above it); for an epoch older than every entry, (epoch, the first
  // entry's start offset); for -1, an unknown epoch above the latest or an
  // empty cache, (-1, -1). As Kafka's LeaderEpochFileCache.endOffsetFor.
  EpochEndOffset EndOffsetForEpoch(int32_t epoch) const;
  // True when the next Append() would first add an epoch entry and so
  // rewrite leader-epoch-checkpoint (with fsyncs). No I/O.
  bool WouldWriteEpoch() const;

  // True if appending batches of `bytes` bytes in all (one Append per batch,
  // straight after this call) could roll the active segment first: it would
  // go past segment_bytes (or 2 GiB), it is within a second of segment_ms
  // old, or the offsets would go more than 2^31 - 1 past its base (counting
  // one offset per byte, an upper bound for batches whose record count is
  // last_offset_delta + 1, as BatchChecker requires). When false, the
  // appends do not roll, so they cost no more than their writes (see
  // above). Reads the clock only; no I/O.
  bool WouldRoll(size_t bytes) const;

  Status Flush();  // fdatasync of the active segment and its indexes
  // Flushes per policy, writes the clean-shutdown checkpoint, releases the lock.
  Status Close();

  int64_t next_offset() const;   // offset the next record will get
  int64_t start_offset() const;  // first offset still in the log
  // The active segment: its base offset and its length in bytes (whole
  // batches only), for a reader of the same log (LogReader::NoteAppended).
  int64_t active_base() const;
  int64_t active_size() const;
  const std::string& dir() const;

  // Deletes whole sealed segments, oldest first, never the active one: those
  // whose largest timestamp (or, without timestamps, the .log's mtime) is more
  // than `retention_ms` before clock_ms, those whose removal still leaves at
  // least `retention_bytes` in the log, and those wholly below the log start
  // offset. -1 disables a limit. The log start offset becomes the base of the
  // first kept segment (if that is higher) and is persisted first, so a crash
  // midway loses nothing a reader could still be shown (order in klog-format(5)).
  Status EnforceRetention(int64_t retention_ms, int64_t retention_bytes, RetentionResult* out);
  // Advances the log start offset to `offset` (Kafka's DeleteRecords): it is
  // persisted in klog.log-start, then the segments wholly below it are
  // deleted. InvalidArgument if `offset` is above next_offset(); an offset at
  // or below the current start changes nothing.
  Status TruncateBefore(int64_t offset, RetentionResult* out);
  // Takes new segment_bytes, segment_ms, max_batch_bytes, log_append_time and
  // index_interval_bytes (from the next segment on) for the next Append().
  void UpdateOptions(const LogOptions& opts);

  struct Impl;

 private:
  explicit LogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ReaderOptions {
  bool verify_crc = true;  // check each batch's CRC-32C before returning it
  // Called (on the reader's thread) with a warning naming the file: an index
  // entry that cannot be trusted, so the segment is scanned instead; a
  // damaged klog.segments. Once per file and reader. May be empty.
  std::function<void(const std::string&)> warn = nullptr;
};

// Reads a partition log, concurrently with a writer in this or another
// process. Only whole batches are ever returned. Not thread-safe.
// Offsets returned strictly increase, also while the cleaner swaps cleaned
// segments in (cleaner.h): a reader inside a replaced segment may still be
// given records compaction removed, but never misses one it keeps.
class LogReader {
 public:
  static Result<std::unique_ptr<LogReader>> Open(const std::string& dir,
                                                 const ReaderOptions& opts = {});
  ~LogReader();

  // Re-reads the segment list and sizes so that what a writer appended since
  // becomes visible. Cheap when nothing changed.
  Status Refresh();

  // First offset in the log: the persisted log start offset (klog.log-start)
  // or the first segment's base, whichever is higher. When segments are
  // deleted under the reader, the next Refresh() moves a cursor that was in
  // one of them to the new start.
  int64_t start_offset() const;
  int64_t end_offset() const;  // last offset + 1 as of the last Refresh()

  // What the log's own writer (in this process) reports after appends: its
  // active segment's base and size and the log's next offset. If that
  // segment is this reader's last one, the reader takes the new size and end
  // offset as they are, with no I/O, and returns true; otherwise (the writer
  // rolled, or the reader has not seen the segment) it changes nothing and
  // returns false: the caller opens a fresh reader or calls Refresh().
  bool NoteAppended(int64_t active_base, int64_t active_size, int64_t end_offset);

  // First offset whose record timestamp is >= ts_ms; end_offset() if none.
  Result<int64_t> OffsetForTimestamp(int64_t ts_ms);

  // Moves the cursor to the batch holding `offset` (clamped to
  // [start_offset(), end_offset()]). Uses the offset index, then a short scan.
  Status Seek(int64_t offset);
  // True if the cursor is in the last segment, with its file open, where the
  // last Next() left it, and the next record it returns is at `offset`: a
  // Next() without Seek(offset) reads the same, with no index lookup and no
  // open(2). The last segment is never rewritten in place (the cleaner and
  // retention leave it alone; a truncation is the caller's to know of).
  bool ContinuesAt(int64_t offset) const;

  // Returns whole batches from the cursor, about max_bytes of them (always at
  // least one whole batch if one is available, even a larger one), and moves
  // the cursor past them. An empty span means the reader is at the end. A bad
  // batch is Corruption naming the segment file and byte position. The span
  // stays valid until the next call.
  // A segment that klog.segments lists but that is gone is Corruption
  // "segment <file> is missing: offsets A-B lost" when the cursor reaches it
  // (Seek into it fails the same way); the batches before it are returned.
  Result<std::span<const uint8_t>> Next(size_t max_bytes = size_t(1) << 20);

  // Bounds what Next() returns: no batch whose base offset is >= `bound`
  // (INT64_MAX, the default, means no bound). Next() stops before the first
  // such batch and leaves the cursor there, so once the bound is raised the
  // next call returns it. A broker sets its high watermark here, so that
  // batches a running append wrote but has not acknowledged stay unseen.
  // Seek(), end_offset() and OffsetForTimestamp() ignore the bound.
  void SetUpperBound(int64_t bound);
  int64_t upper_bound() const;

  // Where the span the last Next() returned lies: its segment file and the
  // byte position of its first byte (a batch at offset k in the span is at
  // span_position() + k), for messages about what is in it.
  std::string span_path() const;
  int64_t span_position() const;

  // Directory, and the path of the file the cursor is in (for inotify).
  const std::string& dir() const;
  std::string current_segment_path() const;

  struct Impl;

 private:
  explicit LogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace klog
