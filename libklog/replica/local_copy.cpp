#include "replica/local_copy.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "klog/batch_frame.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/record.h"
#include "replica/compare.h"
#include "util/fileutil.h"

namespace klog::replica {
namespace {

// The copy rolls only where the source rolled (RollAt), so its own size and
// age limits are out of reach; any batch the source holds is accepted.
constexpr int64_t kNeverRollMs = int64_t(100) * 365 * 24 * 3600 * 1000;

LogOptions CopyLogOptions(const CopyOptions& opts) {
  LogOptions lo;
  lo.segment_bytes = int64_t(kMaxBatchFrameSize);
  lo.segment_ms = kNeverRollMs;
  lo.max_batch_bytes = int64_t(kMaxBatchFrameSize);
  lo.compacted = true;  // the source's offsets may have gaps
  lo.owner = opts.owner;
  lo.warn = opts.warn;
  return lo;
}

// The header of the batch holding `offset` in the log read by `r`, if any.
Result<std::optional<BatchHeader>> HeaderAt(LogReader& r, int64_t offset) {
  if (offset < r.start_offset() || offset >= r.end_offset()) return std::optional<BatchHeader>();
  KLOG_RETURN_IF_ERROR(r.Seek(offset));
  auto next = r.Next(1);
  if (!next.ok()) return next.status();
  if (next.value().empty()) return std::optional<BatchHeader>();
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(next.value(), &h));
  if (h.base_offset > offset || h.last_offset() < offset) return std::optional<BatchHeader>();
  return std::optional<BatchHeader>(h);
}

// True when the copy's last batch is the source's batch at the same offset.
Result<bool> LastBatchAgrees(LogReader& src, const std::string& dst_dir, int64_t dst_end) {
  auto dst = LogReader::Open(dst_dir);
  if (!dst.ok()) return dst.status();
  auto mine = HeaderAt(*dst.value(), dst_end - 1);
  if (!mine.ok()) return mine.status();
  if (!mine.value()) return true;  // nothing to check against (a gap at the end)
  auto theirs = HeaderAt(src, dst_end - 1);
  if (!theirs.ok()) return theirs.status();
  const BatchHeader& a = *mine.value();
  if (!theirs.value()) return false;
  const BatchHeader& b = *theirs.value();
  return a.base_offset == b.base_offset && a.last_offset() == b.last_offset() &&
         a.leader_epoch == b.leader_epoch && a.crc == b.crc && a.size() == b.size();
}

// Cuts a copy that disagrees with its source back to their first difference.
Status Reconcile(LogReader& src, const std::string& src_dir, LogWriter& dst,
                 const CopyOptions& opts, CopyStats* stats) {
  if (dst.next_offset() <= dst.start_offset()) return Status::Ok();
  auto agrees = LastBatchAgrees(src, dst.dir(), dst.next_offset());
  if (!agrees.ok()) return agrees.status();
  if (agrees.value()) return Status::Ok();
  int64_t from = std::max(src.start_offset(), dst.start_offset());
  auto cmp = ComparePartitionLogsFrom(src_dir, dst.dir(), from);
  if (!cmp.ok()) return cmp.status();
  if (cmp->equal) return Status::Ok();
  int64_t at = std::max(cmp->first_difference, dst.start_offset());
  std::string what = "copy " + dst.dir() + " diverges from " + src_dir + " at offset " +
                     std::to_string(at) + " (" + cmp->reason + ")";
  if (!opts.truncate) return Status::InvalidArgument(what + "; not truncated (--no-truncate)");
  if (opts.warn) opts.warn(what + ": truncating the copy to offset " + std::to_string(at));
  KLOG_RETURN_IF_ERROR(dst.TruncateTo(at));
  stats->truncated_to = dst.next_offset();
  return Status::Ok();
}

// Makes room for the source's first batch when the source's log starts
// past the copy's (retention or DeleteRecords at the source): an empty copy
// starts at that batch's base, as Kafka's follower starts at the first
// offset it is sent; a copy that ends below it rolls there, leaving a gap.
// A log start inside a batch still serves that whole batch.
Status MakeRoomForSourceStart(LogReader& src, LogWriter& dst) {
  int64_t src_start = src.start_offset();
  if (src_start <= dst.start_offset()) return Status::Ok();
  auto holding = HeaderAt(src, src_start);
  if (!holding.ok()) return holding.status();
  int64_t first = holding.value() ? holding.value()->base_offset : src_start;
  if (first <= dst.next_offset()) return Status::Ok();
  if (dst.next_offset() == dst.start_offset() && dst.ResetEmptyTo(first).ok()) {
    return Status::Ok();
  }
  return dst.RollAt(first);
}

// Moves the copy's log start up to the source's, deleting the segments
// wholly below it.
Status FollowLogStart(int64_t src_start, LogWriter& dst) {
  if (src_start <= dst.start_offset()) return Status::Ok();
  RetentionResult ignored;
  return dst.TruncateBefore(std::min(src_start, dst.next_offset()), &ignored);
}

std::optional<int64_t> SegmentBaseOf(const std::string& path) {
  return ParseSegmentName(BaseName(path), kLogSuffix);
}

// Appends the batches of one span read from the source, rolling first when
// the source's segment begins after the copy's.
Status CopySpan(std::span<const uint8_t> span, const std::string& span_path, LogWriter& dst,
                CopyStats* stats) {
  std::optional<int64_t> base = SegmentBaseOf(span_path);
  if (base && *base != dst.active_base() && *base >= dst.next_offset()) {
    KLOG_RETURN_IF_ERROR(dst.RollAt(*base));
  }
  BatchFrameIterator frames(span);
  std::span<const uint8_t> batch;
  while (frames.Next(&batch)) {
    auto appended = dst.AppendVerbatim(batch);
    if (!appended.ok()) return appended.status().WithContext("copy " + span_path);
    stats->batches++;
    stats->bytes += int64_t(batch.size());
  }
  return frames.status();
}

Status CopyBatches(LogReader& src, LogWriter& dst, const CopyOptions& opts, CopyStats* stats) {
  int64_t end = src.end_offset();  // what the source held when the copy began
  KLOG_RETURN_IF_ERROR(src.Seek(dst.next_offset()));
  while (dst.next_offset() < end) {
    auto span = src.Next(opts.read_bytes);
    if (!span.ok()) return span.status();
    if (span.value().empty()) break;
    KLOG_RETURN_IF_ERROR(CopySpan(span.value(), src.span_path(), dst, stats));
  }
  return Status::Ok();
}

}  // namespace

Status CopyPartitionLog(const std::string& src_dir, const std::string& dst_dir,
                        const CopyOptions& opts, CopyStats* stats) {
  *stats = CopyStats{};
  auto src = LogReader::Open(src_dir);
  if (!src.ok()) return src.status();
  auto dst = LogWriter::Open(dst_dir, CopyLogOptions(opts));
  if (!dst.ok()) return dst.status();
  LogWriter& w = *dst.value();
  Status st = Reconcile(*src.value(), src_dir, w, opts, stats);
  if (st.ok()) st = MakeRoomForSourceStart(*src.value(), w);
  if (st.ok()) st = CopyBatches(*src.value(), w, opts, stats);
  if (st.ok()) st = FollowLogStart(src.value()->start_offset(), w);
  if (st.ok()) st = w.Flush();
  stats->start_offset = w.start_offset();
  stats->end_offset = w.next_offset();
  Status closed = w.Close();
  return st.ok() ? closed : st;
}

}  // namespace klog::replica
