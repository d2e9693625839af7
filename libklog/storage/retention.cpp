// LogWriter's deletion of old segments (retention, DeleteRecords) and the
// persisted log start offset. Deletion order, as klog-format(5) specifies:
//  1. klog.log-start is replaced (fsynced) with the new log start offset;
//  2. for each deleted segment, oldest first, the .log is unlinked (from
//     then on the segment no longer exists for readers and recovery), then
//     its .index, .timeindex and .xxh3;
//  3. the directory is fsynced;
//  4. klog.segments is replaced without the entries below the new start.
// A crash after 1 leaves segments below the start that the next call
// deletes; a crash inside 2 leaves companion files without a .log, which the
// next call removes (they are below the first segment's base). Entries of
// klog.segments below the persisted start never count as missing, so a crash
// before 4 reports nothing.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "klog/filename.h"
#include "klog/index.h"
#include "klog/segment.h"
#include "storage/log_start.h"
#include "storage/writer_impl.h"

namespace klog {

Result<int64_t> ReadLogStart(const std::string& dir) {
  std::string path = dir + "/" + std::string(kLogStartName);
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  Result<std::string> body = UnsealLine(text, path);
  if (!body.ok()) return body.status();
  constexpr std::string_view kPrefix = "klog-log-start 1 offset ";
  int64_t v = -1;
  const std::string& b = *body;
  if (b.compare(0, kPrefix.size(), kPrefix) == 0) {
    auto [ptr, ec] = std::from_chars(b.data() + kPrefix.size(), b.data() + b.size(), v);
    if (ec == std::errc() && ptr == b.data() + b.size() && v >= 0) return v;
  }
  return Status::Corruption(path + ": malformed log start offset");
}

Status WriteLogStart(const std::string& dir, int64_t offset) {
  std::string path = dir + "/" + std::string(kLogStartName);
  return ReplaceFileAtomically(path, SealLine("klog-log-start 1 offset " + std::to_string(offset)),
                               true);
}

int64_t LogStartOr(const std::string& dir, int64_t fallback) {
  Result<int64_t> v = ReadLogStart(dir);
  return v.ok() ? std::max(*v, fallback) : fallback;
}

namespace {

// Unlinks the segment's files, .log first (see the order above).
Status DeleteSegmentFiles(const std::string& dir, int64_t base) {
  for (std::string_view suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
    std::string path = SegmentPath(dir, base, suffix);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno("unlink " + path, errno);
    }
  }
  return Status::Ok();
}

// Removes index and digest files left by a crash below the first segment.
Status RemoveOrphans(const std::string& dir, int64_t first_base) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::FromErrno("opendir " + dir, errno);
  std::vector<int64_t> orphans;
  while (dirent* e = ::readdir(d)) {
    for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
      auto base = ParseSegmentName(e->d_name, suffix);
      if (base && *base < first_base) orphans.push_back(*base);
    }
  }
  ::closedir(d);
  for (int64_t base : orphans) KLOG_RETURN_IF_ERROR(DeleteSegmentFiles(dir, base));
  return Status::Ok();
}

