// LogWriter's suffix truncation (TruncateTo) and the reset of an empty log
// (ResetEmptyTo, whose order is at its definition). TruncateTo's order, as klog-format(5)
// specifies:
//  1. klog.truncate is written (fsynced) with the target offset: from then
//     on the truncation happens, if need be in the next Open();
//  2. klog.segments is rewritten without the entries from the segment that
//     holds the new end on;
//  3. the segments wholly above the new end are unlinked, newest first;
//  4. the segment holding the new end is cut at the first batch to go, its
//     indexes emptied (recovery rebuilds them) and its digest unlinked;
//  5. leader-epoch-checkpoint is rewritten without the epochs that begin
//     at or after the new end;
//  6. klog.truncate is unlinked.
// Every step after 1 can be taken again, so a crash anywhere leaves either
// the old log (before 1) or one that Open() makes the new log.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "klog/filename.h"
#include "klog/segment.h"
#include "storage/leader_epoch_checkpoint.h"
#include "storage/segment_list.h"
#include "storage/segment_scan.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

std::string MarkerPath(const std::string& dir) {
  return dir + "/" + std::string(kTruncateMarkerName);
}

Status Unlink(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink " + path, errno);
  }
  return Status::Ok();
}

// Where the log is cut: the segment holding the new end, the byte position
// of its first batch to go (its size when none goes) and the new end.
struct Cut {
  int64_t segment = 0;
  int64_t pos = 0;
  int64_t end = 0;
};

// Finds the cut for TruncateTo(offset) among the segments `segs` (sorted).
Result<Cut> FindCut(const std::string& dir, const std::vector<int64_t>& segs, int64_t offset) {
  auto above = std::upper_bound(segs.begin(), segs.end(), offset);
  if (above == segs.begin()) {
    return Status::InvalidArgument("offset " + std::to_string(offset) +
                                   " is below the first segment of " + dir);
  }
  Cut cut{*(above - 1), 0, *(above - 1)};
  std::string log = SegmentPath(dir, cut.segment, kLogSuffix);
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(log, O_RDONLY, &fd));
  Result<int64_t> size = FdSize(fd.get(), log);
  if (!size.ok()) return size.status();
  bool found = false;
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
    if (b.header.last_offset() >= offset) {
      cut.pos = b.position;
      found = true;
      return false;
    }
    cut.end = b.header.last_offset() + 1;
    return true;
  };
  int64_t valid_end = 0;
  Status st = ScanBatches(fd.get(), log, cut.segment, 0, *size, -1, false, fn, &valid_end);
  if (!st.ok()) return st;
  if (!found) cut.pos = valid_end;
  return cut;
}

// Step 2: klog.segments without the entries from `segment` on.
Status RewindList(const std::string& dir, int64_t segment) {
  Result<SegmentList> list = ReadSegmentList(dir);
  // Without a readable list there is nothing to rewind: Open() rebuilds it.
  if (!list.ok())
    return list.status().IsNotFound() || list.status().IsCorruption() ? Status::Ok()
                                                                      : list.status();
  size_t before = list->entries.size();
  std::erase_if(list->entries, [&](const SegmentListEntry& e) { return e.base >= segment; });
  if (list->entries.size() == before && !list->torn) return Status::Ok();
  return WriteSegmentList(dir, list->entries, true);
}

// Step 4: the segment cut at `cut.pos`, its indexes emptied, its digest gone.
Status CutSegment(const std::string& dir, const Cut& cut) {
  std::string log = SegmentPath(dir, cut.segment, kLogSuffix);
  for (std::string_view suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix}) {
    std::string path = SegmentPath(dir, cut.segment, suffix);
    UniqueFd fd;
    Status st = OpenFd(path, O_WRONLY, &fd);
    if (st.IsNotFound() && suffix != kLogSuffix) continue;
    KLOG_RETURN_IF_ERROR(st);
    int64_t len = suffix == kLogSuffix ? cut.pos : 0;
    if (::ftruncate(fd.get(), len) != 0) return Status::FromErrno("truncate " + path, errno);
    if (::fdatasync(fd.get()) != 0) return Status::FromErrno("fdatasync " + path, errno);
  }
  KLOG_RETURN_IF_ERROR(Unlink(SegmentPath(dir, cut.segment, kDigestSuffix)));
  return SyncDir(dir);
}

