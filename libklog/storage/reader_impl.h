// Private state of LogReader, shared by reader.cpp (segment list, end
// offset, timestamps, opening) and reader_cursor.cpp (Next and Seek).
#pragma once

#include <sys/types.h>

#include <climits>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "klog/log.h"
#include "storage/segment_list.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog {
namespace reader_internal {

struct Segment {
  int64_t base;
  int64_t size;  // as of the last Refresh()
  std::string path;
  // A sealed segment's largest timestamp (its time index's last entry), read
  // once: -2 = not read yet, -1 = none (empty time index), INT64_MAX = the
  // time index is unreadable, so the segment must be scanned.
  int64_t max_timestamp = -2;
  // Listed in klog.segments but gone: the cursor stops here with an error
  // naming the offsets [base, next) (next -1: unknown) it held.
  bool missing = false;
  int64_t next = -1;
  // Its offset index led a scan astray: it is scanned from the start instead
  // (reset when the cleaner replaces segments).
  bool index_bad = false;
};

// Identity of an open file, to notice that its path now names another one.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// Byte position to start scanning segment `s` for `target` (an absolute
// offset): the offset index's floor entry, or 0 if the index is unusable
// (an entry outside the .log is never used).
int64_t IndexedStart(const std::string& dir, const Segment& s, int64_t target);

// Identity of klog.segments as last read, to re-read it only when it changed.
struct ListStamp {
  FileId id;
  int64_t size = -1;
  int64_t mtime_ns = -1;
  bool operator==(const ListStamp&) const = default;
};

}  // namespace reader_internal

struct LogReader::Impl {
  std::string dir;
  ReaderOptions opts;
  std::vector<reader_internal::Segment> segs;
  int64_t start_offset = 0;  // as of the last Refresh()
  // end_offset() cache: the last segment's batches up to end_scan_pos are known.
  int64_t end_offset = 0;
  int64_t end_seg_base = -1;
  int64_t end_scan_pos = 0;
  // Cursor: a byte position in the file `fd` (segment cur_base) and the
  // offset the next record returned must reach.
  int64_t cur_base = 0;
  int64_t pos = 0;
  int64_t next = 0;
  // Next() returns no batch whose base offset is at or above this.
  int64_t upper_bound = INT64_MAX;
  UniqueFd fd;
  int64_t fd_base = -1;
  reader_internal::FileId fd_id;
  // The last segment's file while the cursor is in an earlier one.
  UniqueFd scan_fd;
  int64_t scan_base = -1;
  std::vector<uint8_t> buf;
  // Where the span the last Next() returned starts.
  int64_t span_base = 0;
  int64_t span_pos = 0;
  // klog.segments as last read (reader_list.cpp).
  reader_internal::ListStamp list_stamp;
  SegmentList list;
  bool list_warned = false;

  void Warn(const std::string& msg) const {
    if (opts.warn) opts.warn(msg);
  }
  // Re-reads klog.segments if it changed since the last call.
  void LoadList();
  // Marks the holes klog.segments shows in `fresh` (the segments on disk,
  // sorted), inserting those without a file; false if the list changed while
  // the directory was read, so the caller must look again.
  bool MarkHoles(std::vector<reader_internal::Segment>* fresh, int64_t log_start);
  // The segment's offset index cannot be trusted (`what` says why): it is
  // scanned from the start from now on, with one warning.
  void IndexUnusable(reader_internal::Segment* s, const std::string& what);
  // IndexedStart, unless the index proved unusable (then 0, with a warning
  // the first time a lookup finds an entry it cannot use).
  int64_t IndexStart(reader_internal::Segment* s, int64_t target);
  // Scans `s` from `from` (a position its index gave), again from the
  // start when the first batch there is not a batch.
  Status ScanIndexed(reader_internal::Segment* s, bool sealed, int64_t from, const BatchFn& fn,
                     int64_t* valid_end);
  Status Missing(const reader_internal::Segment& s) const;

  Status RefreshList();
  // The segments on disk, sorted; sealed ones seen before keep their size.
  Status ListDisk(std::vector<reader_internal::Segment>* out);
  Status UpdateEnd();
  // Opens segment `s` as the cursor's file (reusing the open one unless
  // `recheck` finds that the path now names another file). A sealed
  // segment's size is taken from the file opened.
  Status OpenCursorFd(reader_internal::Segment* s, bool sealed, bool recheck);
  // True if the cursor's open file is no longer the one at its path.
  bool CursorFileReplaced() const;
  // Index in segs of the cursor's segment, -1 if there is none; re-seeks by
  // offset if the cursor's segment left the list.
  Result<int64_t> CursorSegment();
  // Moves the cursor past the end of segs[i].
  Status LeaveSegment(size_t i);
  Status SeekTo(int64_t offset);
  Status ScanCursor(reader_internal::Segment* s, int64_t from, const BatchFn& fn,
                    int64_t* valid_end);
  Status ScanOther(const reader_internal::Segment& s, bool sealed, int64_t from, const BatchFn& fn,
                   int64_t* valid_end);
  Result<std::span<const uint8_t>> ReadBatches(size_t i, size_t max_bytes, bool* again);
};

}  // namespace klog