// The sealed segment's largest timestamp: its time index's last entry, or
// the .log's mtime when it has no timestamps (as Kafka does).
Result<int64_t> LargestTimestamp(const std::string& dir, int64_t base) {
  auto last = LastTimeIndexEntry(SegmentPath(dir, base, kTimeIndexSuffix));
  if (last.ok() && *last && (*last)->timestamp >= 0) return (*last)->timestamp;
  std::string log = SegmentPath(dir, base, kLogSuffix);
  struct stat st;
  if (::stat(log.c_str(), &st) != 0) return Status::FromErrno("stat " + log, errno);
  return int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

struct SegmentSize {
  int64_t base;
  int64_t bytes;
};

// The sealed segments (all but the active one) with their sizes.
Status SealedSegments(const LogWriter::Impl& w, std::vector<SegmentSize>* out) {
  Result<std::vector<int64_t>> segs = ListSegments(w.dir);
  if (!segs.ok()) return segs.status();
  for (int64_t base : *segs) {
    if (base >= w.base) break;
    Result<int64_t> size = PathSize(SegmentPath(w.dir, base, kLogSuffix));
    if (!size.ok()) return size.status();
    out->push_back({base, *size});
  }
  return Status::Ok();
}

// Deletes the first `n` of `sealed` after persisting the new start offset.
Status DeleteOldest(LogWriter::Impl* w, const std::vector<SegmentSize>& sealed, size_t n,
                    int64_t new_start, RetentionResult* out) {
  bool raised = new_start > w->start_offset;
  if (raised) {
    w->Step("log-start");
    KLOG_RETURN_IF_ERROR(WriteLogStart(w->dir, new_start));
    w->start_offset = new_start;
    // The epoch covering the new start now begins there (Kafka's
    // truncateFromStart); Open() does the same after a crash here.
    if (w->epochs.TruncateFromStart(new_start)) KLOG_RETURN_IF_ERROR(PersistEpochs(w));
  }
  for (size_t i = 0; i < n; ++i) {
    w->Step("unlink");
    KLOG_RETURN_IF_ERROR(DeleteSegmentFiles(w->dir, sealed[i].base));
    out->deleted_segments++;
    out->deleted_bytes += sealed[i].bytes;
  }
  int64_t first_base = n < sealed.size() ? sealed[n].base : w->base;
  KLOG_RETURN_IF_ERROR(RemoveOrphans(w->dir, first_base));
  if (n > 0) KLOG_RETURN_IF_ERROR(SyncDir(w->dir));
  if (n > 0 || raised) {
    w->Step("list");
    KLOG_RETURN_IF_ERROR(DropListedBelow(w, w->start_offset));
  }
  out->log_start_offset = w->start_offset;
  return Status::Ok();
}

}  // namespace

Status LogWriter::EnforceRetention(int64_t retention_ms, int64_t retention_bytes,
                                   RetentionResult* out) {
  Impl& w = *impl_;
  *out = RetentionResult{};
  if (w.closed) return Status::InvalidArgument("retention on closed log " + w.dir);
  std::vector<SegmentSize> sealed;
  KLOG_RETURN_IF_ERROR(SealedSegments(w, &sealed));
  int64_t total = w.size;
  for (const SegmentSize& s : sealed) total += s.bytes;
  int64_t now = w.Now();
  size_t n = 0;
  for (; n < sealed.size(); ++n) {
    int64_t next_base = n + 1 < sealed.size() ? sealed[n + 1].base : w.base;
    bool below_start = next_base <= w.start_offset;
    bool too_big = retention_bytes >= 0 && total - sealed[n].bytes >= retention_bytes;
    bool too_old = false;
    if (!below_start && !too_big && retention_ms >= 0) {
      Result<int64_t> ts = LargestTimestamp(w.dir, sealed[n].base);
      if (!ts.ok()) return ts.status();
      too_old = now - *ts > retention_ms;
    }
    if (!below_start && !too_big && !too_old) break;
    total -= sealed[n].bytes;
  }
  int64_t new_start = n < sealed.size() ? sealed[n].base : w.base;
  return DeleteOldest(&w, sealed, n, std::max(new_start, w.start_offset), out);
}

Status LogWriter::TruncateBefore(int64_t offset, RetentionResult* out) {
  Impl& w = *impl_;
  *out = RetentionResult{};
  if (w.closed) return Status::InvalidArgument("truncate of closed log " + w.dir);
  if (offset > w.next_offset) {
    return Status::InvalidArgument("offset " + std::to_string(offset) +
                                   " is above the log end offset " + std::to_string(w.next_offset) +
                                   " of " + w.dir);
  }
  std::vector<SegmentSize> sealed;
  KLOG_RETURN_IF_ERROR(SealedSegments(w, &sealed));
  int64_t start = std::max(offset, w.start_offset);
  size_t n = 0;
  while (n < sealed.size() && (n + 1 < sealed.size() ? sealed[n + 1].base : w.base) <= start) ++n;
  return DeleteOldest(&w, sealed, n, start, out);
}

void LogWriter::UpdateOptions(const LogOptions& opts) {
  Impl& w = *impl_;
  w.opts.segment_bytes = opts.segment_bytes > 0 ? opts.segment_bytes : w.opts.segment_bytes;
  w.opts.segment_ms = opts.segment_ms > 0 ? opts.segment_ms : w.opts.segment_ms;
  w.opts.max_batch_bytes = opts.max_batch_bytes;
  w.opts.log_append_time = opts.log_append_time;
  w.opts.compacted = opts.compacted;
  if (opts.index_interval_bytes >= 0) w.opts.index_interval_bytes = opts.index_interval_bytes;
}

}  // namespace klog
