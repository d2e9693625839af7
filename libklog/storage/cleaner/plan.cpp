// What is cleanable (CleanableStateOf), klog.cleaner, and PlanClean.
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <sstream>

#include "klog/filename.h"
#include "klog/index.h"
#include "klog/log.h"
#include "klog/segment.h"
#include "storage/cleaner/internal.h"
#include "storage/log_start.h"
#include "storage/segment_list.h"
#include "util/fileutil.h"

namespace klog {

std::string CleanedPath(const std::string& dir, int64_t base, std::string_view suffix) {
  return SegmentPath(dir, base, suffix) + std::string(kCleanedSuffix);
}

Result<CleanerCheckpoint> ReadCleanerCheckpoint(const std::string& dir) {
  std::string path = dir + "/" + std::string(kCleanerName);
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  Result<std::string> body = UnsealLine(text, path);
  if (!body.ok()) return body.status();
  std::istringstream in(*body);
  std::string magic, version, k1, k2, extra;
  CleanerCheckpoint c;
  if (in >> magic >> version >> k1 >> c.first_dirty >> k2 >> c.horizon && !(in >> extra) &&
      magic == "klog-cleaner" && version == "1" && k1 == "first_dirty" && k2 == "horizon" &&
      c.first_dirty >= 0 && c.horizon >= -1) {
    return c;
  }
  return Status::Corruption(path + ": malformed cleaner checkpoint");
}

Status WriteCleanerCheckpoint(const std::string& dir, const CleanerCheckpoint& c, bool sync) {
  std::string body = "klog-cleaner 1 first_dirty " + std::to_string(c.first_dirty) + " horizon " +
                     std::to_string(c.horizon);
  return ReplaceFileAtomically(dir + "/" + std::string(kCleanerName), SealLine(body), sync);
}

Result<int64_t> SegmentLargestTimestamp(const std::string& dir, int64_t base) {
  auto last = LastTimeIndexEntry(SegmentPath(dir, base, kTimeIndexSuffix));
  if (last.ok() && *last && (*last)->timestamp >= 0) return (*last)->timestamp;
  std::string log = SegmentPath(dir, base, kLogSuffix);
  struct stat st;
  if (::stat(log.c_str(), &st) != 0) return Status::FromErrno("stat " + log, errno);
  return int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

namespace {

int64_t NowMs(const CleanerOptions& opts) {
  if (opts.clock_ms) return opts.clock_ms();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// What Plan and CleanableStateOf both need: the cleanable sealed segments
// (the active one and those from the first too-new one on excluded), the
// cleaner checkpoint and the time.
struct Snapshot {
  std::vector<SourceSegment> cleanable;
  int64_t cleanable_end = 0;
  CleanerCheckpoint checkpoint;
  int64_t now = 0;
};

Status TakeSnapshot(const std::string& dir, const CleanerOptions& opts, Snapshot* out) {
  Result<std::vector<int64_t>> segs = ListSegments(dir);
  if (!segs.ok()) return segs.status();
  out->now = NowMs(opts);
  out->cleanable_end = segs->empty() ? 0 : segs->back();
  // Nothing from a missing segment on is cleaned: merging the segments
  // around it would hide it (klog.segments).
  int64_t hole = INT64_MAX;
  Result<SegmentList> list = ReadSegmentList(dir);
  if (list.ok()) {
    Result<int64_t> start = ReadLogStart(dir);
    for (const SegmentHole& h : FindHoles(*list, *segs, start.ok() ? *start : -1)) {
      hole = std::min(hole, h.base);
    }
  }
  for (size_t i = 0; i + 1 < segs->size(); ++i) {
    int64_t base = (*segs)[i];
    if (base >= hole || (*segs)[i + 1] > hole) {
      out->cleanable_end = base;
      break;
    }
    Result<int64_t> ts = SegmentLargestTimestamp(dir, base);
    if (!ts.ok()) return ts.status();
    if (*ts > out->now - opts.min_compaction_lag_ms) {
      out->cleanable_end = base;
      break;
    }
    Result<int64_t> bytes = PathSize(SegmentPath(dir, base, kLogSuffix));
    if (!bytes.ok()) return bytes.status();
    out->cleanable.push_back({base, *bytes, (*segs)[i + 1]});
  }
  int64_t first_base = segs->empty() ? 0 : segs->front();
  Result<CleanerCheckpoint> cp = ReadCleanerCheckpoint(dir);
  if (cp.ok()) {
    out->checkpoint = *cp;
  } else if (!cp.status().IsNotFound()) {
    return cp.status();
  }
  out->checkpoint.first_dirty = std::max(out->checkpoint.first_dirty, first_base);
  return Status::Ok();
}

}  // namespace

Result<CleanableState> CleanableStateOf(LogWriter* w, const CleanerOptions& opts) {
  Snapshot snap;
  KLOG_RETURN_IF_ERROR(TakeSnapshot(w->dir(), opts, &snap));
  CleanableState state;
  state.first_dirty = snap.checkpoint.first_dirty;
  for (const SourceSegment& s : snap.cleanable) {
    (s.next_base <= state.first_dirty ? state.clean_bytes : state.dirty_bytes) += s.bytes;
  }
  return state;
}

Result<std::unique_ptr<CleanPass>> PlanClean(LogWriter* w, const CleanerOptions& opts) {
  auto impl = std::make_unique<CleanPass::Impl>();
  impl->dir = w->dir();
  impl->opts = opts;
  if (opts.key_map_bytes < 48) {
    return Status::InvalidArgument("key map of " + std::to_string(opts.key_map_bytes) +
                                   " bytes cannot hold a key");
  }
  KLOG_RETURN_IF_ERROR(RecoverCleaning(impl->dir));
  Snapshot snap;
  KLOG_RETURN_IF_ERROR(TakeSnapshot(impl->dir, opts, &snap));
  impl->now = snap.now;
  impl->first_dirty = snap.checkpoint.first_dirty;
  impl->cleanable_end = snap.cleanable_end;
  bool dirty = impl->first_dirty < snap.cleanable_end && !snap.cleanable.empty() &&
               snap.cleanable.back().next_base > impl->first_dirty;
  bool horizon_due = snap.checkpoint.horizon >= 0 && snap.checkpoint.horizon <= snap.now;
  if (dirty || horizon_due) impl->segments = std::move(snap.cleanable);
  impl->map_end = impl->first_dirty;
  return std::make_unique<CleanPass>(std::move(impl));
}

}  // namespace klog
