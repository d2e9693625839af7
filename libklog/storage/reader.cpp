// LogReader: reads whole batches with pread(2) while a writer (in this or
// another process) appends, rolls and, after a crash, truncates. No mmap, so a
// truncation can never fault a reader; a short read is "not yet written".
//
// The cleaner may replace sealed segments under a reader (klog-format(5),
// "Compaction"): a cleaned segment takes the name of its first source and the
// other sources are unlinked. The cursor therefore remembers the next offset
// it owes, keeps reading the file it has open (the old generation) to its
// end, and then finds its place again by offset whenever the file it read is
// no longer the one at its path, the next segment is gone, or the next
// segment starts below that offset. Batches below it are skipped, so offsets
// only increase. One stat(2) per segment transition; none per batch.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <vector>

#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/filename.h"
#include "klog/segment.h"
#include "storage/log_start.h"
#include "storage/reader_impl.h"

namespace klog {

namespace reader_internal {

int64_t IndexedStart(const std::string& dir, const Segment& s, int64_t target) {
  if (target - s.base > INT32_MAX) return 0;
  auto entry = SearchOffsetIndex(SegmentPath(dir, s.base, kIndexSuffix),
                                 int32_t(std::max<int64_t>(target - s.base, 0)));
  if (!entry.ok() || !*entry || (*entry)->position >= s.size) return 0;
  return (*entry)->position;
}

}  // namespace reader_internal

namespace {

using reader_internal::FileId;
using reader_internal::IndexedStart;
using reader_internal::Segment;

// The offset of the first record with timestamp >= ts in `batch`, or -1.
Result<int64_t> FirstRecordAtOrAfter(const BatchInfo& b, std::span<const uint8_t> batch, int64_t ts,
                                     const std::string& path) {
  if (b.header.log_append_time()) return b.header.base_offset;  // one timestamp for all
  RecordIterator it;
  Status st = it.Reset(batch);
  if (!st.ok()) return CorruptionAt(path, b.position, st.message());
  RecordView rec;
  while (it.Next(&rec)) {
    if (rec.timestamp >= ts) return rec.offset;
  }
  if (!it.status().ok()) return CorruptionAt(path, b.position, it.status().message());
  return int64_t(-1);
}

}  // namespace

Status LogReader::Impl::OpenCursorFd(Segment* s, bool sealed, bool recheck) {
  if (fd_base == s->base && fd.valid() && !(recheck && CursorFileReplaced())) {
    return Status::Ok();
  }
  fd.Reset();
  fd_base = -1;
  KLOG_RETURN_IF_ERROR(OpenFd(s->path, O_RDONLY, &fd));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("stat " + s->path, errno);
  fd_base = s->base;
  fd_id = FileId{st.st_dev, st.st_ino};
  if (sealed) s->size = int64_t(st.st_size);
  return Status::Ok();
}

bool LogReader::Impl::CursorFileReplaced() const {
  if (!fd.valid()) return false;
  struct stat st;
  if (::stat(SegmentPath(dir, fd_base, kLogSuffix).c_str(), &st) != 0) return true;
  return !(FileId{st.st_dev, st.st_ino} == fd_id);
}

Status LogReader::Impl::ScanCursor(Segment* s, int64_t from, const BatchFn& fn,
                                   int64_t* valid_end) {
  bool sealed = s != &segs.back();
  KLOG_RETURN_IF_ERROR(OpenCursorFd(s, sealed, false));
  return ScanBatches(fd.get(), s->path, s->base, from, s->size, -1, false, fn, valid_end);
}

Status LogReader::Impl::ScanOther(const Segment& s, bool sealed, int64_t from, const BatchFn& fn,
                                  int64_t* valid_end) {
  if (sealed) {
    // It may have been replaced since the listing: read the file there is
    // now to its own end, and close it again.
    UniqueFd once;
    KLOG_RETURN_IF_ERROR(OpenFd(s.path, O_RDONLY, &once));
    Result<int64_t> size = FdSize(once.get(), s.path);
    if (!size.ok()) return size.status();
    return ScanBatches(once.get(), s.path, s.base, from, *size, -1, false, fn, valid_end);
  }
  // The last segment is never replaced: the cursor's file serves when the
  // cursor is there, else a second one is kept open for the next Refresh().
  int scan = fd.get();
  if (fd_base != s.base || !fd.valid()) {
    if (scan_base != s.base || !scan_fd.valid()) {
      scan_fd.Reset();
      scan_base = -1;
      KLOG_RETURN_IF_ERROR(OpenFd(s.path, O_RDONLY, &scan_fd));
      scan_base = s.base;
    }
    scan = scan_fd.get();
  } else if (scan_fd.valid()) {
    scan_fd.Reset();
    scan_base = -1;
  }
  return ScanBatches(scan, s.path, s.base, from, s.size, -1, false, fn, valid_end);
}

Status LogReader::Impl::UpdateEnd() {
  if (segs.empty()) {
    end_offset = 0;
    end_seg_base = -1;
    return Status::Ok();
  }
  Segment& last = segs.back();
  if (last.missing) {  // the active segment is gone: Next() says so there
    end_offset = last.base;
    end_seg_base = -1;
    return Status::Ok();
  }
  bool from_index = false;
  if (last.base != end_seg_base || last.size < end_scan_pos) {
    // A new (or truncated) last segment: start from its last index entry.
    end_seg_base = last.base;
    end_offset = last.base;
    end_scan_pos = IndexStart(&last, last.base + INT32_MAX);
    from_index = end_scan_pos > 0;
  }
  if (end_scan_pos >= last.size) return Status::Ok();
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
    end_offset = b.header.last_offset() + 1;
    return true;
  };
  int64_t valid_end = end_scan_pos;
  Status st = from_index ? ScanIndexed(&last, false, end_scan_pos, fn, &valid_end)
                         : ScanOther(last, false, end_scan_pos, fn, &valid_end);
  // A bad batch ends the readable log here; Next() reports it when it gets there.
  if (!st.ok() && !st.IsCorruption()) return st;
  end_scan_pos = valid_end;
  return Status::Ok();
}

