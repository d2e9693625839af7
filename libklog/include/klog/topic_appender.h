// Appending records to a topic's partitions (the write side of
// klog-append): one BatchBuilder per partition and one LogWriter per
// partition, opened on first use with options taken from the topic's
// configs. The caller picks each record's partition (klog/partitioner.h).
// Records are added per input chunk; FlushBatches() then
// appends at most one batch per partition (more only when a batch reaches
// the size cap), so interactive input reaches the log at once. Not
// thread-safe: one thread uses an appender.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klog/log.h"
#include "klog/record.h"
#include "klog/status.h"
#include "klog/topic.h"

namespace klog {

// Finds the topic, creating it with `create_partitions` unless `no_create`.
// NotFound reads "topic 'x' does not exist".
Result<TopicInfo> OpenOrCreateTopic(DataDir& dd, const std::string& topic, bool no_create,
                                    int32_t create_partitions);

struct AppenderOptions {
  Compression codec = Compression::kNone;
  FlushPolicy flush;
  int64_t batch_bytes = int64_t(1) << 20;  // cap of one batch, header included
  std::string owner = "klog";              // the writer's name in the lock file (LogOptions)
  // Called with each warning of the partitions' writers (torn tail
  // truncated, index rebuilt), on the appender's thread; the text names the
  // file. May be empty: the warnings are then dropped.
  std::function<void(const std::string&)> warn;
};

class TopicAppender {
 public:
  TopicAppender(DataDir dd, TopicInfo info, const AppenderOptions& opts);
  ~TopicAppender();
  // Checks the topic's configs; call once before Add().
  Status Init();

  int32_t partitions() const { return info_.partitions; }
  // Largest record (as estimated by RecordSize) that fits in a batch.
  int64_t record_limit() const { return record_limit_; }
  // cleanup.policy includes compact: records without a key are refused (as
  // Kafka refuses them), since compaction would drop them.
  bool compacted() const { return TopicIsCompacted(info_); }

  // Upper bound of one record's encoded size inside a batch, plus the batch header.
  static int64_t RecordSize(std::optional<std::string_view> key,
                            std::optional<std::string_view> value,
                            std::span<const BatchBuilder::Header> headers);

  // Adds a record to partition `p`'s batch; if it would push the batch past
  // the cap, the batch is appended first and *rolled is set. The record's
  // timestamp is `timestamp`, or `now_ms` (when its input was read) without
  // one. `line` is its input line (or record) number, increasing from call
  // to call, for Unappended().
  Status Add(int32_t p, std::optional<std::string_view> key, std::optional<std::string_view> value,
             std::span<const BatchBuilder::Header> headers, std::optional<int64_t> timestamp,
             int64_t now_ms, int64_t line, bool* rolled);

  // Appends every partition's non-empty batch.
  Status FlushBatches();
  // Appends what is pending (unless an append failed: then nothing more is
  // appended), then closes every writer (syncing per policy).
  Status Close();

  int64_t records_appended() const { return records_appended_; }

  // After a failed append (the first failure ends the run; the appender then
  // only closes): the first input line whose record is not in the log, and
  // how many records of later lines are (batches of other partitions
  // appended before the failure). Every record of an earlier line is.
  struct Unappended {
    int64_t first_line = 0;
    int64_t later_appended = 0;
  };
  std::optional<Unappended> unappended() const;

 private:
  struct Partition {
    BatchBuilder builder;
    std::unique_ptr<LogWriter> writer;
    int64_t size = 0;        // estimated batch size so far; 0 = nothing pending
    int64_t first_seq = 0;   // records added before the batch's first record
    int64_t first_line = 0;  // input line of the batch's first record
  };
  // Appends partition p's pending batch; on failure it stays pending.
  Status AppendBatch(int32_t p);
  Status WriteBatch(int32_t p);
  Status OpenWriter(int32_t p);

  DataDir dd_;
  TopicInfo info_;
  AppenderOptions opts_;
  LogOptions log_opts_;
  int64_t record_limit_ = 0;
  std::vector<Partition> parts_;
  int64_t records_added_ = 0;
  int64_t records_appended_ = 0;
  bool failed_ = false;  // an append failed; the failed batch stays pending
};

}  // namespace klog
