// klog-dump's logic: walks paths, prints (writer.h) or verifies segments.
// Index and digest files are handled in index.cpp.
#include "klog/dump.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "dump/internal.h"
#include "klog/filename.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog {
namespace dump_internal {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Dumper::Dumper(const DumpOptions& o, std::ostream& out, const DumpWarningFn& warn)
    : opts_(o), writer_(out, o.json), warn_(warn) {}

Status Dumper::DumpPath(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file or directory");
    return Status::FromErrno(path, errno);
  }
  prev_last_offset_ = -1;
  if (S_ISDIR(st.st_mode)) return DumpDirectory(path);
  for (std::string_view suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
    if (!EndsWith(path, suffix)) continue;
    Segment seg = SegmentFor(path, suffix);
    if (suffix == kLogSuffix) return DumpSegment(seg);
    if (suffix == kDigestSuffix) return DigestFile(seg, true);
    return IndexFileAlone(seg, suffix == kIndexSuffix);
  }
  return Status::InvalidArgument(path +
                                 ": not a .log, .index, .timeindex or .xxh3 file or a directory");
}

// Describes the segment a file belongs to; it is sealed if a segment with a
// greater base offset lies in the same directory.
Segment Dumper::SegmentFor(const std::string& path, std::string_view suffix) {
  Segment seg;
  seg.stem = path.substr(0, path.size() - suffix.size());
  seg.log_path = seg.stem + std::string(kLogSuffix);
  seg.base = ParseSegmentName(BaseName(seg.log_path), kLogSuffix).value_or(-1);
  if (seg.base >= 0) {
    Result<std::vector<int64_t>> bases = ListSegments(DirName(path));
    if (bases.ok() && !bases->empty() && bases->back() > seg.base) seg.sealed = true;
  }
  return seg;
}

Status Dumper::DumpDirectory(const std::string& dir) {
  Result<std::vector<int64_t>> bases = ListSegments(dir);
  if (!bases.ok()) return bases.status();
  if (opts_.verify) KLOG_RETURN_IF_ERROR(VerifyPartition(dir, *bases));
  if (bases->empty()) {
    // A fresh partition has no segment yet; any other directory without one
    // is most likely the wrong path.
    std::string name = dir.substr(dir.find_last_of('/', dir.size() - 2) + 1);
    if (!name.empty() && name.back() == '/') name.pop_back();
    std::string topic;
    int32_t partition;
    if (!ParsePartitionDirName(name, &topic, &partition)) {
      return Status::NotFound(dir + ": no segment (.log) files in this directory");
    }
    writer_.EmptyPartition(dir, opts_.verify);
    return Status::Ok();
  }
  std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  for (size_t i = 0; i < bases->size(); ++i) {
    Segment seg;
    seg.stem = prefix + OffsetFileStem((*bases)[i]);
    seg.log_path = seg.stem + std::string(kLogSuffix);
    seg.base = (*bases)[i];
    seg.sealed = i + 1 < bases->size();
    seg.in_dir = true;
    KLOG_RETURN_IF_ERROR(DumpSegment(seg));
  }
  have_list_ = contiguous_ = false;
  return Status::Ok();
}

Status Dumper::DumpSegment(const Segment& seg) {
  offsets_topic_ = opts_.verify && IsOffsetsTopicLog(seg.log_path);
  LogScan scan;
  KLOG_RETURN_IF_ERROR(ScanLog(seg, &scan));
  if (opts_.verify && seg.in_dir) KLOG_RETURN_IF_ERROR(CheckListed(seg, scan));
  if (opts_.verify) writer_.OkLog(seg.log_path, scan.totals);
  if (scan.totals.last_offset >= 0) prev_last_offset_ = scan.totals.last_offset;
  if (opts_.verify || opts_.index) {
    KLOG_RETURN_IF_ERROR(OffsetIndexFile(seg, &scan));
    KLOG_RETURN_IF_ERROR(TimeIndexFile(seg, &scan));
    KLOG_RETURN_IF_ERROR(DigestFile(seg, false));
  }
  return Status::Ok();
}

