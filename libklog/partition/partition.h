// Partition: one replica of a topic partition as the broker serves it: its
// LogWriter and LogReader, its append-job queue, its offsets and the fetches
// waiting for its appends. The manager (partitions.h) finds and caches them.
//
// Offsets. Three are named, and after every operation that moves them
// CheckOffsets() asserts log start <= high watermark <= log end:
//   - the log start offset: the first offset still in the log;
//   - the log end offset: the next offset a record will get, as of the last
//     finished job (or, before this broker has written to the partition, the
//     end of the files, so another process's appends show up too);
//   - the high watermark: the offset below which clients may read. With one
//     replica and no replication it equals the log end offset as of the last
//     finished job; it is a separate value so that replication can hold it
//     back. Readers never see a batch at or above it (LogReader's upper
//     bound), so batches a running job has written are not served before
//     they are acknowledged.
//
// Writes. All work on the writer (opening and recovery, appends, fdatasync,
// maintenance) runs on libuv's thread pool, one job at a time: appends that
// arrive while a job runs are queued and the next job writes them all in
// arrival order, then syncs once if any of them asked for it (group commit),
// so the second core does the writing, checking and syncing. One exception,
// measured (README, Performance): an append of at most 64 KiB of
// uncompressed batches that needs no sync, to an open writer with no job
// running, is checked and written on the loop thread at once; a pwrite(2) of
// that size into the page cache costs less than the two thread wake-ups of
// the pool hand-off. Opening, recovery, large or compressed appends (whose
// check decompresses), appends that would roll the segment (sealing writes
// its digest and indexes) and every fdatasync stay off the loop thread.
//
// Reads. A Fetch reads on the pool: PrepareFetch checks the offset on the
// loop thread (no I/O once the partition is open) and hands out a ReadLease
// (reader_pool.h) holding a reader of its own, which the fetch reads on a
// pool thread (preads of batches, an offset-index lookup when a fetch does
// not continue where that reader stopped, the open(2) of a segment file the
// first time it reads it) and gives back on the loop thread. The readers
// are kept current with no I/O: ReaderPool takes each append job's new end,
// and drops its readers after a job that opened the writer, rolled or ran
// maintenance. One more reader, the partition's own, answers on the loop
// thread what needs no batch (the offsets, from memory) and ListOffsets by
// timestamp (an index lookup and a read of one batch: I/O on the loop
// thread, for a request clients make when they start, not per fetch). It
// is opened on the pool: by Partitions::Preload before the partition's
// first use, and afresh by every job that opens the writer, rolls a
// segment or runs maintenance; after any other append job it takes the
// writer's new end and active-segment size as they are.
//
// Leader epochs. The partition keeps a copy of its epoch cache (the
// writer's, as of the last finished job; before the writer is opened, what
// leader-epoch-checkpoint held when the reader was opened, on the pool) and
// the epoch it leads in, so Fetch and OffsetForLeaderEpoch answer from
// memory. The epoch never goes down while the broker runs: Metadata never
// publishes a lower epoch than before.
//
// Watching. A long-poll Fetch registers an AppendWatcher; every completed
// job wakes the watchers once (they re-register to keep waiting). Nothing
// polls.
//
// Errors are Status values that say what happened: NotFound (the partition
// is being closed), InvalidArgument (an offset out of range), Corruption and
// IOError (the files), and for appends whatever the caller's check returned
// (see AppendCheck) or the writer's refusal (TooLarge, InvalidArgument,
// Corruption). Mapping them to Kafka error codes is the handlers' work.
//
// Loop thread only, except where a comment says otherwise.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "broker/diagnostics.h"
#include "klog/batch_list.h"
#include "klog/log.h"
#include "klog/status.h"
#include "partition/reader_pool.h"