// Step 5, also when recovery finishes a truncation (the cache is not
// loaded then: the file is rewritten if it can be read, else Open()
// rebuilds it from the batches).
Status RewindEpochs(LogWriter::Impl* w, int64_t end) {
  if (!w->epochs_loaded) {
    Result<std::vector<LeaderEpochEntry>> read = ReadLeaderEpochCheckpoint(w->dir);
    if (!read.ok() || !w->epochs.Reset(*read)) return Status::Ok();
  }
  if (!w->epochs.TruncateFromEnd(end)) return Status::Ok();
  return PersistEpochs(w);
}

// Steps 2 to 6 for a truncation to `offset` whose marker is written.
Status ApplyTruncation(LogWriter::Impl* w, int64_t offset) {
  Result<std::vector<int64_t>> segs = ListSegments(w->dir);
  if (!segs.ok()) return segs.status();
  Result<Cut> cut = FindCut(w->dir, *segs, offset);
  if (!cut.ok()) return cut.status().WithContext("truncate " + w->dir);
  w->Step("truncate-list");
  KLOG_RETURN_IF_ERROR(RewindList(w->dir, cut->segment));
  for (auto it = segs->rbegin(); it != segs->rend() && *it > cut->segment; ++it) {
    w->Step("truncate-unlink");
    for (std::string_view suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
      KLOG_RETURN_IF_ERROR(Unlink(SegmentPath(w->dir, *it, suffix)));
    }
  }
  w->Step("truncate-cut");
  KLOG_RETURN_IF_ERROR(CutSegment(w->dir, *cut));
  w->Step("truncate-epochs");
  KLOG_RETURN_IF_ERROR(RewindEpochs(w, cut->end));
  w->Step("truncate-unmark");
  KLOG_RETURN_IF_ERROR(Unlink(MarkerPath(w->dir)));
  return SyncDir(w->dir);
}

Result<int64_t> ReadMarker(const std::string& dir) {
  std::string path = MarkerPath(dir);
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  Result<std::string> body = UnsealLine(text, path);
  if (!body.ok()) return body.status();
  constexpr std::string_view kPrefix = "klog-truncate 1 offset ";
  const std::string& b = *body;
  int64_t v = -1;
  if (b.compare(0, kPrefix.size(), kPrefix) == 0) {
    auto [ptr, ec] = std::from_chars(b.data() + kPrefix.size(), b.data() + b.size(), v);
    if (ec == std::errc() && ptr == b.data() + b.size() && v >= 0) return v;
  }
  return Status::Corruption(path + ": malformed truncation marker");
}

// After a failed truncation the writer takes no more calls: the next
// Open() finishes the truncation from the marker.
Status Abandon(LogWriter::Impl* w, const Status& st) {
  w->closed = true;
  w->log_fd.Reset();
  w->index_fd.Reset();
  w->time_fd.Reset();
  w->lock.Release();
  w->dir_lock.Release();
  return st.WithContext("truncate " + w->dir + " (the next open finishes it)");
}

}  // namespace

Status RecoverTruncation(LogWriter::Impl* w) {
  Result<int64_t> offset = ReadMarker(w->dir);
  if (!offset.ok()) return offset.status().IsNotFound() ? Status::Ok() : offset.status();
  w->Warn(MarkerPath(w->dir) + ": finishing the truncation to offset " + std::to_string(*offset) +
          " a crash interrupted");
  w->epochs_loaded = false;
  return ApplyTruncation(w, *offset);
}

