// Partitions: the broker's view of the topics and partition logs it serves.
//
// Writes. Each partition has one LogWriter, opened on first use. All work on
// it (opening and recovery, appends, fdatasync) runs on libuv's thread pool,
// one job per partition at a time: appends that arrive while a job runs are
// queued and the next job writes them all, then syncs once if any of them
// asked for it (group commit), so the second core does the writing,
// checking (klog/batch_check.h: CRC and every record) and syncing. One
// exception, measured (README, Performance): an append of at most 64 KiB of
// uncompressed batches that needs no sync, to an open writer with no job
// running, is checked and written on the loop thread at once; a pwrite(2) of
// that size into the page cache costs less than the two thread wake-ups of
// the pool hand-off. Opening, recovery, large or compressed appends (whose
// check decompresses up to max.message.bytes) and every fdatasync stay off
// the loop thread.
//
// Reads run on the loop thread through one LogReader per partition. Readers
// see only offsets below the high watermark: the log end as of the last
// completed append job (or, before this broker has written to a partition,
// the end of the files, so another process's appends show up too). Every
// batch a reader returns has passed its CRC-32C check.
//
// Watching. A long-poll Fetch registers an AppendWatcher on the partitions it
// reads; every completed append job wakes the watchers of its partition once
// (they re-register to keep waiting). Nothing polls.
//
// Topics are looked up through a cache filled from the data directory on
// first use. Admin handlers that change a topic call ForgetTopic() (or
// CloseTopic() before deleting one).
//
// Loop thread only, except where a comment says otherwise.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/config.h"
#include "klog/cleaner.h"
#include "klog/log.h"
#include "klog/status.h"
#include "klog/topic.h"

namespace klog::broker {

// Told when an append job of a watched partition completes.
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

struct AppendResult {
  int16_t error_code = 0;  // a Kafka error code; 0 = appended
  std::string error;       // what went wrong, for the log (empty on success)
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = -1;
};

class Partitions {
 public:
  Partitions(const BrokerConfig& config, DataDir data_dir);
  ~Partitions();
  Partitions(const Partitions&) = delete;
  Partitions& operator=(const Partitions&) = delete;

  // The loop whose thread pool runs the writers. Set once, before use.
  // Also starts the retention timer (see StartRetention).
  void Attach(uv_loop_t* loop);

  // The topic's metadata (cached). NotFound if it does not exist; the
  // pointer is valid until the next call that changes topics.
  Result<const TopicInfo*> Topic(const std::string& name);
  // Drops the cached metadata of `name` (after creating or altering it).
  void ForgetTopic(const std::string& name);
  // Waits for the topic's append jobs, closes its writers and readers and
  // forgets it, then calls `done` on the loop thread. Appends queued for it
  // meanwhile fail with UNKNOWN_TOPIC_OR_PARTITION, and so does every use of
  // the topic after it until ForgetTopic(name) (called once its files are
  // deleted), so no writer reopens a topic that is being deleted.
  void CloseTopic(const std::string& name, std::function<void()> done);

  // Appends `batches` (one or more whole RecordBatch v2, already checked by
  // CheckProduceBatches) to the partition and calls `done` on the loop
  // thread when they are in the log, and synced if `sync` is set. Each batch
  // is first checked whole (BatchChecker, with the topic's
  // max.message.bytes and, for a compacted topic, keys required); if one
  // fails, none is appended and `done` gets CORRUPT_MESSAGE (damaged
  // bytes), INVALID_RECORD (a rule broken) or MESSAGE_TOO_LARGE (records
  // over max.message.bytes once decompressed).
  void Append(const std::string& topic, int32_t partition, std::vector<uint8_t> batches,
              bool sync, std::function<void(const AppendResult&)> done);

  // Sets *out to whole batches from `offset` (the batch holding it first):
  // about `max_bytes` of them, but always the first whole batch, and none
  // at or above the high watermark. *out points into the partition
  // reader's buffer (one pread(2) from the segment file, not copied again)
  // and is valid until the next Read or OffsetForTimestamp of the same
  // partition. *offsets is filled in even
  // when nothing is read. Returns a Kafka error code: 0,
  // UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE for an offset outside
  // [log start, high watermark], KAFKA_STORAGE_ERROR when a file fails or
  // the first batch at `offset` fails its CRC-32C check (batches before a
  // damaged one are returned first; the damage is logged with the segment
  // file and byte position).
  int16_t Read(const std::string& topic, int32_t partition, int64_t offset, size_t max_bytes,
               std::span<const uint8_t>* out, PartitionOffsets* offsets);
  // Offsets only. Returns a Kafka error code.
  int16_t Offsets(const std::string& topic, int32_t partition, PartitionOffsets* offsets);
  // The first offset whose timestamp is >= ts_ms and that record's
  // timestamp, or {-1, -1} if there is none. Returns a Kafka error code.
  int16_t OffsetForTimestamp(const std::string& topic, int32_t partition, int64_t ts_ms,
                             int64_t* offset, int64_t* timestamp);