Status LogReader::Impl::RefreshList() {
  for (int attempt = 0;; ++attempt) {
    // klog.segments before the directory, the log start after it: a segment
    // deleted meanwhile is then below the start or gone from a changed list.
    LoadList();
    std::vector<Segment> fresh;
    KLOG_RETURN_IF_ERROR(ListDisk(&fresh));
    Result<int64_t> persisted = ReadLogStart(dir);
    int64_t log_start = persisted.ok() ? *persisted : -1;
    if (!MarkHoles(&fresh, log_start) && attempt < 3) continue;
    segs = std::move(fresh);
    start_offset = segs.empty() ? 0 : std::max(log_start, segs.front().base);
    return Status::Ok();
  }
}

Status LogReader::Impl::ListDisk(std::vector<Segment>* out) {
  Result<std::vector<int64_t>> bases = ListSegments(dir);
  if (!bases.ok()) return bases.status();
  // Sealed segments seen before keep their size and cached largest timestamp,
  // unless one of them is gone: then the cleaner may have merged segments,
  // and the others are looked at again (but for the cursor's open file).
  std::map<int64_t, const Segment*> known;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    if (!segs[i].missing) known[segs[i].base] = &segs[i];
  }
  bool vanished = false;
  for (const auto& [base, seg] : known) {
    vanished |= !std::binary_search(bases->begin(), bases->end(), base);
  }
  std::vector<Segment>& fresh = *out;
  for (int64_t base : *bases) {
    Segment s{base, 0, SegmentPath(dir, base, kLogSuffix)};
    auto it = known.find(base);
    if (it != known.end() && (!vanished || (base == fd_base && fd.valid()))) {
      s.size = it->second->size;
      s.max_timestamp = vanished ? -2 : it->second->max_timestamp;
      s.index_bad = !vanished && it->second->index_bad;
    } else {
      Result<int64_t> size = PathSize(s.path);
      if (size.status().IsNotFound()) continue;  // deleted since the listing
      if (!size.ok()) return size.status();
      s.size = *size;
    }
    fresh.push_back(std::move(s));
  }
  return Status::Ok();
}