Status LogWriter::TruncateTo(int64_t offset) {
  Impl& w = *impl_;
  if (w.closed) return Status::InvalidArgument("truncate of closed log " + w.dir);
  if (offset >= w.next_offset) return Status::Ok();
  std::string what = "truncate " + w.dir + " to offset " + std::to_string(offset);
  if (offset < w.start_offset) {
    return Status::InvalidArgument(what + ": below the log start offset " +
                                   std::to_string(w.start_offset));
  }
  Result<std::vector<int64_t>> segs = ListSegments(w.dir);
  if (!segs.ok()) return segs.status();
  Result<Cut> cut = FindCut(w.dir, *segs, offset);
  if (!cut.ok()) return cut.status().WithContext(what);
  if (cut->end < w.start_offset) {
    return Status::InvalidArgument(what + ": the batch holding it begins below the log start " +
                                   "offset " + std::to_string(w.start_offset));
  }
  w.Step("truncate-mark");
  KLOG_RETURN_IF_ERROR(ReplaceFileAtomically(
      MarkerPath(w.dir), SealLine("klog-truncate 1 offset " + std::to_string(offset)), true));
  w.log_fd.Reset();
  w.index_fd.Reset();
  w.time_fd.Reset();
  Status st = ApplyTruncation(&w, offset);
  if (st.ok()) st = RecoverPartition(&w);
  if (!st.ok()) return Abandon(&w, st);
  return Status::Ok();
}

// ResetEmptyTo's order: klog.segments emptied, klog.log-start unlinked (the
// log starts at its segment's base again), leader-epoch-checkpoint emptied,
// the active segment's index files unlinked, its .log renamed after
// `offset`; then Open()'s own rules make the missing index files. A crash
// before the rename leaves the old empty log, after it the new one.
Status LogWriter::ResetEmptyTo(int64_t offset) {
  Impl& w = *impl_;
  if (w.closed) return Status::InvalidArgument("reset of closed log " + w.dir);
  std::string what = "reset " + w.dir + " to offset " + std::to_string(offset);
  if (offset < 0) return Status::InvalidArgument(what + ": negative offset");
  Result<std::vector<int64_t>> segs = ListSegments(w.dir);
  if (!segs.ok()) return segs.status();
  if (w.size != 0 || w.next_offset != w.start_offset || segs->size() != 1 ||
      segs->front() != w.base) {
    return Status::InvalidArgument(what + ": the log is not empty (offsets " +
                                   std::to_string(w.start_offset) + " to " +
                                   std::to_string(w.next_offset) + ")");
  }
  bool clear_epochs = !w.epochs.entries().empty();
  if (offset == w.base) {
    w.epochs = LeaderEpochCache();
    return clear_epochs ? PersistEpochs(&w) : Status::Ok();
  }
  w.Step("reset-list");
  if (w.list_exists) KLOG_RETURN_IF_ERROR(WriteSegmentList(w.dir, {}, true));
  w.list_end = -1;
  w.Step("reset-start");
  KLOG_RETURN_IF_ERROR(Unlink(w.dir + "/" + std::string(kLogStartName)));
  w.Step("reset-epochs");
  w.epochs = LeaderEpochCache();
  if (clear_epochs) KLOG_RETURN_IF_ERROR(PersistEpochs(&w));
  w.Step("reset-unlink");
  w.index_fd.Reset();
  w.time_fd.Reset();
  KLOG_RETURN_IF_ERROR(Unlink(SegmentPath(w.dir, w.base, kIndexSuffix)));
  KLOG_RETURN_IF_ERROR(Unlink(SegmentPath(w.dir, w.base, kTimeIndexSuffix)));
  w.Step("reset-rename");
  std::string to = SegmentPath(w.dir, offset, kLogSuffix);
  if (::rename(w.log_path.c_str(), to.c_str()) != 0) {
    return Abandon(&w, Status::FromErrno("rename " + w.log_path + " to " + to, errno));
  }
  Status st = w.OpenActive(offset, false);
  if (st.ok()) st = SyncDir(w.dir);
  if (!st.ok()) return Abandon(&w, st);
  w.next_offset = w.start_offset = offset;
  w.last_batch_pos = -1;
  w.roll_ts = -1;
  w.hash = std::make_unique<Xxh3Stream>();
  return Status::Ok();
}

}  // namespace klog