namespace klog::partition {

// Told when a job of a watched partition completes.
class AppendWatcher {
 public:
  virtual ~AppendWatcher() = default;
  virtual void OnAppend() = 0;
};

// Offsets of a partition as clients see them.
struct PartitionOffsets {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
};

// What a successful append reports.
struct AppendResult {
  int64_t base_offset = -1;         // the offset of the request's first record
  int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = -1;    // as of the job that appended it
};

// Checks one whole batch of an append before any batch of the request is
// written; `header` is its parsed header (from the BatchList) and
// `position` is where it starts in the request's bytes. A non-ok
// Status keeps the whole request out of the log and is passed to the
// append's `done` unchanged. Runs on the thread that appends (a pool thread,
// or the loop thread for a small inline append), so it must not touch
// loop-thread state; it may be empty (no check).
using AppendCheck = std::function<Status(std::span<const uint8_t> batch, const BatchHeader& header,
                                         size_t position)>;

class Partition {
 public:
  // `dir` is the partition's directory; `options` those of its writer;
  // `diagnostics` (which must outlive it) gets its event lines. Nothing is
  // opened until first use.
  Partition(uv_loop_t* loop, broker::Diagnostics& diagnostics, std::string topic, int32_t index,
            std::string dir, LogOptions options);
  ~Partition();
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  // "topic-index", for log lines.
  std::string name() const;

  int64_t log_start_offset() const { return log_start_; }
  int64_t high_watermark() const { return high_watermark_; }
  int64_t log_end_offset() const { return log_end_; }

  // Appends `batches` (whole RecordBatch v2 with their parsed headers,
  // which are not parsed again) in a job after those queued before it, and
  // calls `done` on the loop thread when they are in the log, and synced if
  // `sync` is set. Each batch is first given to `check`; if one fails, none
  // is appended. Failures: the check's Status, the writer's refusal
  // (TooLarge, InvalidArgument, Corruption), IOError (the writer could not
  // be opened, an append or the sync failed: "appended but not synced: ..."),
  // NotFound when the partition is closed before the job runs.
  // `done` gets the Status and the result as far as the append got: on a
  // failure after the first batch was written (a later batch refused, the
  // sync failed) base_offset (and log_append_time_ms) are still set;
  // log_start_offset is set on success only.
  using AppendDone = std::function<void(const Status&, const AppendResult&)>;
  void Append(BatchList batches, bool sync, AppendCheck check, AppendDone done);

  // A fetch from `offset`: sets *offsets (once the reader is ready, even on
  // a failure) and, when there is something to read (offset below the high
  // watermark), *lease, to be read on any thread (ReadLease::Read: whole
  // batches from the one holding `offset`, none at or above the high
  // watermark as of now) and given back on the loop thread. InvalidArgument
  // for an offset outside [log start, high watermark]; IOError when the
  // partition's reader cannot be opened.
  Status PrepareFetch(int64_t offset, PartitionOffsets* offsets, ReadLease* lease);
  // PrepareFetch and the read, on the calling (loop) thread, for tests and
  // tools: *out is valid until the next Read.
  Status Read(int64_t offset, size_t max_bytes, std::span<const uint8_t>* out,
              PartitionOffsets* offsets);
  // Offsets only; *offsets is set even when the reader fails (IOError).
  Status Offsets(PartitionOffsets* offsets);
  // The first offset below the high watermark whose timestamp is >= ts_ms,
  // and that record's timestamp, or {-1, -1} if there is none.
  Status OffsetForTimestamp(int64_t ts_ms, int64_t* offset, int64_t* timestamp);

  // The leader epoch of this replica: the writer's (LogOptions::leader_epoch
  // raised to the latest cached epoch), never lower than an earlier answer.
  int32_t leader_epoch() const { return leader_epoch_; }
  // The epoch cache, oldest first (see Leader epochs above).
  const std::vector<LeaderEpochEntry>& leader_epochs() const { return epochs_; }
  // Where `epoch` ended (storage's EndOffsetForEpoch over leader_epochs(),
  // with the log end offset for the latest epoch). No I/O; call Offsets()
  // first so that the offsets are loaded.
  EpochEndOffset EndOffsetForEpoch(int32_t epoch) const;

  // Registers `w` to be told (once) about the next job that completes; a
  // watcher registered already stays registered once. Expired watchers are
  // dropped.
  void Watch(std::weak_ptr<AppendWatcher> w);
  // Tells every watcher now (shutdown).
  void WakeWatchers();

  // Runs `fn` on the writer (opened if needed) on the thread pool, as one
  // job in the job sequence: at once if no job runs, else when the running
  // job is done, before the appends queued meanwhile. The offsets and the
  // reader's segment list are updated afterwards; `done` gets fn's Status
  // (or the writer's Open failure, or NotFound "partition is gone" if the
  // partition was closed meanwhile) on the loop thread.
  void Maintain(std::function<Status(LogWriter*)> fn, std::function<void(const Status&)> done);
  // Replaces the writer's options in a maintenance job, so the next append
  // uses the new segment.bytes, max.message.bytes, ... .
  void UpdateOptions(LogOptions options);

