// LogReader's cursor: Next() and Seek(), and finding the next offset again
// after the cleaner replaced segments (see reader.cpp).
#include <algorithm>
#include <climits>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/coding.h"
#include "klog/filename.h"
#include "klog/record.h"
#include "storage/reader_impl.h"

namespace klog {

using reader_internal::Segment;

Result<int64_t> LogReader::Impl::CursorSegment() {
  auto find = [&]() -> int64_t {
    auto it = std::lower_bound(segs.begin(), segs.end(), cur_base,
                               [](const Segment& s, int64_t b) { return s.base < b; });
    return it != segs.end() && it->base == cur_base ? it - segs.begin() : -1;
  };
  int64_t i = find();
  if (i >= 0 || segs.empty()) return i;
  // The cursor's segment was deleted (retention) or merged into an earlier
  // one (compaction): find the next offset again.
  KLOG_RETURN_IF_ERROR(SeekTo(next));
  return find();
}

Status LogReader::Impl::LeaveSegment(size_t i) {
  if (fd_base == segs[i].base && CursorFileReplaced()) {
    KLOG_RETURN_IF_ERROR(RefreshList());
    KLOG_RETURN_IF_ERROR(UpdateEnd());
    return SeekTo(next);
  }
  const Segment& after = segs[i + 1];
  if (after.base < next) return SeekTo(next);  // it overlaps what was returned
  cur_base = after.base;
  pos = 0;
  return Status::Ok();
}

Result<std::span<const uint8_t>> LogReader::Impl::ReadBatches(size_t i, size_t max_bytes,
                                                              bool* again) {
  Segment& s = segs[i];
  bool is_last = i + 1 == segs.size();
  size_t want = size_t(std::min<int64_t>(std::max(max_bytes, batch::kHeaderSize), s.size - pos));
  for (;;) {
    if (buf.size() < want) buf.resize(want);
    size_t got = 0;
    KLOG_RETURN_IF_ERROR(PreadFull(fd.get(), buf.data(), want, pos, &got, s.path));
    // Whole good batches are returned; a bad one is reported by the call
    // that would return it first, so everything before it is delivered.
    // Batches wholly below `next` (a re-seek into a cleaned segment) are skipped.
    size_t start = 0, off = 0;
    int64_t new_next = next;
    Status bad;
    bool bounded = false;  // stopped at a batch at or above upper_bound
    while (off < got) {
      std::span<const uint8_t> rest(buf.data() + off, got - off);
      Result<size_t> n = NextBatchSize(rest);
      if (!n.ok()) {
        bad = CorruptionAt(s.path, pos + int64_t(off), n.status().message());
        break;
      }
      if (*n == 0) break;
      int64_t last = int64_t(GetBE64(rest.data() + batch::kBaseOffsetPos)) +
                     int32_t(GetBE32(rest.data() + batch::kLastOffsetDeltaPos));
      if (off == start && last < next) {
        start = off += *n;
        continue;
      }
      if (int64_t(GetBE64(rest.data() + batch::kBaseOffsetPos)) >= upper_bound) {
        bounded = true;
        break;
      }
      if (opts.verify_crc && !BatchCrcOk(rest.first(*n))) {
        bad = CorruptionAt(s.path, pos + int64_t(off), "checksum mismatch");
        break;
      }
      off += *n;
      new_next = last + 1;
    }
    if (off > start) {
      span_base = s.base;
      span_pos = pos + int64_t(start);
      pos += int64_t(off);
      next = new_next;
      return std::span<const uint8_t>(buf.data() + start, off - start);
    }
    if (start > 0) {
      pos += int64_t(start);
      *again = true;
      return std::span<const uint8_t>();
    }
    if (bounded) return std::span<const uint8_t>();  // the rest is above the bound
    if (!bad.ok()) return bad;
    // Not even one whole batch in what was read.
    Result<size_t> need = BatchFrameSize(std::span<const uint8_t>(buf.data(), got));
    if (need.ok() && pos + int64_t(*need) <= s.size && *need > want) {
      want = *need;  // a batch larger than max_bytes: read it whole
      continue;
    }
    if (is_last) return std::span<const uint8_t>();  // not yet written
    return CorruptionAt(s.path, pos, "partial batch at the end of a sealed segment");
  }
}

Result<std::span<const uint8_t>> LogReader::Next(size_t max_bytes) {
  Impl& r = *impl_;
  for (;;) {
    Result<int64_t> i = r.CursorSegment();
    if (!i.ok()) return i.status();
    if (*i < 0) return std::span<const uint8_t>();
    Segment& s = r.segs[size_t(*i)];
    if (s.missing) return r.Missing(s);
    bool is_last = size_t(*i) + 1 == r.segs.size();
    if (is_last && r.pos >= s.size) return std::span<const uint8_t>();
    Status st = r.OpenCursorFd(&s, !is_last, false);
    if (st.IsNotFound()) {  // gone since the last Refresh()
      KLOG_RETURN_IF_ERROR(Refresh());
      KLOG_RETURN_IF_ERROR(r.SeekTo(r.next));
      continue;
    }
    KLOG_RETURN_IF_ERROR(st);
    if (r.pos >= s.size) {
      if (is_last) return std::span<const uint8_t>();
      KLOG_RETURN_IF_ERROR(r.LeaveSegment(size_t(*i)));
      continue;
    }
    bool again = false;
    Result<std::span<const uint8_t>> got = r.ReadBatches(size_t(*i), max_bytes, &again);
    if (!again) return got;
  }
}

Status LogReader::Impl::SeekTo(int64_t offset) {
  for (int attempt = 0;; ++attempt) {
    if (segs.empty()) return Status::Ok();
    offset = std::clamp(offset, start_offset, std::max(end_offset, start_offset));
    auto it = std::upper_bound(segs.begin(), segs.end(), offset,
                               [](int64_t o, const Segment& s) { return o < s.base; });
    Segment& s = *(it - 1);
    if (s.missing) {
      cur_base = s.base;
      pos = 0;
      next = offset;
      return Missing(s);
    }
    Status st = OpenCursorFd(&s, &s != &segs.back(), true);
    if (st.IsNotFound() && attempt < 3) {  // removed since the last Refresh()
      KLOG_RETURN_IF_ERROR(RefreshList());
      KLOG_RETURN_IF_ERROR(UpdateEnd());
      continue;
    }
    KLOG_RETURN_IF_ERROR(st);
    int64_t found = -1;
    bool overshot = false;  // the index pointed past the batch holding `offset`
    auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
      if (found < 0 && b.header.base_offset > offset && b.position > 0) overshot = true;
      if (b.header.last_offset() < offset) return true;
      found = b.position;
      return false;
    };
    int64_t from = IndexStart(&s, offset);
    int64_t valid_end = 0;
    st = ScanCursor(&s, from, fn, &valid_end);
    if (from != 0 && (!st.ok() || overshot || valid_end == from)) {
      // A stale or damaged index: scan the segment from its start. An entry
      // where no batch starts is damage (entries follow their batches); one
      // past the offset may be the other generation's during a cleaner swap.
      if (!overshot) {
        IndexUnusable(&s, SegmentPath(dir, s.base, kIndexSuffix) +
                              ": an entry points at position " + std::to_string(from) +
                              ", where no batch starts");
      }
      found = -1;
      overshot = false;
      st = ScanCursor(&s, 0, fn, &valid_end);
    }
    if (!st.ok()) return st;
    cur_base = s.base;
    pos = found >= 0 ? found : valid_end;
    next = offset;
    return Status::Ok();
  }
}

Status LogReader::Seek(int64_t offset) { return impl_->SeekTo(offset); }

bool LogReader::ContinuesAt(int64_t offset) const {
  const Impl& r = *impl_;
  return r.next == offset && !r.segs.empty() && r.cur_base == r.segs.back().base &&
         r.fd.get() >= 0 && r.fd_base == r.cur_base;
}

void LogReader::SetUpperBound(int64_t bound) { impl_->upper_bound = bound; }
int64_t LogReader::upper_bound() const { return impl_->upper_bound; }

}  // namespace klog
