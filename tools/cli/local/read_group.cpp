// klog-read --group in local mode: membership, rebalancing, commits and the
// loop's lifecycle. The loop, and why it never waits for stdout, are
// described in read_group_reader.h; printing is in read_group_print.cpp.
#include "cli/local/read_group.h"

#include <sys/stat.h>

#include <algorithm>

#include "cli/cli.h"
#include "cli/local/read_group_reader.h"
#include "klog/topic.h"

namespace klog::cli::local {
namespace group_read {
namespace {

void CloseWatch(Watch* w) {
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle),
           [](uv_handle_t* h) { delete static_cast<Watch*>(h->data); });
}

}  // namespace

GroupReader::GroupReader(Tool& tool, const ReadOptions& opts, const GroupReadOptions& g)
    : tool_(tool),
      opts_(opts),
      g_(g),
      out_(tool.out()),
      printer_(opts, out_),
      store_(opts.data_dir) {
  if (opts.count) remaining_ = *opts.count;
}

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
  if (!error_.ok() || !out_.ok() || (Finished() && out_.buffered() == 0)) Stop();
}

Status GroupReader::CommitSome(const std::vector<int32_t>& partitions) {
  GroupOffsets updates;
  for (int32_t p : partitions) {
    auto it = owned_.find(p);
    if (it == owned_.end()) continue;
    int64_t next = ledger_->written_next(p);
    if (next == it->second.committed) continue;
    updates[{opts_.topic, p}] = CommittedOffset{next, "", 0};
  }
  if (updates.empty()) return Status::Ok();
  KLOG_RETURN_IF_ERROR(store_.Commit(g_.group, updates));
  for (auto& [tp, c] : updates) owned_[tp.second].committed = c.offset;
  return Status::Ok();
}

Status GroupReader::CommitAll() {
  std::vector<int32_t> all;
  for (auto& [p, o] : owned_) all.push_back(p);
  return CommitSome(all);
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
    auto start = ResolveStartOffset(tool_, opts_.start, *c.reader);
    if (!start.ok()) return start.status();
    c.next = *start;
  }
  KLOG_RETURN_IF_ERROR(c.reader->Seek(c.next));
  ledger_->Start(partition, c.next);
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
  // What stdout has not taken is not printed: the next owner starts where
  // this member's written output of the partition ends.
  ledger_->Drop(partition, out_);
  KLOG_RETURN_IF_ERROR(CommitSome({partition}));
  CloseWatch(it->second.watch);
  owned_.erase(it);
  member_->Release(partition);
  return Status::Ok();
}

Status GroupReader::Rebalance() {
  Result<int> live = member_->CountLive();
  if (!live.ok()) return live.status();
  share_ = GroupMember::Share(partitions_, *live);
  for (int32_t p : member_->Surplus(share_)) KLOG_RETURN_IF_ERROR(ReleasePartition(p));
  auto got = member_->AcquireFree(share_);
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
  if (st.ok() && g_.until_end && owned_.empty() && out_.buffered() == 0) {
    // Nothing to read unless a member holding more than its share will give
    // some up (it does within a rebalance period): wait for that.
    Result<bool> gain = member_->MayGain(share_);
    if (!gain.ok()) {
      st = gain.status();
    } else if (!*gain) {
      Stop();
    }
  }
  Keep(st);
}

Status GroupReader::StartOutput() {
  out_.set_deferred(true);
  ledger_ = std::make_unique<PrintLedger>(partitions_, out_.end());
  struct stat st;
  if (::fstat(1, &st) == 0 && S_ISREG(st.st_mode)) return Status::Ok();  // never blocks
  auto alarm = WriteAlarm::Create(kWriteAlarmMs);
  if (!alarm.ok()) return alarm.status();
  alarm_ = std::move(*alarm);
  return Status::Ok();
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
  KLOG_RETURN_IF_ERROR(StartOutput());
  auto member = GroupMember::Join(opts_.data_dir, g_.group, opts_.topic, partitions_);
  if (!member.ok()) return member.status();
  member_ = std::move(*member);
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sigterm_);
  uv_timer_init(&loop_, &rebalance_timer_);
  uv_timer_init(&loop_, &commit_timer_);
  uv_idle_init(&loop_, &pump_);
  sigint_.data = sigterm_.data = rebalance_timer_.data = commit_timer_.data = pump_.data = this;
  // libuv restarts a write the signal lands in; the write alarm ends it.
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
  // One last write, bounded by the alarm like every other: what stdout takes
  // is printed and committed; the rest is dropped and left to the next owner.
  if (out_.ok()) WriteOutput();
  Status st = ledger_ ? CommitAll() : Status::Ok();
  if (!st.ok() && error_.ok()) error_ = st;
  out_.Discard();
  out_.set_deferred(false);
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
  alarm_.reset();
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

}  // namespace group_read

int RunReadGroup(Tool& tool, const ReadOptions& opts, const GroupReadOptions& group) {
  Status st = ValidateGroupName(group.group);
  if (!st.ok()) return tool.UsageError("--group: " + st.message());
  group_read::GroupReader reader(tool, opts, group);
  st = reader.Run();
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

}  // namespace klog::cli::local