  // Times this partition opened or refreshed its reader on the loop thread
  // (the fallbacks: after a failed open, or in a directory the broker does
  // not own): 0 when all goes well.
  int loop_reader_io() const { return loop_reader_io_; }

  // Opens the partition's reader; for Partitions::Preload, on the thread
  // pool before the partition is first used (no other thread may use it).
  Status OpenReaderOffLoop();

  // Closing, for a topic being deleted: after BeginClose() the partition
  // starts no new append job; `fn` given to OnIdle runs once no job runs
  // (at once if none does).
  void BeginClose() { closing_ = true; }
  bool closing() const { return closing_; }
  void OnIdle(std::function<void()> fn);
  // Fails every queued append with `why` (closing, once idle).
  void FailQueued(const Status& why);
  // Closes the writer if open (flush per policy, clean-shutdown checkpoint).
  // Only when no job runs.
  Status CloseWriter();

 private:
  struct PendingAppend;

  void StartJob();
  void RunAppendJob();  // thread pool (or the loop thread, inline)
  void FinishJob();
  void RunMaintenance(std::function<Status()> job, std::function<void(const Status&)> done);
  Status OpenWriter();  // thread pool
  // Opens a reader of the partition's directory into job_reader_ (thread
  // pool: a job that rolled, ran maintenance or opened the writer).
  void OpenJobReader();
  // Reads leader-epoch-checkpoint into epochs_ (a missing or damaged file
  // leaves them as they are; the writer rebuilds it when it opens).
  void LoadEpochs();
  // Takes `entries` and `epoch` as the partition's, keeping leader_epoch_ monotonic.
  void NoteEpochs(std::vector<LeaderEpochEntry> entries, int32_t epoch);
  // Records the writer's offsets and active segment for AdoptJobResult (the job).
  void NoteJobOffsets();
  ReaderOptions ReaderOpts() const;
  // Brings the reader up to the last finished job: the reader a job opened,
  // else the writer's figures (no I/O).
  void AdoptJobResult();
  Status PrepareReader();
  void WakeAndClear();
  // Asserts log start <= high watermark <= log end.
  void CheckOffsets() const;

  uv_loop_t* loop_;
  broker::Diagnostics& diagnostics_;
  const std::string topic_;
  const int32_t index_;
  const std::string dir_;
  // The broker holds the data directory's lock exclusively: no other
  // process appends, so the files change only through this partition.
  const bool owns_dir_;
  // Owned by the job in flight while job_running_, else by the loop thread.
  LogOptions options_;
  std::unique_ptr<LogWriter> writer_;
  std::vector<PendingAppend> running_;
  int64_t job_start_offset_ = 0;  // written by the job, read when it is done
  int64_t job_end_offset_ = 0;
  int64_t job_active_base_ = 0;
  int64_t job_active_size_ = 0;
  std::vector<LeaderEpochEntry> job_epochs_;
  int32_t job_leader_epoch_ = 0;
  std::unique_ptr<LogReader> job_reader_;  // opened by the job, adopted when it is done
  Status job_reader_status_;
  // Loop thread only.
  std::unique_ptr<LogReader> reader_;
  std::shared_ptr<ReaderPool> fetch_readers_;
  ReadLease read_lease_;  // Read()'s
  int loop_reader_io_ = 0;
  int64_t log_start_ = 0;
  int64_t high_watermark_ = 0;
  int64_t log_end_ = 0;
  // Where the last append job began, if it wrote at most
  // ReaderPool::kHotReadBytes into the segment the job before it left
  // active; else INT64_MAX. Reads from here on may run on the loop thread.
  int64_t hot_from_ = INT64_MAX;
  int64_t active_base_seen_ = -1;  // the writer's active segment and size
  int64_t active_size_seen_ = 0;   // as of the last finished job
  std::vector<LeaderEpochEntry> epochs_;
  int32_t leader_epoch_ = 0;
  bool writer_opened_ = false;  // the offsets come from our own writer
  bool job_running_ = false;
  bool closing_ = false;
  std::vector<PendingAppend> queue_;
  // Maintenance jobs waiting for the running job; each runs before the
  // appends queued meanwhile, so a busy partition does not starve them.
  std::vector<std::function<void()>> maintenance_;
  std::vector<std::function<void()>> on_idle_;
  std::vector<std::weak_ptr<AppendWatcher>> watchers_;
};

}  // namespace klog::partition
