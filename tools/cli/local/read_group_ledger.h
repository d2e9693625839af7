// Which partition offsets the bytes of klog-read --group's output stand for.
// Records are printed into a deferred Output (output.h) faster than a slow
// reader takes them; the ledger keeps, for every record printed and not yet
// written, where its bytes end in the output stream and the next offset of
// its partition. Retire(written) turns "bytes written to stdout" into
// "offsets written" per partition: exactly what the member may commit.
// A record cut in two by an interrupted write counts as not written.
// Loop thread only. No allocation per record: entries are reserved up front,
// and full() tells the printer to write before it prints more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cli/output.h"

namespace klog::cli::local {

class PrintLedger {
 public:
  static constexpr size_t kCapacity = size_t(1) << 15;

  // `partitions`: the topic's partition count; `start`: out.end() now.
  PrintLedger(int32_t partitions, uint64_t start);

  // The member took `partition`; everything before `next` counts as written.
  void Start(int32_t partition, int64_t next) { written_next_[size_t(partition)] = next; }
  // The bytes up to stream position `end` belong to `partition` and carry it
  // to `next` (after a record, or a skipped control batch with no bytes).
  void Add(int32_t partition, int64_t next, uint64_t end) {
    entries_.push_back(Entry{end, next, partition});
  }
  bool full() const { return entries_.size() - head_ >= kCapacity; }

  // Entries ending at or before stream position `written` are written.
  void Retire(uint64_t written);
  // The offset after the last record of `partition` written so far.
  int64_t written_next(int32_t partition) const { return written_next_[size_t(partition)]; }

  // The member gives `partition` up: its records not yet begun are removed
  // from `out` with their entries. One already partly written stays (its
  // bytes must be completed) but no longer counts for the partition.
  void Drop(int32_t partition, Output& out);

 private:
  struct Entry {
    uint64_t end;       // stream position after the record's bytes
    int64_t next;       // its partition's next offset
    int32_t partition;  // kNone once the partition was dropped
  };
  static constexpr int32_t kNone = -1;

  std::vector<Entry> entries_;  // entries_[head_, size) are not yet written
  size_t head_ = 0;
  uint64_t base_;  // where entries_[head_] starts: the end of the last retired one
  std::vector<int64_t> written_next_;
};

}  // namespace klog::cli::local
