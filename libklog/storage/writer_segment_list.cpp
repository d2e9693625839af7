// LogWriter's side of klog.segments (segment_list.h): reconciling it with
// the directory when a writer opens, an entry per roll, and dropping entries
// after retention. Why each step is crash-safe is in klog-format(5),
// "klog.segments".
#include <fcntl.h>

#include <algorithm>
#include <climits>

#include "klog/filename.h"
#include "klog/index.h"
#include "klog/segment.h"
#include "storage/log_start.h"
#include "storage/segment_list.h"
#include "storage/segment_scan.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

// The last offset in the sealed segment `base` (base - 1 when it holds no
// batch), from its last index entry and a scan of what follows (the whole
// file when the index does not lead to a batch). CRCs are not checked here.
Result<int64_t> LastOffsetOf(const std::string& dir, int64_t base) {
  std::string log = SegmentPath(dir, base, kLogSuffix);
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(log, O_RDONLY, &fd));
  Result<int64_t> size = FdSize(fd.get(), log);
  if (!size.ok()) return size.status();
  int64_t from = 0;
  auto entry = SearchOffsetIndex(SegmentPath(dir, base, kIndexSuffix), INT32_MAX);
  if (entry.ok() && *entry && (*entry)->position < *size) from = (*entry)->position;
  int64_t last = base - 1;
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
    last = b.header.last_offset();
    return true;
  };
  int64_t valid_end = 0;
  Status st = ScanBatches(fd.get(), log, base, from, *size, -1, false, fn, &valid_end);
  if (from > 0 && (!st.ok() || valid_end == from)) {
    last = base - 1;
    st = ScanBatches(fd.get(), log, base, 0, *size, -1, false, fn, &valid_end);
  }
  if (!st.ok()) return st;
  return last;
}

// Adds entries for the sealed segments segs[from..n-2] (each ending at the
// next one's base). Unless the topic is compacted, offsets a segment lacks
// before the next one's base are a hole: listed as lost and warned about.
Status Adopt(LogWriter::Impl* w, const std::vector<int64_t>& segs, size_t from,
             std::vector<SegmentListEntry>* entries) {
  for (size_t i = from; i + 1 < segs.size(); ++i) {
    int64_t base = segs[i], next = segs[i + 1];
    Result<int64_t> bytes = PathSize(SegmentPath(w->dir, base, kLogSuffix));
    if (!bytes.ok()) return bytes.status();
    SegmentListEntry e{base, next, *bytes, std::nullopt};
    Result<SegmentDigest> d = ReadDigest(SegmentPath(w->dir, base, kLogSuffix));
    if (d.ok() && d->bytes == *bytes) e.xxh3 = d->xxh3;
    int64_t end = next;
    if (!w->opts.compacted) {
      Result<int64_t> last = LastOffsetOf(w->dir, base);
      if (!last.ok()) return last.status();
      end = std::clamp(*last + 1, base, next);
    }
    if (end > base) {
      e.next = end;
      entries->push_back(e);
    }
    if (end < next) {
      SegmentHole hole{end > base ? end : base, next, end};
      w->Warn(MissingSegmentError(w->dir, hole).message());
      entries->push_back({end, next, -1, std::nullopt});
    }
  }
  return Status::Ok();
}

// The list as it stands, or an empty one when it is absent or damaged
// (with a warning: it is rebuilt from the directory).
SegmentList LoadList(LogWriter::Impl* w, bool* had_list) {
  Result<SegmentList> list = ReadSegmentList(w->dir);
  *had_list = list.ok();
  if (list.ok()) return *list;
  if (!list.status().IsNotFound()) {
    w->Warn(list.status().message() + "; rebuilt from the segments on disk");
  }
  return SegmentList{};
}

}  // namespace

