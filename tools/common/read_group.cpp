// klog-read --group in local mode: see read_group.h. One libuv loop: an
// inotify watch per owned partition directory (as in follow.cpp), a 500 ms
// rebalance timer, a commit timer, the two signals, and an idle handle that
// prints pending partitions about kPumpBytes at a time, so that timers and
// signals are served between chunks even while a large backlog is printed.
// The commit (a small file write with fdatasync) runs on the loop thread:
// this loop serves one consumer, and nothing is printed while it commits.
#include "read_group.h"

#include <uv.h>

#include <algorithm>
#include <map>
#include <memory>

#include "cli.h"
#include "klog/group.h"
#include "klog/topic.h"

namespace klog::cli {
namespace {

constexpr uint64_t kRebalanceMs = 500;
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
  bool pending = true;       // may have records not yet printed
  bool refresh = true;       // re-read the segment list before the next read
  int64_t flushed_next = 0;  // cursor.next as of the last successful flush
  int64_t committed = -1;    // last offset committed by this member
};

void CloseWatch(Watch* w) {
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle),
           [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
}

class GroupReader {
 public:
  GroupReader(const ReadOptions& opts, const GroupReadOptions& g)
      : opts_(opts), g_(g), out_(Stdout()), printer_(opts, out_), store_(opts.data_dir) {
    if (opts.count) remaining_ = *opts.count;
  }
  Status Run();
  void OnWatch(Watch* w, int status);
  void OnRebalance();
  void OnPump();
  void OnCommitTimer() { Keep(CommitAll()); }
  void Stop() { uv_stop(&loop_); }

 private:
  Status Start();
  Status Rebalance();
  Status Add(int32_t partition, const GroupOffsets& committed);
  Status ReleasePartition(int32_t partition);
  Status Pump(Owned& o);
  Status PrintBatch(PartitionCursor& c, std::span<const uint8_t> batch);
  void MarkPending(Owned& o);
  // Flushes stdout; on success what was printed becomes committable.
  void FlushOutput();
  Status CommitAll();
  Status CommitSome(const std::vector<int32_t>& partitions);
  // True when nothing more will be printed: -c reached, stdout failed, or
  // every owned partition at --until.
  bool Finished() const;
  // Records the first error and stops the loop; stops it too when finished.
  void Keep(Status st);
  void Shutdown();

  const ReadOptions& opts_;
  const GroupReadOptions& g_;
  Output& out_;
  RecordPrinter printer_;
  GroupStore store_;
  std::unique_ptr<GroupMember> member_;
  int32_t partitions_ = 0;
  int64_t remaining_ = -1;  // records left for -c; -1 = unlimited
  std::map<int32_t, Owned> owned_;
  uv_loop_t loop_;
  uv_timer_t rebalance_timer_, commit_timer_;
  uv_signal_t sigint_, sigterm_;
  uv_idle_t pump_;
  Status error_;
};

void GroupReader::MarkPending(Owned& o) {
  o.pending = o.refresh = true;
  uv_idle_start(&pump_, [](uv_idle_t* h) { static_cast<GroupReader*>(h->data)->OnPump(); });
}

void GroupReader::OnWatch(Watch* w, int status) {
  auto it = owned_.find(w->partition);
  if (it == owned_.end() || it->second.watch != w) return;  // released meanwhile
  if (status < 0) {
    Keep(Status::IOError("watch " + it->second.cursor.reader->dir() + ": " + uv_strerror(status)));
    return;
  }
  MarkPending(it->second);
}

bool GroupReader::Finished() const {
  if (remaining_ == 0 || !out_.ok()) return true;
  return !owned_.empty() && std::all_of(owned_.begin(), owned_.end(),
                                        [](const auto& e) { return e.second.cursor.done; });
}

void GroupReader::Keep(Status st) {
  if (!st.ok() && error_.ok()) error_ = st;
  if (!error_.ok() || Finished()) Stop();
}

void GroupReader::FlushOutput() {
  if (!out_.Flush()) return;
  for (auto& [p, o] : owned_) o.flushed_next = o.cursor.next;
}

Status GroupReader::CommitSome(const std::vector<int32_t>& partitions) {
  GroupOffsets updates;
  for (int32_t p : partitions) {
    auto it = owned_.find(p);
    if (it == owned_.end() || it->second.flushed_next == it->second.committed) continue;
    updates[{opts_.topic, p}] = CommittedOffset{it->second.flushed_next, "", 0};
  }
  if (updates.empty()) return Status::Ok();
  KLOG_RETURN_IF_ERROR(store_.Commit(g_.group, updates));
  for (auto& [tp, c] : updates) owned_[tp.second].committed = c.offset;
  return Status::Ok();
}

Status GroupReader::CommitAll() {
  FlushOutput();
  std::vector<int32_t> all;
  for (auto& [p, o] : owned_) all.push_back(p);
  return CommitSome(all);
}

Status GroupReader::PrintBatch(PartitionCursor& c, std::span<const uint8_t> batch) {
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(batch, &h));
  if (h.last_offset() < c.next) return Status::Ok();
  if (h.is_control()) {
    c.next = h.last_offset() + 1;
    return Status::Ok();
  }
  KLOG_RETURN_IF_ERROR(c.records.Reset(batch));
  RecordView r;
  while (c.records.Next(&r)) {
    if (r.offset < c.next) continue;
    if (opts_.until) {
      bool by_ts = opts_.until->kind == OffsetSpec::Kind::kTimestamp;
      if ((by_ts ? r.timestamp : r.offset) >= opts_.until->value) {
        c.done = true;
        return Status::Ok();
      }
    }
    printer_.Print(c.partition, r);
    c.next = r.offset + 1;
    if (remaining_ > 0 && --remaining_ == 0) return Status::Ok();
  }
  KLOG_RETURN_IF_ERROR(c.records.status());
  c.next = std::max(c.next, h.last_offset() + 1);
  return Status::Ok();
}

