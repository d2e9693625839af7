// Opening a partition for writing: recovery of the active segment, index
// checks and digest repair. The rules are in klog/log.h and klog-format(5).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/filename.h"
#include "klog/segment.h"
#include "storage/cleaner/internal.h"
#include "storage/log_start.h"
#include "storage/segment_scan.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

// Cheap check of a sealed segment's index file: present, whole entries, and
// the last entry inside the .log. Full ordering is checked only for the
// active segment; klog-dump --verify checks everything.
bool SealedIndexLooksValid(const std::string& path, int entry_size, int64_t log_size) {
  UniqueFd fd;
  if (!OpenFd(path, O_RDONLY, &fd).ok()) return false;
  Result<int64_t> size = FdSize(fd.get(), path);
  if (!size.ok() || *size % entry_size != 0) return false;
  if (*size == 0) return true;
  if (log_size == 0) return false;
  uint8_t buf[kTimeIndexEntrySize];
  size_t got = 0;
  if (!PreadFull(fd.get(), buf, size_t(entry_size), *size - entry_size, &got, path).ok() ||
      got != size_t(entry_size)) {
    return false;
  }
  if (entry_size == kIndexEntrySize) {
    return int32_t(GetBE32(buf)) >= 0 && int32_t(GetBE32(buf + 4)) >= 0 &&
           int64_t(int32_t(GetBE32(buf + 4))) < log_size;
  }
  return int32_t(GetBE32(buf + 8)) >= 0;
}

// Full check of an index pair: every entry in order (ReadOffsetIndex and
// ReadTimeIndex) and the last offset entry inside the .log.
bool IndexesInOrder(const std::string& dir, int64_t base, int64_t log_size) {
  auto index = ReadOffsetIndex(SegmentPath(dir, base, kIndexSuffix));
  auto times = ReadTimeIndex(SegmentPath(dir, base, kTimeIndexSuffix));
  return index.ok() && times.ok() && (index->empty() || index->back().position < log_size);
}

// `full`: also check the order of every entry (done for the newest sealed
// segment only, whose indexes a crash during its roll may have left damaged).
Status CheckSealedSegment(LogWriter::Impl* w, int64_t base, bool full) {
  std::string log = SegmentPath(w->dir, base, kLogSuffix);
  Result<int64_t> size = PathSize(log);
  if (!size.ok()) return size.status();
  if (SealedIndexLooksValid(SegmentPath(w->dir, base, kIndexSuffix), kIndexEntrySize, *size) &&
      SealedIndexLooksValid(SegmentPath(w->dir, base, kTimeIndexSuffix), kTimeIndexEntrySize,
                            *size) &&
      (!full || IndexesInOrder(w->dir, base, *size))) {
    return Status::Ok();
  }
  w->Warn(log + ": rebuilt missing or damaged index files");
  return RebuildIndexes(log, base, w->opts.index_interval_bytes);
}

// The newest sealed segment may have lost its digest to a crash during the roll.
Status CheckLastDigest(LogWriter::Impl* w, int64_t base) {
  std::string log = SegmentPath(w->dir, base, kLogSuffix);
  Result<SegmentDigest> d = ReadDigest(log);
  Result<int64_t> size = PathSize(log);
  if (!size.ok()) return size.status();
  if (d.ok()) {
    if (d->bytes == *size) return Status::Ok();
    return Status::Corruption(log + ": sealed segment has " + std::to_string(*size) +
                              " bytes, its digest says " + std::to_string(d->bytes));
  }
  if (!d.status().IsNotFound() && !d.status().IsCorruption()) return d.status();
  w->Warn(SegmentPath(w->dir, base, kDigestSuffix) + ": missing or torn digest, recomputed");
  Result<SegmentDigest> fresh = ComputeDigest(log);
  if (!fresh.ok()) return fresh.status();
  return WriteDigestFile(log, *fresh, w->SyncsOnRoll());
}

// True if the checkpoint describes the active segment as it is on disk: same
// base and size, and the batch it names last is whole, intact and ends at `next`.
bool CheckpointMatches(const Checkpoint& c, int64_t base, int64_t size, const std::string& log) {
  if (c.base != base || c.size != size) return false;
  if (size == 0) return c.last_batch_pos == -1 && c.next_offset == base;
  if (c.last_batch_pos < 0 || c.last_batch_pos >= size) return false;
  UniqueFd fd;
  if (!OpenFd(log, O_RDONLY, &fd).ok()) return false;
  std::vector<uint8_t> buf(size_t(size - c.last_batch_pos));
  size_t got = 0;
  if (!PreadFull(fd.get(), buf.data(), buf.size(), c.last_batch_pos, &got, log).ok() ||
      got != buf.size()) {
    return false;
  }
  Result<size_t> n = NextBatchSize(buf);
  BatchHeader h;
  return n.ok() && *n == buf.size() && ParseBatchHeader(buf, &h).ok() &&
         h.last_offset() + 1 == c.next_offset && BatchCrcOk(buf);
}