bool LogReader::NoteAppended(int64_t active_base, int64_t active_size, int64_t end_offset) {
  Impl& r = *impl_;
  if (r.segs.empty()) return false;
  Segment& last = r.segs.back();
  if (last.missing || last.base != active_base || active_size < last.size ||
      end_offset < r.end_offset) {
    return false;
  }
  last.size = active_size;
  r.end_seg_base = active_base;
  r.end_scan_pos = active_size;
  r.end_offset = end_offset;
  return true;
}

Status LogReader::Refresh() {
  KLOG_RETURN_IF_ERROR(impl_->RefreshList());
  return impl_->UpdateEnd();
}

Result<int64_t> LogReader::OffsetForTimestamp(int64_t ts_ms) {
  Impl& r = *impl_;
  for (size_t i = 0; i < r.segs.size(); ++i) {
    Segment& s = r.segs[i];
    bool sealed = i + 1 < r.segs.size();
    if (s.missing) return r.Missing(s);  // the answer may have been in it
    if (sealed && s.max_timestamp != -2 && s.max_timestamp < ts_ms) continue;
    std::string time_path = SegmentPath(r.dir, s.base, kTimeIndexSuffix);
    // A sealed segment's last time-index entry is its largest timestamp.
    if (sealed && s.max_timestamp == -2) {
      auto last = LastTimeIndexEntry(time_path);
      // Unreadable: assume it may hold the answer, so it gets scanned.
      s.max_timestamp = !last.ok() ? INT64_MAX : *last ? (*last)->timestamp : -1;
    }
    if (sealed && s.max_timestamp < ts_ms) continue;
    int64_t from = 0;
    auto floor = SearchTimeIndex(time_path, ts_ms);
    if (floor.ok() && *floor) from = r.IndexStart(&s, s.base + (*floor)->relative_offset);
    Result<int64_t> answer = int64_t(-1);
    auto fn = [&](const BatchInfo& b, std::span<const uint8_t> bytes) {
      if (b.header.max_timestamp < ts_ms) return true;
      answer = FirstRecordAtOrAfter(b, bytes, ts_ms, s.path);
      return answer.ok() && *answer < 0;
    };
    int64_t valid_end = 0;
    Status st = r.ScanIndexed(&s, sealed, from, fn, &valid_end);
    if (st.IsNotFound()) continue;  // deleted by retention since the last Refresh()
    KLOG_RETURN_IF_ERROR(st);
    if (!answer.ok()) return answer;
    if (*answer >= 0) return std::max(*answer, r.start_offset);
  }
  return r.end_offset;
}

LogReader::LogReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogReader::~LogReader() = default;

Result<std::unique_ptr<LogReader>> LogReader::Open(const std::string& dir,
                                                   const ReaderOptions& opts) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("partition directory " + dir + " does not exist");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->opts = opts;
  std::unique_ptr<LogReader> reader(new LogReader(std::move(impl)));
  KLOG_RETURN_IF_ERROR(reader->Refresh());
  Impl& r = *reader->impl_;
  if (!r.segs.empty()) r.cur_base = r.segs.front().base;
  r.next = r.cur_base;
  if (r.start_offset > r.cur_base) KLOG_RETURN_IF_ERROR(reader->Seek(r.start_offset));
  return reader;
}

int64_t LogReader::start_offset() const { return impl_->start_offset; }
std::string LogReader::span_path() const {
  return SegmentPath(impl_->dir, impl_->span_base, kLogSuffix);
}
int64_t LogReader::span_position() const { return impl_->span_pos; }
int64_t LogReader::end_offset() const { return impl_->end_offset; }
const std::string& LogReader::dir() const { return impl_->dir; }
std::string LogReader::current_segment_path() const {
  return SegmentPath(impl_->dir, impl_->cur_base, kLogSuffix);
}

}  // namespace klog