Status GroupReader::Pump(Owned& o) {
  PartitionCursor& c = o.cursor;
  if (o.refresh) {
    KLOG_RETURN_IF_ERROR(c.reader->Refresh());
    o.refresh = false;
  }
  auto chunk = c.reader->Next(kPumpBytes);
  if (!chunk.ok()) return chunk.status();
  std::span<const uint8_t> bytes = *chunk;
  if (bytes.empty()) o.pending = false;
  while (!bytes.empty() && !c.done && !Finished()) {
    auto size = NextBatchSize(bytes);
    if (!size.ok()) return size.status();
    if (*size == 0) break;  // the reader returns whole batches; be safe anyway
    KLOG_RETURN_IF_ERROR(PrintBatch(c, bytes.subspan(0, *size)));
    bytes = bytes.subspan(*size);
  }
  if (c.done) o.pending = false;
  return Status::Ok();
}

void GroupReader::OnPump() {
  Status st;
  bool any = false;
  for (auto& [p, o] : owned_) {
    if (!o.pending) continue;
    st = Pump(o);
    if (!st.ok() || Finished()) break;
    any = any || o.pending;
  }
  FlushOutput();
  if (st.ok() && g_.commit_interval_ms == 0) st = CommitAll();
  if (!any) {
    uv_idle_stop(&pump_);
    if (g_.until_end) Stop();  // every owned partition is at its end
  }
  Keep(st);
}

Status GroupReader::Add(int32_t partition, const GroupOffsets& committed) {
  auto reader = LogReader::Open(DataDir(opts_.data_dir).PartitionPath(opts_.topic, partition));
  if (!reader.ok()) return reader.status();
  Owned& o = owned_[partition];
  PartitionCursor& c = o.cursor;
  c.partition = partition;
  c.reader = std::move(*reader);
  auto it = committed.find({opts_.topic, partition});
  if (it != committed.end()) {
    c.next = std::max(it->second.offset, c.reader->start_offset());
    o.committed = it->second.offset;
  } else {
    auto start = ResolveStartOffset(opts_.start, *c.reader);
    if (!start.ok()) return start.status();
    c.next = *start;
  }
  KLOG_RETURN_IF_ERROR(c.reader->Seek(c.next));
  o.flushed_next = c.next;
  o.watch = new Watch();
  o.watch->reader = this;
  o.watch->partition = partition;
  uv_fs_event_init(&loop_, &o.watch->handle);
  o.watch->handle.data = o.watch;
  auto on_event = [](uv_fs_event_t* h, const char*, int, int status) {
    auto* w = static_cast<Watch*>(h->data);
    w->reader->OnWatch(w, status);
  };
  int rc = uv_fs_event_start(&o.watch->handle, on_event, c.reader->dir().c_str(), 0);
  if (rc < 0) return Status::IOError("watch " + c.reader->dir() + ": " + uv_strerror(rc));
  // Records appended before the watch started are not announced: read them.
  MarkPending(o);
  return Status::Ok();
}

