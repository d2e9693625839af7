// The dump of .index, .timeindex and .xxh3 files, and their checks against
// the segment's .log (rules in klog/dump.h).
#include <algorithm>

#include "dump/internal.h"
#include "klog/checksum.h"
#include "klog/filename.h"
#include "klog/index.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog::dump_internal {
namespace {

// Checks one offset-index entry (absolute `offset`) against the batches.
std::string CheckIndexEntry(int64_t offset, int64_t position, const LogScan& scan,
                            const std::string& log_path) {
  const std::vector<BatchSpan>& b = scan.batches;
  auto it = std::lower_bound(b.begin(), b.end(), position,
                             [](const BatchSpan& s, int64_t pos) { return s.position < pos; });
  std::string entry =
      "entry for offset " + std::to_string(offset) + " at position " + std::to_string(position);
  if (it == b.end() || it->position != position) {
    return entry + " does not point at the start of a batch in " + log_path;
  }
  if (it != b.begin() && std::prev(it)->last_offset >= offset) {
    return entry + ": the batch before that position already reaches offset " +
           std::to_string(std::prev(it)->last_offset);
  }
  if (offset > scan.totals.last_offset) {
    return entry + " is past the segment's last offset " + std::to_string(scan.totals.last_offset);
  }
  return "";
}

std::string CheckTimeEntry(int64_t timestamp, int64_t offset, const LogScan& scan) {
  const LogTotals& t = scan.totals;
  if (offset < t.first_offset || offset > t.last_offset) {
    return "entry offset " + std::to_string(offset) + " is outside the segment's offsets " +
           std::to_string(t.first_offset) + ".." + std::to_string(t.last_offset);
  }
  if (timestamp > scan.max_timestamp) {
    return "entry timestamp " + std::to_string(timestamp) +
           " is above the segment's largest timestamp " + std::to_string(scan.max_timestamp);
  }
  return "";
}

}  // namespace

Status Dumper::OffsetIndexFile(const Segment& seg, const LogScan* scan) {
  std::string path = seg.stem + std::string(kIndexSuffix);
  Result<std::vector<IndexEntry>> index = ReadOffsetIndex(path);
  if (!index.ok()) return index.status().IsNotFound() ? Status::Ok() : index.status();
  const int64_t base = std::max<int64_t>(seg.base, 0);
  if (!opts_.verify) {
    writer_.IndexStart(path, index->size());
    for (const IndexEntry& e : *index) writer_.IndexEntry(base + e.relative_offset, e.position);
    return Status::Ok();
  }
  for (size_t i = 0; scan != nullptr && i < index->size(); ++i) {
    const IndexEntry& e = (*index)[i];
    // A preallocated index of an empty segment reads as one zero entry.
    if (scan->batches.empty() && e.relative_offset == 0 && e.position == 0) continue;
    std::string what = CheckIndexEntry(base + e.relative_offset, e.position, *scan, seg.log_path);
    if (!what.empty()) return CorruptionAt(path, int64_t(i) * kIndexEntrySize, what);
  }
  writer_.OkIndex(path, index->size());
  return Status::Ok();
}

Status Dumper::TimeIndexFile(const Segment& seg, const LogScan* scan) {
  std::string path = seg.stem + std::string(kTimeIndexSuffix);
  Result<std::vector<TimeIndexEntry>> index = ReadTimeIndex(path);
  if (!index.ok()) return index.status().IsNotFound() ? Status::Ok() : index.status();
  const int64_t base = std::max<int64_t>(seg.base, 0);
  if (!opts_.verify) {
    writer_.TimeIndexStart(path, index->size());
    for (const TimeIndexEntry& e : *index) {
      writer_.TimeIndexEntry(e.timestamp, base + e.relative_offset);
    }
    return Status::Ok();
  }
  for (size_t i = 0; scan != nullptr && i < index->size(); ++i) {
    const TimeIndexEntry& e = (*index)[i];
    if (scan->batches.empty() && e.timestamp == 0 && e.relative_offset == 0) continue;
    std::string what = CheckTimeEntry(e.timestamp, base + e.relative_offset, *scan);
    if (!what.empty()) return CorruptionAt(path, int64_t(i) * kTimeIndexEntrySize, what);
  }
  writer_.OkIndex(path, index->size());
  return Status::Ok();
}

Status Dumper::DigestFile(const Segment& seg, bool given) {
  std::string path = seg.stem + std::string(kDigestSuffix);
  Result<SegmentDigest> stored = ReadDigest(seg.log_path);
  if (!stored.ok()) {
    if (!stored.status().IsNotFound() || given) return stored.status();
    if (opts_.verify && seg.sealed) {
      warn_(seg.log_path + ": sealed segment has no digest (" + std::string(BaseName(path)) + ")");
    }
    return Status::Ok();
  }
  if (!opts_.verify) {
    writer_.Digest(path, *stored);
    return Status::Ok();
  }
  Result<SegmentDigest> actual = ComputeDigest(seg.log_path);
  if (!actual.ok()) return actual.status();
  if (actual->xxh3 != stored->xxh3 || actual->bytes != stored->bytes) {
    int64_t pos = actual->bytes == stored->bytes ? 0 : std::min(actual->bytes, stored->bytes);
    return CorruptionAt(seg.log_path, pos,
                        "contents do not match " + path + " (expected xxh3 " + Hex64(stored->xxh3) +
                            " and " + std::to_string(stored->bytes) + " bytes, found xxh3 " +
                            Hex64(actual->xxh3) + " and " + std::to_string(actual->bytes) +
                            " bytes)");
  }
  writer_.OkDigest(path, *stored);
  return Status::Ok();
}

// A .index or .timeindex named on the command line: dumped alone, or with
// --verify checked against the .log beside it when there is one.
Status Dumper::IndexFileAlone(const Segment& seg, bool offset_index) {
  LogScan scan;
  const LogScan* against = nullptr;
  if (opts_.verify) {
    if (PathSize(seg.log_path).ok()) {
      KLOG_RETURN_IF_ERROR(ScanLog(seg, &scan));
      against = &scan;
    } else {
      warn_(seg.stem + (offset_index ? ".index" : ".timeindex") + ": no " +
            std::string(BaseName(seg.log_path)) + " beside it; only its own order was checked");
    }
  }
  return offset_index ? OffsetIndexFile(seg, against) : TimeIndexFile(seg, against);
}

}  // namespace klog::dump_internal