  // Registers `w` to be told (once) about the next append job that
  // completes on the partition. Expired watchers are dropped.
  void Watch(const std::string& topic, int32_t partition, std::weak_ptr<AppendWatcher> w);
  // Tells every watcher now and sets stopping(): shutdown, when waiting
  // fetches answer at once.
  void WakeAll();
  bool stopping() const { return stopping_; }

  // Closes every writer (flush per policy, clean-shutdown checkpoint).
  // Call after the loop has finished every job (Server::Run returned).
  Status CloseAll();

  // For metrics: each open partition's topic, index and high watermark.
  void ForEach(const std::function<void(const std::string&, int32_t, int64_t)>& fn) const;

  // ---- Maintenance (retention, DeleteRecords, config changes) ----
  // Runs `fn` on the partition's writer (opened if needed) on the thread
  // pool, as one job in the partition's job sequence: at once if no job
  // runs, else when the partition next has no append job running or queued
  // (so a partition that never goes idle delays it); appends arriving
  // meanwhile wait for it. The log start offset clients see and the reader's
  // segment list are updated afterwards; `done` gets fn's Status (or why the
  // partition or writer is unavailable) on the loop thread.
  void Maintain(const std::string& topic, int32_t partition, std::function<Status(LogWriter*)> fn,
                std::function<void(const Status&)> done);
  // After a topic's configs changed (ForgetTopic first): the options of its
  // open writers are replaced in a maintenance job, so the next append uses
  // the new segment.bytes, max.message.bytes, ... .
  void RefreshTopicOptions(const std::string& topic);
  // Every config.retention_check_interval_ms, applies each topic's
  // retention.ms and retention.bytes to all its partitions (a maintenance
  // job each). The timer does not keep the loop alive; WakeAll() stops it.
  void EnforceRetentionNow();
  // Every config.cleaner_backoff_ms (unless !config.cleaner_enable): each
  // partition of a compacted topic (cleanup.policy has "compact") whose dirty
  // ratio is at or above its topic's min.cleanable.dirty.ratio is cleaned,
  // one partition at a time, pass after pass (see klog/cleaner.h): Plan and
  // Commit are maintenance jobs of the partition; Run goes on the pool
  // beside its appends and fetches. The timer does not keep the loop alive.
  void CleanNow();

  struct State;
  struct CleanCandidate;

 private:
  void StartCleanerTimer();
  void StopCleanerTimer();
  void CleanNext(std::shared_ptr<std::vector<CleanCandidate>> list, size_t i);
  void CleanPassOf(std::shared_ptr<std::vector<CleanCandidate>> list, size_t i,
                   std::shared_ptr<CleanResult> total);
  void CommitPass(std::shared_ptr<std::vector<CleanCandidate>> list, size_t i,
                  std::shared_ptr<CleanResult> total,
                  std::shared_ptr<std::unique_ptr<CleanPass>> pass,
                  std::function<void(const Status&)> finished);
  uv_timer_t* cleaner_timer_ = nullptr;
  bool cleaning_ = false;  // a CleanNow round is under way

  void RunMaintenance(State* st, std::function<Status(State*)> job,
                      std::function<void(const Status&)> done);
  uv_timer_t* retention_timer_ = nullptr;

  State* Find(const std::string& topic, int32_t partition, int16_t* error);
  void StartJob(State* st);
  void FinishJob(State* st);
  int16_t Prepare(State* st);

  const BrokerConfig& config_;
  DataDir data_dir_;
  uv_loop_t* loop_ = nullptr;
  bool stopping_ = false;
  std::map<std::string, TopicInfo> topics_;
  std::set<std::string> closed_topics_;  // CloseTopic done, ForgetTopic not yet
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<State>> states_;
};

// Checks the records of one partition of a Produce request before they are
// queued: whole batches, magic 2, sane lengths, a record count that fits
// the last offset delta (and is not 0), each batch no larger than
// `max_batch_bytes`, and no zstd before Produce v7. The CRC and the records
// are checked by the append job (BatchChecker). Returns a Kafka error code
// (0 = fine) and sets *why.
int16_t CheckProduceBatches(std::span<const uint8_t> records, int64_t max_batch_bytes,
                            int16_t produce_version, std::string* why);

}  // namespace klog::broker