Status GroupReader::ReleasePartition(int32_t partition) {
  auto it = owned_.find(partition);
  if (it == owned_.end()) return Status::Ok();
  FlushOutput();
  // The next owner starts where this member's printed output ends.
  KLOG_RETURN_IF_ERROR(CommitSome({partition}));
  CloseWatch(it->second.watch);
  owned_.erase(it);
  member_->Release(partition);
  return Status::Ok();
}

Status GroupReader::Rebalance() {
  Result<int> live = member_->CountLive();
  if (!live.ok()) return live.status();
  int32_t share = GroupMember::Share(partitions_, *live);
  for (int32_t p : member_->Surplus(share)) KLOG_RETURN_IF_ERROR(ReleasePartition(p));
  auto got = member_->AcquireFree(share);
  if (!got.ok()) return got.status();
  if (got->empty()) return Status::Ok();
  // Read after taking the leases: the previous owner committed before releasing.
  auto committed = store_.ReadOffsets(g_.group);
  if (!committed.ok()) return committed.status();
  for (int32_t p : *got) KLOG_RETURN_IF_ERROR(Add(p, *committed));
  return Status::Ok();
}

void GroupReader::OnRebalance() {
  Status st = Rebalance();
  // A periodic look at every partition, in case an inotify event was missed.
  for (auto& [p, o] : owned_) {
    if (!o.cursor.done) MarkPending(o);
  }
  if (st.ok() && g_.until_end && owned_.empty()) Stop();  // nothing to read
  Keep(st);
}

Status GroupReader::Start() {
  auto info = DataDir(opts_.data_dir).DescribeTopic(opts_.topic);
  if (!info.ok()) {
    if (info.status().IsNotFound()) {
      return Status::NotFound("topic '" + opts_.topic + "' does not exist");
    }
    return info.status();
  }
  partitions_ = info->partitions;
  auto member = GroupMember::Join(opts_.data_dir, g_.group, opts_.topic, partitions_);
  if (!member.ok()) return member.status();
  member_ = std::move(*member);
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sigterm_);
  uv_timer_init(&loop_, &rebalance_timer_);
  uv_timer_init(&loop_, &commit_timer_);
  uv_idle_init(&loop_, &pump_);
  sigint_.data = sigterm_.data = rebalance_timer_.data = commit_timer_.data = pump_.data = this;
  auto on_signal = [](uv_signal_t* h, int) { static_cast<GroupReader*>(h->data)->Stop(); };
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  uv_timer_start(
      &rebalance_timer_, [](uv_timer_t* h) { static_cast<GroupReader*>(h->data)->OnRebalance(); },
      0, kRebalanceMs);
  if (g_.commit_interval_ms > 0) {
    uint64_t every = uint64_t(g_.commit_interval_ms);
    uv_timer_start(
        &commit_timer_, [](uv_timer_t* h) { static_cast<GroupReader*>(h->data)->OnCommitTimer(); },
        every, every);
  }
  return Status::Ok();
}

void GroupReader::Shutdown() {
  Status st = CommitAll();
  if (!st.ok() && error_.ok()) error_ = st;
  for (auto& [p, o] : owned_) {
    if (o.watch != nullptr) CloseWatch(o.watch);
  }
  owned_.clear();
  if (member_) member_->Leave();
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);  // runs the close callbacks
  uv_loop_close(&loop_);
}

Status GroupReader::Run() {
  int rc = uv_loop_init(&loop_);
  if (rc < 0) return Status::IOError(std::string("uv_loop_init: ") + uv_strerror(rc));
  Status st = Start();
  if (st.ok()) uv_run(&loop_, UV_RUN_DEFAULT);
  if (!st.ok() && error_.ok()) error_ = st;
  Shutdown();
  return error_;
}

}  // namespace

int RunReadGroup(const ReadOptions& opts, const GroupReadOptions& group) {
  Status st = ValidateGroupName(group.group);
  if (!st.ok()) return UsageError("--group: " + st.message());
  GroupReader reader(opts, group);
  st = reader.Run();
  if (!st.ok()) return Fail(st);
  return kExitOk;
}

}  // namespace klog::cli