// The active segment's indexes after a clean close: fully ordered and inside
// the log. Fills the builder state on success.
bool ActiveIndexesValid(LogWriter::Impl* w, const Checkpoint& c) {
  auto index = ReadOffsetIndex(SegmentPath(w->dir, c.base, kIndexSuffix));
  auto times = ReadTimeIndex(SegmentPath(w->dir, c.base, kTimeIndexSuffix));
  if (!index.ok() || !times.ok()) return false;
  int64_t last_rel = c.next_offset - 1 - c.base;
  if (!index->empty() &&
      (index->back().position >= c.size || index->back().relative_offset > last_rel)) {
    return false;
  }
  if (!times->empty() &&
      (times->back().relative_offset > last_rel || times->back().timestamp > c.max_timestamp)) {
    return false;
  }
  w->builder.Restore(index->empty() ? 0 : index->back().position,
                     times->empty() ? -1 : times->back().timestamp, c.max_timestamp,
                     c.max_timestamp_offset);
  return true;
}

// What a scan of the active segment learned.
struct ActiveScan {
  int64_t next_offset;
  int64_t last_batch_pos = -1;
  std::string index, time_index;  // the indexes as the writer would have made them
  // XXH3 of the batches kept (the .log once its torn tail is cut off).
  std::unique_ptr<Xxh3Stream> hash = std::make_unique<Xxh3Stream>();
};

// Scans the whole active segment, truncating a torn or corrupt tail.
Status ScanActive(LogWriter::Impl* w, int64_t base, IndexBuilder* builder, ActiveScan* out) {
  const std::string& log = w->log_path;
  out->next_offset = base;
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t> bytes) {
    if (!b.crc_ok) return false;
    out->hash->Update(bytes.data(), bytes.size());
    IndexBuilder::Entries e =
        builder->OnAppend(b.position, b.header.last_offset(), b.header.max_timestamp);
    uint8_t buf[kTimeIndexEntrySize];
    if (e.index) {
      EncodeIndexEntry(*e.index, buf);
      out->index.append(reinterpret_cast<char*>(buf), kIndexEntrySize);
    }
    if (e.time) {
      EncodeTimeIndexEntry(*e.time, buf);
      out->time_index.append(reinterpret_cast<char*>(buf), kTimeIndexEntrySize);
    }
    out->next_offset = b.header.last_offset() + 1;
    out->last_batch_pos = b.position;
    return true;
  };
  int64_t valid_end = 0;
  Status st = ScanBatches(w->log_fd.get(), log, base, 0, w->size, -1, true, fn, &valid_end);
  if (!st.ok() && !st.IsCorruption()) return st;
  if (valid_end < w->size) {
    w->Warn(log + ": truncated torn tail at pos " + std::to_string(valid_end) + " (" +
            std::to_string(w->size - valid_end) + " bytes)");
    if (::ftruncate(w->log_fd.get(), valid_end) != 0) {
      return Status::FromErrno("truncate " + log, errno);
    }
    w->size = valid_end;
  }
  if (auto final_entry = builder->ForceFinal()) {
    uint8_t buf[kTimeIndexEntrySize];
    EncodeTimeIndexEntry(*final_entry, buf);
    out->time_index.append(reinterpret_cast<char*>(buf), kTimeIndexEntrySize);
  }
  return Status::Ok();
}

// Replaces an index file with `want` unless it already holds exactly that.
// `existed` says whether the file was there before Open created it.
Status RewriteIndex(LogWriter::Impl* w, const std::string& path, const std::string& want,
                    bool existed) {
  std::string have;
  Status st = ReadWholeFile(path, &have);
  if (st.ok() && have == want) return Status::Ok();
  // An index that is merely behind (a crash between the .log write and the
  // index write, or no final time entry yet) is completed without a warning.
  bool behind = existed && st.ok() && want.compare(0, have.size(), have) == 0;
  if (!behind) w->Warn(path + ": rebuilt missing or damaged index");
  return ReplaceFileAtomically(path, want, false);
}

