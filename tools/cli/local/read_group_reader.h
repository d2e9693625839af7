// The local group member behind klog-read --group (read_group.h), shared by
// read_group.cpp (membership, rebalancing, commits, lifecycle) and
// read_group_print.cpp (printing and writing stdout).
//
// One libuv loop on the process's only thread: an inotify watch per owned
// partition directory, a 500 ms rebalance timer, a commit timer, SIGINT and
// SIGTERM, and an idle handle that prints pending partitions. Nothing in the
// loop waits for the reader of stdout: records are printed into stdout's
// buffer in deferred mode (output.h) and written with WriteSome() under a
// WriteAlarm, so a write blocked on a full pipe returns within
// kWriteAlarmMs; each turn of the idle handle also stops printing after
// kSliceMs. Timers and signals are therefore served every ~100 ms whatever
// stdout does. A PrintLedger maps the bytes that reached stdout to offsets:
// only those are committed, and a partition given up takes its unwritten
// records out of the buffer. The commit (a small file write with fdatasync)
// runs on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "cli/local/read_cmd.h"
#include "cli/local/read_group.h"
#include "cli/local/read_group_ledger.h"
#include "cli/output.h"
#include "klog/group.h"

namespace klog::cli::local::group_read {

constexpr uint64_t kRebalanceMs = 500;
constexpr int kWriteAlarmMs = 100;
constexpr uint64_t kSliceMs = 100;
constexpr size_t kPumpBytes = size_t(1) << 20;

class GroupReader;

// The inotify watch of one owned partition. Freed in its close callback.
struct Watch {
  uv_fs_event_t handle;
  GroupReader* reader = nullptr;
  int32_t partition = 0;
};

// An owned partition: its cursor, watch and offsets.
struct Owned {
  PartitionCursor cursor;
  Watch* watch = nullptr;
  bool pending = true;     // may have records not yet printed
  bool refresh = true;     // re-read the segment list before the next read
  bool reseek = false;     // printing stopped inside a chunk: Seek(cursor.next) first
  int64_t committed = -1;  // last offset committed by this member
};

class GroupReader {
 public:
  // `tool` prints diagnostics and gives the stdout written in deferred mode.
  GroupReader(Tool& tool, const ReadOptions& opts, const GroupReadOptions& g);
  // Runs the loop until a signal, an error or the end; commits and leaves.
  Status Run();

  // Loop callbacks.
  void OnWatch(Watch* w, int status);
  void OnRebalance();
  void OnPump();
  void OnCommitTimer() { Keep(CommitAll()); }
  void Stop() { uv_stop(&loop_); }

 private:
  // read_group.cpp
  Status Start();
  Status StartOutput();
  Status Rebalance();
  Status Add(int32_t partition, const GroupOffsets& committed);
  Status ReleasePartition(int32_t partition);
  Status CommitAll();
  Status CommitSome(const std::vector<int32_t>& partitions);
  // True when nothing more will be printed: -c reached, stdout failed, or
  // every owned partition at --until.
  bool Finished() const;
  // Records the first error and stops the loop; stops it too once finished
  // and everything printed is written.
  void Keep(Status st);
  void Shutdown();
  void MarkPending(Owned& o);

  // read_group_print.cpp
  // Prints from the pending partitions, round robin, until stdout does not
  // take more, the slice is over or nothing is pending.
  Status Fill();
  Status Pump(Owned& o, bool* stopped);
  // Prints `batch` from c.next on; *whole = false if it stopped before the
  // end because stdout is blocked (c.next is then the first record not printed).
  Status PrintBatch(PartitionCursor& c, std::span<const uint8_t> batch, bool* whole);
  // True if the buffer has room for another record, writing it out first if
  // needed; false if stdout did not take it all or the slice is over.
  bool MakeRoom();
  // Writes what is buffered, bounded by the alarm; retires written records
  // from the ledger. Returns true (and clears blocked_) if all was written.
  bool WriteOutput();
  bool SliceOver() const { return uv_hrtime() > slice_end_ns_; }

  const Tool& tool_;
  const ReadOptions& opts_;
  const GroupReadOptions& g_;
  Output& out_;
  RecordPrinter printer_;
  GroupStore store_;
  std::unique_ptr<GroupMember> member_;
  std::unique_ptr<PrintLedger> ledger_;
  std::unique_ptr<WriteAlarm> alarm_;  // null when stdout is a regular file
  int32_t partitions_ = 0;
  int32_t share_ = 0;
  int64_t remaining_ = -1;  // records left for -c; -1 = unlimited
  std::map<int32_t, Owned> owned_;
  int32_t last_pumped_ = -1;  // Fill() starts after this partition
  bool blocked_ = false;      // the last write did not take everything
  uint64_t slice_end_ns_ = 0;
  uv_loop_t loop_;
  uv_timer_t rebalance_timer_, commit_timer_;
  uv_signal_t sigint_, sigterm_;
  uv_idle_t pump_;
  Status error_;
};

}  // namespace klog::cli::local::group_read
