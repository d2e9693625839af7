// Private state of LogReader, shared by log_reader.cpp (segment list, end
// offset, timestamps, opening) and log_reader_cursor.cpp (Next and Seek).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fileutil.h"
#include "klog/log.h"
#include "segment_scan.h"

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
};

// Identity of an open file, to notice that its path now names another one.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

// Byte position to start scanning segment `s` for `target` (an absolute
// offset): the offset index's floor entry, or 0 if the index is unusable.
int64_t IndexedStart(const std::string& dir, const Segment& s, int64_t target);

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
  UniqueFd fd;
  int64_t fd_base = -1;
  reader_internal::FileId fd_id;
  // The last segment's file while the cursor is in an earlier one.
  UniqueFd scan_fd;
  int64_t scan_base = -1;
  std::vector<uint8_t> buf;

  Status RefreshList();
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
