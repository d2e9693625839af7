#include "replica/compare.h"

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include "klog/batch_frame.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/segment.h"

namespace klog::replica {
namespace {

// Reads one log's batch headers in order, from a given offset.
class HeaderStream {
 public:
  static Result<HeaderStream> Open(const std::string& dir) {
    auto r = LogReader::Open(dir);
    if (!r.ok()) return r.status();
    HeaderStream s;
    s.reader_ = std::move(r.value());
    return s;
  }
  LogReader& reader() { return *reader_; }
  Status Seek(int64_t offset) {
    chunk_ = {};
    return reader_->Seek(offset);
  }
  // The next batch header, or false at the end of the log.
  Result<bool> Next(BatchHeader* out) {
    if (chunk_.empty()) {
      auto next = reader_->Next();
      if (!next.ok()) return next.status().WithContext(reader_->dir());
      chunk_ = next.value();
      if (chunk_.empty()) return false;
    }
    auto size = BatchFrameSize(chunk_);
    if (!size.ok()) return size.status().WithContext(reader_->dir());
    Status st = ParseBatchHeader(chunk_, out);
    if (!st.ok()) return st.WithContext(reader_->dir());
    chunk_ = chunk_.subspan(size.value());
    return true;
  }

 private:
  std::unique_ptr<LogReader> reader_;
  std::span<const uint8_t> chunk_;
};

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

// Why two headers at the same place differ, or "" when they do not.
std::string HeaderDifference(const BatchHeader& a, const BatchHeader& b) {
  if (a.base_offset != b.base_offset) {
    return "batches start at offsets " + std::to_string(a.base_offset) + " vs " +
           std::to_string(b.base_offset);
  }
  std::string at = "batch at offset " + std::to_string(a.base_offset) + ": ";
  if (a.last_offset() != b.last_offset()) {
    return at + "last offset " + std::to_string(a.last_offset()) + " vs " +
           std::to_string(b.last_offset());
  }
  if (a.leader_epoch != b.leader_epoch) {
    return at + "leader epoch " + std::to_string(a.leader_epoch) + " vs " +
           std::to_string(b.leader_epoch);
  }
  if (a.size() != b.size()) {
    return at + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " bytes";
  }
  if (a.crc != b.crc) return at + "CRC " + Hex(a.crc) + " vs " + Hex(b.crc);
  return "";
}

// True when sealed segment `base` of both logs has the same digest.
bool SameSealedSegment(const std::string& a, const std::string& b, int64_t base) {
  auto da = ReadDigest(SegmentPath(a, base, kLogSuffix));
  auto db = ReadDigest(SegmentPath(b, base, kLogSuffix));
  return da.ok() && db.ok() && da.value().xxh3 == db.value().xxh3 &&
         da.value().bytes == db.value().bytes;
}

// The segment bases of both logs.
struct SegmentLists {
  std::vector<int64_t> a, b;
};

// Where comparing by digest can begin: the base of the segment holding
// `from` when both logs have that segment, else the first base above `from`
// that both have (the batches below it are compared one by one, as when a
// copy began inside its source's segment), else INT64_MAX.
int64_t DigestWalkStart(const SegmentLists& l, int64_t from) {
  auto holding = [from](const std::vector<int64_t>& v) {
    auto it = std::upper_bound(v.begin(), v.end(), from);
    return it == v.begin() ? int64_t(-1) : *(it - 1);
  };
  int64_t ha = holding(l.a);
  if (ha >= 0 && ha == holding(l.b)) return ha;
  for (int64_t base : l.a) {
    if (base > from && std::binary_search(l.b.begin(), l.b.end(), base)) return base;
  }
  return INT64_MAX;
}

// The end of the run of sealed segments, from the one based at `start`
// (which both logs have), that both logs have under the same names with the
// same digests: `start` when there is none.
int64_t EqualByDigest(const std::string& a, const std::string& b, const SegmentLists& l,
                      int64_t start, CompareResult* out) {
  size_t i = std::lower_bound(l.a.begin(), l.a.end(), start) - l.a.begin();
  size_t j = std::lower_bound(l.b.begin(), l.b.end(), start) - l.b.begin();
  int64_t end = start;
  // A segment is sealed when a next one exists; it is equal when both logs
  // name the next one alike and the digests match.
  for (; i + 1 < l.a.size() && j + 1 < l.b.size(); i++, j++) {
    if (l.a[i] != l.b[j] || l.a[i + 1] != l.b[j + 1]) break;
    if (!SameSealedSegment(a, b, l.a[i])) break;
    out->segments_by_digest++;
    end = l.a[i + 1];
  }
  return end;
}

// Compares batch headers from both cursors until a difference, the end of
// both logs, or batches at or past `limit` on both sides.
Status CompareBatches(HeaderStream& a, HeaderStream& b, int64_t limit, CompareResult* out) {
  for (;;) {
    BatchHeader ha, hb;
    auto na = a.Next(&ha);
    if (!na.ok()) return na.status();
    auto nb = b.Next(&hb);
    if (!nb.ok()) return nb.status();
    if (!na.value() && !nb.value()) return Status::Ok();
    if (na.value() != nb.value()) {
      const BatchHeader& more = na.value() ? ha : hb;
      HeaderStream& shorter = na.value() ? b : a;
      out->equal = false;
      out->first_difference = more.base_offset;
      out->reason =
          shorter.reader().dir() + " ends before offset " + std::to_string(more.base_offset);
      return Status::Ok();
    }
    if (ha.base_offset >= limit && hb.base_offset >= limit) return Status::Ok();
    out->batches_compared++;
    std::string why = HeaderDifference(ha, hb);
    if (!why.empty()) {
      out->equal = false;
      out->first_difference = std::min(ha.base_offset, hb.base_offset);
      out->reason = why;
      return Status::Ok();
    }
  }
}

// Compares from offset `from` on, batch by batch, up to `limit`.
Status CompareRange(HeaderStream& a, HeaderStream& b, int64_t from, int64_t limit,
                    CompareResult* out) {
  KLOG_RETURN_IF_ERROR(a.Seek(from));
  KLOG_RETURN_IF_ERROR(b.Seek(from));
  return CompareBatches(a, b, limit, out);
}

}  // namespace

Result<CompareResult> ComparePartitionLogsFrom(const std::string& a, const std::string& b,
                                               int64_t from) {
  auto ra = HeaderStream::Open(a);
  if (!ra.ok()) return ra.status();
  auto rb = HeaderStream::Open(b);
  if (!rb.ok()) return rb.status();
  SegmentLists lists;
  auto la = ListSegments(a);
  if (!la.ok()) return la.status();
  auto lb = ListSegments(b);
  if (!lb.ok()) return lb.status();
  lists.a = std::move(la.value());
  lists.b = std::move(lb.value());
  CompareResult out;
  int64_t walk = DigestWalkStart(lists, from);
  if (walk > from) KLOG_RETURN_IF_ERROR(CompareRange(ra.value(), rb.value(), from, walk, &out));
  if (!out.equal || walk == INT64_MAX) return out;
  int64_t end = EqualByDigest(a, b, lists, walk, &out);
  KLOG_RETURN_IF_ERROR(CompareRange(ra.value(), rb.value(), std::max(from, end), INT64_MAX, &out));
  return out;
}

Result<CompareResult> ComparePartitionLogs(const std::string& a, const std::string& b) {
  auto ra = LogReader::Open(a);
  if (!ra.ok()) return ra.status();
  auto rb = LogReader::Open(b);
  if (!rb.ok()) return rb.status();
  int64_t start_a = ra.value()->start_offset();
  int64_t start_b = rb.value()->start_offset();
  if (start_a != start_b) {
    CompareResult out;
    out.equal = false;
    out.first_difference = std::min(start_a, start_b);
    out.reason = "log start offsets " + std::to_string(start_a) + " vs " + std::to_string(start_b);
    return out;
  }
  return ComparePartitionLogsFrom(a, b, start_a);
}

}  // namespace klog::replica