Status RecoverActive(LogWriter::Impl* w, int64_t base) {
  std::string digest = SegmentPath(w->dir, base, kDigestSuffix);
  if (::unlink(digest.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink " + digest, errno);
  }
  Result<Checkpoint> cp = ReadCheckpoint(w->dir);
  std::string cp_path = w->dir + "/" + std::string(kCheckpointName);
  if (::unlink(cp_path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink " + cp_path, errno);
  }
  std::string index = SegmentPath(w->dir, base, kIndexSuffix);
  std::string times = SegmentPath(w->dir, base, kTimeIndexSuffix);
  bool index_existed = PathSize(index).ok();
  bool times_existed = PathSize(times).ok();
  KLOG_RETURN_IF_ERROR(w->OpenActive(base, false));  // creates missing index files
  if (cp.ok() && CheckpointMatches(*cp, base, w->size, w->log_path)) {
    w->next_offset = cp->next_offset;
    w->roll_ts = cp->roll_ms;
    w->last_batch_pos = cp->last_batch_pos;
    if (!index_existed || !times_existed || !ActiveIndexesValid(w, *cp)) {
      w->Warn(w->log_path + ": rebuilt missing or damaged index files");
      KLOG_RETURN_IF_ERROR(RebuildIndexes(w->log_path, base, w->opts.index_interval_bytes));
      KLOG_RETURN_IF_ERROR(w->OpenActive(base, false));
      if (!ActiveIndexesValid(w, *cp)) {
        return Status::Corruption(w->log_path + ": rebuilt indexes do not match the log");
      }
    }
  } else {
    IndexBuilder builder(base, w->opts.index_interval_bytes);
    ActiveScan scan;
    KLOG_RETURN_IF_ERROR(ScanActive(w, base, &builder, &scan));
    KLOG_RETURN_IF_ERROR(RewriteIndex(w, index, scan.index, index_existed));
    KLOG_RETURN_IF_ERROR(RewriteIndex(w, times, scan.time_index, times_existed));
    KLOG_RETURN_IF_ERROR(w->OpenActive(base, false));
    w->builder = builder;
    w->next_offset = scan.next_offset;
    w->last_batch_pos = scan.last_batch_pos;
    w->hash = std::move(scan.hash);
    // The first append's time is lost with the checkpoint: the age counts from now.
    w->roll_ts = -1;
  }
  if (w->size > 0 && w->roll_ts < 0) w->roll_ts = w->Now();
  if (w->size == 0) w->roll_ts = -1;
  return Status::Ok();
}

}  // namespace

Status RecoverPartition(LogWriter::Impl* w) {
  // A swap of cleaned segments a crash interrupted is finished or rolled back first.
  KLOG_RETURN_IF_ERROR(RecoverCleaning(w->dir));
  // So is a suffix truncation (TruncateTo).
  KLOG_RETURN_IF_ERROR(RecoverTruncation(w));
  Result<std::vector<int64_t>> segs = ListSegments(w->dir);
  if (!segs.ok()) return segs.status();
  // A missing segment is warned about (and stays listed); a missing active
  // segment is made again, so segs->back() is the active one.
  int64_t first_base = 0;
  KLOG_RETURN_IF_ERROR(ReconcileSegmentList(w, &*segs, &first_base));
  if (segs->empty()) {
    KLOG_RETURN_IF_ERROR(w->OpenActive(0, true));
    if (w->SyncsOnRoll()) KLOG_RETURN_IF_ERROR(SyncDir(w->dir));
    w->next_offset = 0;
    w->start_offset = 0;
    w->hash = std::make_unique<Xxh3Stream>();
    return LoadEpochCache(w);
  }
  for (size_t i = 0; i + 1 < segs->size(); ++i) {
    KLOG_RETURN_IF_ERROR(CheckSealedSegment(w, (*segs)[i], i + 2 == segs->size()));
  }
  if (segs->size() >= 2) KLOG_RETURN_IF_ERROR(CheckLastDigest(w, (*segs)[segs->size() - 2]));
  KLOG_RETURN_IF_ERROR(RecoverActive(w, segs->back()));
  // klog.log-start may name an offset inside the first segment (DeleteRecords);
  // a missing first segment still counts, so that readers are told of it.
  w->start_offset = std::min(LogStartOr(w->dir, first_base), w->next_offset);
  if (w->size == 0) w->hash = std::make_unique<Xxh3Stream>();
  return LoadEpochCache(w);
}

}  // namespace klog