Status ReconcileSegmentList(LogWriter::Impl* w, std::vector<int64_t>* segs, int64_t* first_base) {
  bool had_list = false;
  SegmentList list = LoadList(w, &had_list);
  Result<int64_t> persisted = ReadLogStart(w->dir);
  int64_t start = persisted.ok() ? *persisted : -1;
  bool changed = list.torn;
  for (const SegmentHole& hole : FindHoles(list, *segs, start)) {
    w->Warn(MissingSegmentError(w->dir, hole).message() +
            (hole.next < 0 ? "; the active segment starts again there" : ""));
  }
  std::vector<SegmentListEntry>& entries = list.entries;
  int64_t end = list.end();  // before entries below the start go
  size_t before = entries.size();
  std::erase_if(entries, [&](const SegmentListEntry& e) { return e.next <= start; });
  changed |= entries.size() != before;
  // Where the listed chain ends, the active segment (or unlisted sealed
  // segments a crash left between a roll's steps) must begin.
  size_t tail = 0;
  if (had_list && end >= 0) {
    tail = size_t(std::lower_bound(segs->begin(), segs->end(), end) - segs->begin());
    if (tail == segs->size()) {
      KLOG_RETURN_IF_ERROR(w->OpenActive(end, true));
      segs->push_back(end);
    } else if ((*segs)[tail] > end && (*segs)[tail] > start) {
      entries.push_back({end, (*segs)[tail], -1, std::nullopt});
      changed = true;
    }
  } else if (!had_list && !segs->empty() && start >= 0 && start < segs->front()) {
    // An older klog persisted the start before deleting: below the first segment is lost.
    SegmentHole hole{start, segs->front(), start};
    w->Warn(MissingSegmentError(w->dir, hole).message());
    entries.push_back({start, segs->front(), -1, std::nullopt});
  }
  while (!had_list && tail + 1 < segs->size() && segs->at(tail + 1) <= start) ++tail;
  size_t adopted = entries.size();
  KLOG_RETURN_IF_ERROR(Adopt(w, *segs, tail, &entries));
  changed |= entries.size() != adopted || !had_list;
  bool sync = w->SyncsOnRoll();
  if (changed && (had_list || !entries.empty())) {
    KLOG_RETURN_IF_ERROR(WriteSegmentList(w->dir, entries, sync));
    had_list = true;
  }
  w->list_exists = had_list;
  w->list_end = entries.empty() ? -1 : entries.back().next;
  w->list_stale = false;
  *first_base = segs->empty() ? 0 : segs->front();
  for (const SegmentListEntry& e : entries) *first_base = std::min(*first_base, e.base);
  return Status::Ok();
}

Status ListSealedSegment(LogWriter::Impl* w, int64_t base, int64_t next, int64_t bytes,
                         uint64_t xxh3) {
  bool sync = w->SyncsOnRoll();
  Status st;
  if (w->list_stale || (w->list_exists && w->list_end >= 0 && w->list_end != base)) {
    // A failed write left the list behind: take in what it lacks.
    Result<std::vector<int64_t>> segs = ListSegments(w->dir);
    if (!segs.ok()) return segs.status();
    int64_t first_base = 0;
    st = ReconcileSegmentList(w, &*segs, &first_base);
  } else if (w->list_exists) {
    st = AppendSegmentEntry(w->dir, {base, next, bytes, xxh3}, sync);
  } else {
    st = WriteSegmentList(w->dir, {{base, next, bytes, xxh3}}, sync);
  }
  if (!st.ok()) {
    w->list_stale = true;
    return st;
  }
  w->list_exists = true;
  w->list_end = next;
  return Status::Ok();
}

Status DropListedBelow(LogWriter::Impl* w, int64_t start) {
  if (!w->list_exists) return Status::Ok();
  Result<SegmentList> list = ReadSegmentList(w->dir);
  if (!list.ok()) {
    // The next open rebuilds a damaged list; nothing below `start` is read.
    w->list_stale = true;
    return list.status().IsCorruption() ? Status::Ok() : list.status();
  }
  size_t before = list->entries.size();
  std::erase_if(list->entries, [&](const SegmentListEntry& e) { return e.next <= start; });
  if (list->entries.size() == before && !list->torn) return Status::Ok();
  KLOG_RETURN_IF_ERROR(WriteSegmentList(w->dir, list->entries, w->SyncsOnRoll()));
  w->list_end = list->entries.empty() ? -1 : list->entries.back().next;
  return Status::Ok();
}

}  // namespace klog
