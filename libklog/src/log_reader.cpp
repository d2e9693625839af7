// LogReader: reads whole batches with pread(2) while a writer (in this or
// another process) appends, rolls and, after a crash, truncates. No mmap, so a
// truncation can never fault a reader; a short read is "not yet written".
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <map>
#include <vector>

#include "fileutil.h"
#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/segment.h"
#include "log_start.h"
#include "segment_scan.h"

namespace klog {

namespace {

struct Segment {
  int64_t base;
  int64_t size;  // as of the last Refresh()
  std::string path;
  // A sealed segment's largest timestamp (its time index's last entry), read
  // once: -2 = not read yet, -1 = none (empty time index), INT64_MAX = the
  // time index is unreadable, so the segment must be scanned.
  int64_t max_timestamp = -2;
};

// Byte position to start scanning segment `s` for `target` (an absolute
// offset): the offset index's floor entry, or 0 if the index is unusable.
int64_t IndexedStart(const std::string& dir, const Segment& s, int64_t target) {
  if (target - s.base > INT32_MAX) return 0;
  auto entry = SearchOffsetIndex(SegmentPath(dir, s.base, kIndexSuffix),
                                 int32_t(std::max<int64_t>(target - s.base, 0)));
  if (!entry.ok() || !*entry || (*entry)->position >= s.size) return 0;
  return (*entry)->position;
}

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

struct LogReader::Impl {
  std::string dir;
  ReaderOptions opts;
  std::vector<Segment> segs;
  int64_t start_offset = 0;  // as of the last Refresh()
  // end_offset() cache: the last segment's batches up to end_scan_pos are known.
  int64_t end_offset = 0;
  int64_t end_seg_base = -1;
  int64_t end_scan_pos = 0;
  // Cursor: a byte position in the segment with base cur_base.
  int64_t cur_base = 0;
  int64_t pos = 0;
  UniqueFd fd;
  int64_t fd_base = -1;
  std::vector<uint8_t> buf;

