// klog-read's work after flag parsing: a cursor per selected partition,
// records printed in the chosen output mode, optionally following the log
// as it grows (see follow.h). Contract in klog-read(1).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/format.h"
#include "cli/offset_spec.h"
#include "cli/output.h"
#include "cli/tool.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/status.h"

namespace klog::cli::local {

struct ReadOptions {
  enum class Mode { kValue, kFormat, kJson };
  std::string data_dir;
  std::string topic;
  std::vector<int32_t> partitions;  // empty = all
  OffsetSpec start;
  std::optional<OffsetSpec> until;
  bool follow = false;
  std::optional<int64_t> count;
  Mode mode = Mode::kValue;
  std::optional<RecordFormat> format;  // for kFormat
  std::string delimiter = "\n";        // for kValue

  // True when a record at `offset` with `timestamp` is at or past --until
  // (which is by offset or by time): reading that partition stops there.
  bool ReachedUntil(int64_t offset, int64_t timestamp) const {
    if (!until) return false;
    bool by_ts = until->kind == OffsetSpec::Kind::kTimestamp;
    return (by_ts ? timestamp : offset) >= until->value;
  }
};

// Prints records in the chosen mode; no allocation per record.
class RecordPrinter {
 public:
  RecordPrinter(const ReadOptions& opts, Output& out) : opts_(opts), out_(out) {}
  void Print(int32_t partition, const RecordView& r) {
    switch (opts_.mode) {
      case ReadOptions::Mode::kValue:
        if (r.value) out_.Write(*r.value);
        out_.Write(opts_.delimiter);
        break;
      case ReadOptions::Mode::kFormat:
        opts_.format->Render(opts_.topic, partition, r, out_);
        break;
      case ReadOptions::Mode::kJson:
        PrintJson(partition, r);
        break;
    }
  }

 private:
  void PrintJson(int32_t partition, const RecordView& r);
  const ReadOptions& opts_;
  Output& out_;
};

// One partition being read: where to continue and when to stop.
struct PartitionCursor {
  int32_t partition = 0;
  std::unique_ptr<LogReader> reader;
  int64_t next = 0;        // first offset not yet printed or skipped
  bool done = false;       // reached --until
  RecordIterator records;  // reused across batches
};

// Shared state of one klog-read run.
class ReadSession {
 public:
  // Diagnostics go through `tool`, records to `out`.
  ReadSession(const Tool& tool, const ReadOptions& opts, Output& out)
      : tool_(tool), opts_(opts), out_(out), printer_(opts, out) {
    if (opts.count) remaining_ = *opts.count;
  }
  // Opens a cursor per selected partition and positions it.
  Status Open();
  // Prints what is available in `c` now (after reader->Refresh() if asked).
  Status Drain(PartitionCursor& c, bool refresh);
  // True when nothing more will be printed: count reached, every partition
  // at --until, or stdout failed.
  bool finished() const;
  std::vector<std::unique_ptr<PartitionCursor>>& cursors() { return cursors_; }
  Output& out() { return out_; }

 private:
  Status DrainBatch(PartitionCursor& c, std::span<const uint8_t> batch);

  const Tool& tool_;
  const ReadOptions& opts_;
  Output& out_;
  RecordPrinter printer_;
  std::vector<std::unique_ptr<PartitionCursor>> cursors_;
  int64_t remaining_ = -1;  // records left for -c; -1 = unlimited
};

// Runs klog-read and returns the exit code (diagnostics already printed).
int RunRead(Tool& tool, const ReadOptions& opts);

}  // namespace klog::cli::local
