// One partition copied from a broker (remote_copy.h): the copy's writer and
// where the copy stands against the source. It turns the source's offsets
// (log start, high watermark) and Fetch answers into appends, truncations
// and resets of the copy; the broker calls themselves are remote_copy's.
//
// Batches are appended verbatim (same offsets, same bytes), each checked
// against its CRC-32C first, so a corrupt batch stops the copy with nothing
// after it appended. The copy rolls by its own segment.bytes: its segments
// hold the same batches as the source's, but are not cut where the source's
// were (a broker does not say where its segments begin).
//
// Runs on the calling thread; appends are write(2)s and may block.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "klog/log.h"
#include "klog/status.h"
#include "proto/messages.h"
#include "replica/local_copy.h"

namespace klog::replica {

class RemotePartition {
 public:
  // Opens (creates) the copy in `dir` with `log_opts` (the copy topic's
  // LogOptions; its owner, warn and rolling are set here). `opts` must
  // outlive the RemotePartition.
  static Result<std::unique_ptr<RemotePartition>> Open(std::string topic, int32_t partition,
                                                       const std::string& dir, LogOptions log_opts,
                                                       const CopyOptions& opts);

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  // "topic T partition P", for messages.
  std::string Where() const;

  // The copy's log end and the epoch of its last batch (-1 when it has none).
  int64_t next_offset() const { return log_->next_offset(); }
  int32_t last_epoch() const;

  // The source's log start and high watermark as ListOffsets gave them at
  // the start: the copy is complete when it reaches `high_watermark`. Makes
  // room for the source's log start (an empty copy starts there; a copy
  // ending below it fetches from there, leaving a gap). Says in *diverged
  // whether the copy ends past the source's end (a divergence: the caller
  // asks OffsetForLeaderEpoch where to cut, Diverged()).
  Status SetSource(int64_t log_start, int64_t high_watermark, bool* diverged);
  bool done() const { return std::max(log_->next_offset(), fetched_to_) >= target_; }

  // The next Fetch of this partition: from past the last whole batch
  // fetched (NoteFetched), which may be ahead of the copy's end while an
  // answer waits to be appended.
  proto::FetchPartition NextFetch(int32_t max_bytes) const;
  // Notes where a Fetch answer's records (no error, no diverging epoch)
  // leave the partition, before they are appended, so that the next Fetch
  // can go out while they are (only batch headers are read here).
  void NoteFetched(std::span<const uint8_t> records);
  // Whether a Fetch of this partition is out (the copier keeps at most one).
  bool fetching() const { return fetching_; }
  void set_fetching(bool f) { fetching_ = f; }

  // Applies one Fetch answer's records (which must have no error code and no
  // diverging epoch): every whole batch is CRC-checked and appended; a batch
  // cut short at the end (the size limit) is left for the next Fetch.
  // Corruption naming topic, partition and offset for a bad batch.
  Status Append(std::span<const uint8_t> records);

  // The source says the copy diverged: its log no longer agrees past
  // `source_end`. Truncates the copy there with a warning, or, without
  // CopyOptions::truncate, fails naming the offset.
  Status Diverged(int64_t source_end, const std::string& why);

  // What a Fetch answer says of the source: its log start (-1 when not
  // given) and high watermark. The lag is how far the copy's end is behind
  // the last high watermark seen.
  void NoteSource(int64_t log_start, int64_t high_watermark);
  int64_t lag() const { return std::max<int64_t>(0, source_end_ - log_->next_offset()); }

  // Moves the copy's log start up to the source's and syncs the copy: on Ok,
  // every batch copied is on disk. Does nothing when nothing changed since
  // the last Sync.
  Status Sync();
  // Sync(), then closes the copy.
  Status Finish();
  const CopyStats& stats() const { return stats_; }

 private:
  RemotePartition(std::string topic, int32_t partition, const CopyOptions& opts)
      : topic_(std::move(topic)), partition_(partition), opts_(opts) {}
  Status AppendOne(std::span<const uint8_t> batch);

  std::string topic_;
  int32_t partition_;
  const CopyOptions& opts_;
  std::unique_ptr<LogWriter> log_;
  int64_t source_start_ = 0;
  int64_t target_ = 0;
  int64_t source_end_ = 0;  // the last high watermark seen
  bool dirty_ = true;       // changed since the last Sync (the first always syncs)
  bool fetching_ = false;
  int64_t fetched_to_ = -1;     // past the last whole batch fetched; -1: the copy's end
  int32_t fetched_epoch_ = -1;  // that batch's leader epoch
  CopyStats stats_;
};

}  // namespace klog::replica