  Status UpdateEnd();
  Status OpenSegmentFd(const Segment& s);
  // Index in segs of the cursor's segment, moving the cursor to the next
  // segment if its own was deleted. -1 if there is none.
  int64_t CursorSegment();
  Status ScanFor(const Segment& s, int64_t from, const BatchFn& fn, int64_t* valid_end);
};

Status LogReader::Impl::OpenSegmentFd(const Segment& s) {
  if (fd_base == s.base && fd.valid()) return Status::Ok();
  fd.Reset();
  fd_base = -1;
  KLOG_RETURN_IF_ERROR(OpenFd(s.path, O_RDONLY, &fd));
  fd_base = s.base;
  return Status::Ok();
}

Status LogReader::Impl::ScanFor(const Segment& s, int64_t from, const BatchFn& fn,
                                int64_t* valid_end) {
  KLOG_RETURN_IF_ERROR(OpenSegmentFd(s));
  return ScanBatches(fd.get(), s.path, s.base, from, s.size, -1, false, fn, valid_end);
}

Status LogReader::Impl::UpdateEnd() {
  if (segs.empty()) {
    end_offset = 0;
    end_seg_base = -1;
    return Status::Ok();
  }
  const Segment& last = segs.back();
  if (last.base != end_seg_base || last.size < end_scan_pos) {
    // A new (or truncated) last segment: start from its last index entry.
    end_seg_base = last.base;
    end_offset = last.base;
    end_scan_pos = IndexedStart(dir, last, last.base + INT32_MAX);
  }
  if (end_scan_pos >= last.size) return Status::Ok();
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
    end_offset = b.header.last_offset() + 1;
    return true;
  };
  int64_t valid_end = end_scan_pos;
  Status st = ScanFor(last, end_scan_pos, fn, &valid_end);
  // A bad batch ends the readable log here; Next() reports it when it gets there.
  if (!st.ok() && !st.IsCorruption()) return st;
  end_scan_pos = valid_end;
  return Status::Ok();
}

Status LogReader::Refresh() {
  Impl& r = *impl_;
  Result<std::vector<int64_t>> bases = ListSegments(r.dir);
  if (!bases.ok()) return bases.status();
  // Sealed segments seen before keep their size and cached largest timestamp.
  std::map<int64_t, const Segment*> known;
  for (size_t i = 0; i + 1 < r.segs.size(); ++i) known[r.segs[i].base] = &r.segs[i];
  std::vector<Segment> segs;
  for (int64_t base : *bases) {
    Segment s{base, 0, SegmentPath(r.dir, base, kLogSuffix)};
    auto it = known.find(base);
    if (it != known.end()) {
      s.size = it->second->size;
      s.max_timestamp = it->second->max_timestamp;
    } else {
      Result<int64_t> size = PathSize(s.path);
      if (size.status().IsNotFound()) continue;  // deleted since the listing
      if (!size.ok()) return size.status();
      s.size = *size;
    }
    segs.push_back(std::move(s));
  }
  r.segs = std::move(segs);
  r.start_offset = r.segs.empty() ? 0 : LogStartOr(r.dir, r.segs.front().base);
  return r.UpdateEnd();
}

int64_t LogReader::Impl::CursorSegment() {
  auto it = std::lower_bound(segs.begin(), segs.end(), cur_base,
                             [](const Segment& s, int64_t b) { return s.base < b; });
  if (it == segs.end()) return -1;
  if (it->base != cur_base) {
    cur_base = it->base;
    pos = 0;
  }
  return it - segs.begin();
}

Result<std::span<const uint8_t>> LogReader::Next(size_t max_bytes) {
  Impl& r = *impl_;
  for (;;) {
    int64_t i = r.CursorSegment();
    if (i < 0) return std::span<const uint8_t>();
    const Segment& s = r.segs[size_t(i)];
    bool is_last = size_t(i) + 1 == r.segs.size();
    if (r.pos >= s.size) {
      if (is_last) return std::span<const uint8_t>();
      r.cur_base = r.segs[size_t(i) + 1].base;
      r.pos = 0;
      continue;
    }
    KLOG_RETURN_IF_ERROR(r.OpenSegmentFd(s));
    size_t want =
        size_t(std::min<int64_t>(std::max(max_bytes, batch::kHeaderSize), s.size - r.pos));
    for (;;) {
      if (r.buf.size() < want) r.buf.resize(want);
      size_t got = 0;
      KLOG_RETURN_IF_ERROR(PreadFull(r.fd.get(), r.buf.data(), want, r.pos, &got, s.path));
      // Whole good batches are returned; a bad one is reported by the call
      // that would return it first, so everything before it is delivered.
      size_t off = 0;
      Status bad;
      while (off < got) {
        std::span<const uint8_t> rest(r.buf.data() + off, got - off);
        Result<size_t> n = NextBatchSize(rest);
        if (!n.ok()) {
          bad = CorruptionAt(s.path, r.pos + int64_t(off), n.status().message());
          break;
        }
        if (*n == 0) break;
        if (r.opts.verify_crc && !BatchCrcOk(rest.first(*n))) {
          bad = CorruptionAt(s.path, r.pos + int64_t(off), "checksum mismatch");
          break;
        }
        off += *n;
      }
      if (off == 0 && !bad.ok()) return bad;
      if (off > 0) {
        r.pos += int64_t(off);
        return std::span<const uint8_t>(r.buf.data(), off);
      }
      // Not even one whole batch in what was read.
      int64_t need = got >= batch::kLogOverhead
                         ? int64_t(GetBE32(r.buf.data() + batch::kBatchLengthPos)) + 12
                         : INT64_MAX;
      if (need != INT64_MAX && r.pos + need <= s.size && size_t(need) > want) {
        want = size_t(need);  // a batch larger than max_bytes: read it whole
        continue;
      }
      if (is_last) return std::span<const uint8_t>();  // not yet written
      return CorruptionAt(s.path, r.pos, "partial batch at the end of a sealed segment");
    }
  }
}

Status LogReader::Seek(int64_t offset) {
  Impl& r = *impl_;
  if (r.segs.empty()) return Status::Ok();
  offset = std::clamp(offset, r.start_offset, std::max(r.end_offset, r.start_offset));
  auto it = std::upper_bound(r.segs.begin(), r.segs.end(), offset,
                             [](int64_t o, const Segment& s) { return o < s.base; });
  const Segment& s = *(it - 1);
  int64_t found = -1;
  bool overshot = false;  // the index pointed past the batch holding `offset`
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
    if (found < 0 && b.header.base_offset > offset && b.position > 0) overshot = true;
    if (b.header.last_offset() < offset) return true;
    found = b.position;
    return false;
  };
  int64_t from = IndexedStart(r.dir, s, offset);
  int64_t valid_end = 0;
  Status st = r.ScanFor(s, from, fn, &valid_end);
  if (from != 0 && (!st.ok() || overshot)) {
    found = -1;  // a stale or damaged index: scan the segment from its start
    overshot = false;
    st = r.ScanFor(s, 0, fn, &valid_end);
  }
  if (!st.ok()) return st;
  r.cur_base = s.base;
  r.pos = found >= 0 ? found : valid_end;
  return Status::Ok();
}

Result<int64_t> LogReader::OffsetForTimestamp(int64_t ts_ms) {
  Impl& r = *impl_;
  for (size_t i = 0; i < r.segs.size(); ++i) {
    Segment& s = r.segs[i];
    bool sealed = i + 1 < r.segs.size();
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
    if (floor.ok() && *floor) from = IndexedStart(r.dir, s, s.base + (*floor)->relative_offset);
    Result<int64_t> answer = int64_t(-1);
    auto fn = [&](const BatchInfo& b, std::span<const uint8_t> bytes) {
      if (b.header.max_timestamp < ts_ms) return true;
      answer = FirstRecordAtOrAfter(b, bytes, ts_ms, s.path);
      return answer.ok() && *answer < 0;
    };
    int64_t valid_end = 0;
    Status st = r.ScanFor(s, from, fn, &valid_end);
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
  if (r.start_offset > r.cur_base) KLOG_RETURN_IF_ERROR(reader->Seek(r.start_offset));
  return reader;
}

int64_t LogReader::start_offset() const { return impl_->start_offset; }
int64_t LogReader::end_offset() const { return impl_->end_offset; }
const std::string& LogReader::dir() const { return impl_->dir; }
std::string LogReader::current_segment_path() const {
  return SegmentPath(impl_->dir, impl_->cur_base, kLogSuffix);
}

}  // namespace klog