// Checks the first batch of a segment against its name and the previous segment.
Status Dumper::CheckFirstBatch(const Segment& seg, const BatchHeader& h) {
  if (seg.base >= 0 && prev_last_offset_ >= 0 && seg.base <= prev_last_offset_) {
    return CorruptionAt(seg.log_path, 0,
                        "segment base offset " + std::to_string(seg.base) +
                            " is not after the previous segment's last offset " +
                            std::to_string(prev_last_offset_));
  }
  if (h.base_offset <= prev_last_offset_) {
    return CorruptionAt(seg.log_path, 0,
                        "batch offset " + std::to_string(h.base_offset) +
                            " is not after the previous segment's last offset " +
                            std::to_string(prev_last_offset_));
  }
  return Status::Ok();
}

// Handles one batch of a scan: prints it (dump), records it (verify) and
// decodes its records when they are wanted or verified.
Status Dumper::OnBatch(const Segment& seg, const BatchInfo& b, std::span<const uint8_t> bytes,
                       LogScan* scan) {
  const BatchHeader& h = b.header;
  if (scan->totals.batches == 0) KLOG_RETURN_IF_ERROR(CheckFirstBatch(seg, h));
  if (!opts_.verify) writer_.Batch(b);
  LogTotals& t = scan->totals;
  if (t.batches++ == 0) t.first_offset = h.base_offset;
  t.last_offset = h.last_offset();
  scan->max_timestamp = std::max(scan->max_timestamp, h.max_timestamp);
  if (opts_.verify) scan->batches.push_back({b.position, h.base_offset, h.last_offset()});
  if (!b.crc_ok && opts_.verify) return Status::Ok();  // the scan reports it
  if (!opts_.records && !opts_.verify) return Status::Ok();
  Status st = records_.Reset(bytes);
  RecordView r;
  while (st.ok() && records_.Next(&r)) {
    ++t.records;
    if (opts_.records && !opts_.verify) writer_.Record(r);
    if (offsets_topic_) KLOG_RETURN_IF_ERROR(VerifyOffsetsRecord(seg.log_path, b, r));
  }
  if (st.ok()) st = records_.status();
  if (!st.ok()) {
    st = CorruptionAt(seg.log_path, b.position,
                      "batch at offset " + std::to_string(h.base_offset) + ": " + st.message());
    // The next batch is still found by its length, so a dump goes on.
    if (opts_.verify) return st;
    if (scan->problem.ok()) scan->problem = st;
  }
  return Status::Ok();
}

Status Dumper::ScanLog(const Segment& seg, LogScan* scan) {
  Result<int64_t> size = PathSize(seg.log_path);
  if (!size.ok()) return size.status();
  if (!opts_.verify) writer_.LogStart(seg.log_path, *size);
  int64_t from = 0, valid_end = 0;
  for (;;) {
    Status batch_status;
    int64_t bad_crc_end = -1;
    auto fn = [&](const BatchInfo& b, std::span<const uint8_t> bytes) {
      if (!b.crc_ok) bad_crc_end = b.position + b.header.size();
      batch_status = OnBatch(seg, b, bytes, scan);
      return batch_status.ok();
    };
    Status st = ScanSegment(seg.log_path, from, fn, &valid_end);
    if (!batch_status.ok()) return batch_status;
    if (st.ok()) break;
    // Without verify, a batch with a bad CRC is shown and the dump goes on.
    if (opts_.verify || bad_crc_end < 0) return st;
    if (scan->problem.ok()) scan->problem = st;
    from = valid_end = bad_crc_end;
  }
  if (valid_end < *size) {
    int64_t torn = *size - valid_end;
    if (!opts_.verify) writer_.Tail(valid_end, torn);
    if (seg.sealed) {
      Status st = CorruptionAt(
          seg.log_path, valid_end,
          "partial batch of " + std::to_string(torn) + " bytes at the end of a sealed segment");
      if (opts_.verify) return st;
      if (scan->problem.ok()) scan->problem = st;
    } else if (opts_.verify) {
      warn_(seg.log_path + " pos " + std::to_string(valid_end) + ": partial batch of " +
            std::to_string(torn) +
            " bytes at the end of the active segment (a torn write; recovery truncates it)");
    }
  }
  return scan->problem;
}

}  // namespace dump_internal

Status Dump(const std::vector<std::string>& paths, const DumpOptions& options, std::ostream& out,
            const DumpWarningFn& warn) {
  dump_internal::Dumper dumper(options, out, warn);
  for (const std::string& path : paths) KLOG_RETURN_IF_ERROR(dumper.DumpPath(path));
  return Status::Ok();
}

}  // namespace klog
