// ReaderPool and ReadLease: how a Fetch reads a partition off the loop
// thread. A fetch takes a lease on the loop thread (Partition::PrepareFetch),
// reads through it on a pool thread, and gives it back on the loop thread.
//
// A lease carries a LogReader of its own, so reads of one partition by
// several fetches at once, and the partition's loop-thread reader, never
// share a cursor or a buffer. The pool keeps the readers that come back
// (a few: kMaxIdleReaders) for the next fetch, so a reader is opened only
// when none is idle, and then on the pool thread, by the lease's first read.
//
// Keeping readers current, with no I/O on the loop thread: after an append
// job, Partition hands the writer's active segment and log end to
// NoteAppended, which idle readers take at once (LogReader::NoteAppended)
// and readers out on a lease take when they come back. After a job that
// opened the writer, rolled a segment or ran maintenance, Invalidate() drops
// the idle readers and every reader that comes back from an older lease, so
// no read sees a segment list from before the change. A directory another
// process appends to (the broker does not own it) is re-listed by every
// read, on the pool thread.
//
// Lease and Return are loop-thread only; ReadLease::Read runs on any one
// thread at a time; the Config is fixed at construction and may be read
// from any thread.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "broker/diagnostics.h"
#include "klog/log.h"
#include "klog/status.h"

namespace klog::partition {

class ReaderPool;

class ReadLease {
 public:
  ReadLease() = default;
  ReadLease(ReadLease&& other) noexcept = default;
  ReadLease& operator=(ReadLease&& other) noexcept;
  ReadLease(const ReadLease&) = delete;
  ReadLease& operator=(const ReadLease&) = delete;
  // Gives the reader back to its pool (loop thread).
  ~ReadLease();

  // False for a lease that reads nothing (the fetch is at the high watermark).
  bool active() const { return pool_ != nullptr; }
  int64_t offset() const { return offset_; }
  // True if the read touches only bytes the broker wrote moments ago (see
  // ReaderPool::Lease): it may run on the loop thread.
  bool hot() const { return hot_; }

  // Sets *out to whole batches from the lease's offset (the batch holding
  // it first): about `max_bytes` of them, always the first whole batch, none
  // at or above the high watermark the lease was taken at. Every batch has
  // passed its CRC-32C check. *out stays valid until the lease is read again
  // or given back. IOError when a file fails, Corruption when the first
  // batch is damaged (batches before a damaged one are returned first);
  // either is logged with the partition's name. Any thread.
  Status Read(size_t max_bytes, std::span<const uint8_t>* out);

  // Gives the reader back now (loop thread); the lease becomes inactive.
  void Release();

 private:
  friend class ReaderPool;
  std::shared_ptr<ReaderPool> pool_;
  std::unique_ptr<LogReader> reader_;  // null: opened by the first Read
  uint64_t generation_ = 0;
  int64_t offset_ = 0;
  int64_t bound_ = 0;
  bool hot_ = false;
};

class ReaderPool : public std::enable_shared_from_this<ReaderPool> {
 public:
  // Readers kept for reuse; more may be out on leases at once.
  static constexpr size_t kMaxIdleReaders = 2;
  // The most an append job may have written for reads of it to be hot.
  static constexpr int64_t kHotReadBytes = 64 << 10;

  struct Config {
    std::string dir;        // the partition's directory
    ReaderOptions options;  // its warn callback must be callable from any thread
    bool refresh = false;   // re-list the segments before each read
    std::string name;       // "topic-index", for log lines
    broker::Diagnostics* diagnostics = nullptr;  // thread-safe; outlives the pool
  };

  explicit ReaderPool(Config config) : config_(std::move(config)) {}
  const Config& config() const { return config_; }

  // A lease to read from `offset` below `high_watermark`. It is hot when
  // everything it can read was appended by this broker's last append job,
  // which wrote at most kHotReadBytes (`hot_from`, the log end before that
  // job, is at most `offset`; the caller knows), and an idle reader of a
  // directory the broker owns continues there (LogReader::ContinuesAt): the
  // read is then one pread(2) of at most that many bytes from the page
  // cache, with no open and no index lookup, which costs less than the
  // hand-off to a pool thread and back (README, Performance).
  ReadLease Lease(int64_t offset, int64_t high_watermark, int64_t hot_from = INT64_MAX);
  // The writer's active segment and log end after an append job.
  void NoteAppended(int64_t active_base, int64_t active_size, int64_t end_offset);
  // The segments changed: readers opened before now are dropped.
  void Invalidate();
  // The partition is gone: readers that come back are dropped.
  void Close();

  size_t idle() const { return idle_.size(); }

 private:
  friend class ReadLease;
  struct Appended {
    bool set = false;
    int64_t active_base = 0;
    int64_t active_size = 0;
    int64_t end_offset = 0;
  };

  void Return(std::unique_ptr<LogReader> reader, uint64_t generation);
  // Brings `reader` to the last noted append; false if it cannot be (no I/O).
  bool TakeAppended(LogReader& reader) const;

  const Config config_;
  std::vector<std::unique_ptr<LogReader>> idle_;
  uint64_t generation_ = 0;
  Appended appended_;
  bool closed_ = false;
};

}  // namespace klog::partition
