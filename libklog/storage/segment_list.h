// klog.segments: the list of a partition's sealed segments, so that a
// segment that goes missing is noticed (klog-format(5) has the bytes and the
// order of every change). One sealed line per entry after a header line:
//   "klog-segments 1"
//   "segment <base> next <next base> bytes <n> xxh3 <16 hex digits or ->"
//   "lost <base> next <next base>"
// Entries are in base order and chained: each entry's next is the following
// entry's base, the last one's the base of the active segment. The file
// exists once the partition has had a sealed segment. A roll appends one
// line; retention, DeleteRecords, the cleaner's swap and a writer's recovery
// replace the file atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "klog/status.h"

namespace klog {

struct SegmentListEntry {
  int64_t base = 0;
  int64_t next = 0;              // base of the segment after it
  int64_t bytes = 0;             // of its .log; -1 for a "lost" entry
  std::optional<uint64_t> xxh3;  // its digest, when it was known
  bool lost() const { return bytes < 0; }
};

// The list as read. `torn` is set when a last line was cut short or does
// not check (a crash while a roll appended it); that line is left out.
struct SegmentList {
  std::vector<SegmentListEntry> entries;
  bool torn = false;
  // The base of the active segment when the list was written: the last
  // entry's next, or -1 without entries.
  int64_t end() const { return entries.empty() ? -1 : entries.back().next; }
};

// NotFound when the file is absent; Corruption "<file> line N: ..." for any
// damage but a torn last line. Reads with one read of the whole file.
Result<SegmentList> ReadSegmentList(const std::string& dir);
// Replaces the file atomically (fsyncs when `sync`).
Status WriteSegmentList(const std::string& dir, const std::vector<SegmentListEntry>& entries,
                        bool sync);
// Appends one entry with one write(2) (fdatasync when `sync`). The caller
// makes sure the file exists, is not torn and ends at e.base.
Status AppendSegmentEntry(const std::string& dir, const SegmentListEntry& e, bool sync);

// A segment that is gone: its base (which names its file) and next base, -1
// when unknown (the active segment is missing). Offsets [from, next) are
// lost, `from` being the base or the log start offset if that is higher.
struct SegmentHole {
  int64_t base;
  int64_t next;
  int64_t from;
};

// The holes the list shows against the .log files on disk (`disk`: their
// bases, sorted), ignoring everything below `log_start` (the persisted log
// start offset, or -1): every lost entry, every segment entry whose .log is
// not there, and the range between the list's end and the first segment on
// disk at or after it (when that is not the list's end).
std::vector<SegmentHole> FindHoles(const SegmentList& list, const std::vector<int64_t>& disk,
                                   int64_t log_start);

// Corruption "segment <dir>/<base>.log is missing: offsets A-B lost" (or
// "offsets from A lost" when the end is unknown).
Status MissingSegmentError(const std::string& dir, const SegmentHole& hole);

}  // namespace klog
