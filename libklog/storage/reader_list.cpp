// LogReader and what it cannot take on trust: klog.segments (a listed
// segment that is gone is a hole the cursor reports) and offset index
// entries that do not lead to a batch (the segment is scanned instead).
#include <sys/stat.h>

#include <algorithm>
#include <climits>

#include "klog/filename.h"
#include "klog/index.h"
#include "storage/reader_impl.h"

namespace klog {

using reader_internal::ListStamp;
using reader_internal::Segment;

void LogReader::Impl::LoadList() {
  std::string path = dir + "/" + std::string(kSegmentListName);
  ListStamp stamp;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    stamp = {{st.st_dev, st.st_ino},
             int64_t(st.st_size),
             int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  if (stamp == list_stamp) return;
  list_stamp = stamp;
  list = SegmentList{};
  if (stamp.size < 0) return;  // none (yet): an older klog's or Kafka's directory
  Result<SegmentList> read = ReadSegmentList(dir);
  if (read.ok()) {
    list = std::move(*read);
  } else if (!read.status().IsNotFound() && !list_warned) {
    list_warned = true;
    Warn(read.status().message() + "; missing segments cannot be told until a writer rebuilds it");
  }
}

bool LogReader::Impl::MarkHoles(std::vector<Segment>* fresh, int64_t log_start) {
  std::vector<int64_t> disk;
  for (const Segment& s : *fresh) disk.push_back(s.base);
  std::vector<SegmentHole> holes = FindHoles(list, disk, log_start);
  if (holes.empty()) return true;
  ListStamp seen = list_stamp;
  for (const SegmentHole& h : holes) {
    auto at = [&] {
      return std::lower_bound(fresh->begin(), fresh->end(), h.base,
                              [](const Segment& s, int64_t b) { return s.base < b; });
    };
    auto it = at();
    if (it != fresh->end() && it->base == h.base) {  // a lost entry where a file is
      it->missing = true;
      it->next = h.next;
      continue;
    }
    std::string path = SegmentPath(dir, h.base, kLogSuffix);
    // readdir(3) may miss a file renamed over while it ran (the cleaner's swap).
    Result<int64_t> size = PathSize(path);
    Segment s{h.base, size.ok() ? *size : 0, path};
    s.missing = !size.ok();
    s.next = h.next;
    fresh->insert(at(), std::move(s));
  }
  // A hole seen with a list that changed meanwhile may be a segment the
  // writer deleted or merged after listing it: look again.
  LoadList();
  return list_stamp == seen;
}

void LogReader::Impl::IndexUnusable(Segment* s, const std::string& what) {
  if (s->index_bad) return;
  s->index_bad = true;
  Warn(what + "; " + std::string(BaseName(s->path)) + " is scanned from its start instead");
}

int64_t LogReader::Impl::IndexStart(Segment* s, int64_t target) {
  if (s->index_bad || target - s->base > INT32_MAX) return 0;
  std::string path = SegmentPath(dir, s->base, kIndexSuffix);
  auto entry = SearchOffsetIndex(path, int32_t(std::max<int64_t>(target - s->base, 0)));
  if (!entry.ok()) {
    if (entry.status().IsCorruption()) IndexUnusable(s, entry.status().message());
    return 0;
  }
  if (!*entry) return 0;
  if ((*entry)->position >= s->size) {
    // The last segment may have grown since the last Refresh(): a position
    // past its known size is not used, but not suspect either.
    if (!segs.empty() && s != &segs.back()) {
      IndexUnusable(s, path + ": an entry points at position " +
                           std::to_string((*entry)->position) + ", past the end of the segment");
    }
    return 0;
  }
  return (*entry)->position;
}

Status LogReader::Impl::ScanIndexed(Segment* s, bool sealed, int64_t from, const BatchFn& fn,
                                    int64_t* valid_end) {
  Status st = ScanOther(*s, sealed, from, fn, valid_end);
  // An index entry is written after its batch, so a whole batch starts there.
  if (from > 0 && *valid_end == from && (st.IsCorruption() || (st.ok() && from < s->size))) {
    IndexUnusable(s, SegmentPath(dir, s->base, kIndexSuffix) + ": an entry points at position " +
                         std::to_string(from) + ", where no batch starts");
    return ScanOther(*s, sealed, 0, fn, valid_end);
  }
  return st;
}

Status LogReader::Impl::Missing(const Segment& s) const {
  return MissingSegmentError(dir, {s.base, s.next, std::max(s.base, start_offset)});
}

}  // namespace klog
