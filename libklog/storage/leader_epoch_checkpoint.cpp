// leader-epoch-checkpoint (the file) and the LogWriter's epoch cache kept
// in line with it: loaded or rebuilt by Open(), extended by appends.
#include "storage/leader_epoch_checkpoint.h"

#include <fcntl.h>

#include <climits>

#include "klog/filename.h"
#include "klog/segment.h"
#include "storage/segment_scan.h"
#include "storage/text_checkpoint.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

std::string EpochPath(const std::string& dir) {
  return dir + "/" + std::string(kLeaderEpochCheckpointName);
}

// Adds an entry for every batch of the segments in `dir` whose epoch is
// above the last one (as Kafka's recovery does). Stops quietly at the first
// unreadable batch: the writer's recovery reports those.
Status ScanEpochs(const std::string& dir, LeaderEpochCache* cache) {
  Result<std::vector<int64_t>> segs = ListSegments(dir);
  if (!segs.ok()) return segs.status();
  for (int64_t base : *segs) {
    std::string log = SegmentPath(dir, base, kLogSuffix);
    UniqueFd fd;
    KLOG_RETURN_IF_ERROR(OpenFd(log, O_RDONLY, &fd));
    Result<int64_t> size = FdSize(fd.get(), log);
    if (!size.ok()) return size.status();
    auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
      std::optional<int32_t> latest = cache->latest_epoch();
      if (!latest || b.header.leader_epoch > *latest) {
        cache->Assign(b.header.leader_epoch, b.header.base_offset);
      }
      return true;
    };
    int64_t valid_end = 0;
    (void)ScanBatches(fd.get(), log, base, 0, *size, -1, false, fn, &valid_end);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<LeaderEpochEntry>> ReadLeaderEpochCheckpoint(const std::string& dir) {
  std::string path = EpochPath(dir);
  Result<std::vector<CheckpointLine>> lines = ReadTextCheckpoint(path, 2);
  if (!lines.ok()) return lines.status();
  std::vector<LeaderEpochEntry> out;
  for (size_t i = 0; i < lines->size(); ++i) {
    int64_t epoch = 0, start = 0;
    const CheckpointLine& l = (*lines)[i];
    KLOG_RETURN_IF_ERROR(ParseCheckpointInt(path, i + 3, l[0], 0, INT32_MAX, &epoch));
    KLOG_RETURN_IF_ERROR(ParseCheckpointInt(path, i + 3, l[1], 0, INT64_MAX, &start));
    if (!out.empty() && (epoch <= out.back().epoch || start <= out.back().start_offset)) {
      return Status::Corruption(path + " line " + std::to_string(i + 3) + ": epoch " +
                                std::to_string(epoch) + " at offset " + std::to_string(start) +
                                " does not follow epoch " + std::to_string(out.back().epoch) +
                                " at offset " + std::to_string(out.back().start_offset));
    }
    out.push_back({int32_t(epoch), start});
  }
  return out;
}

Status WriteLeaderEpochCheckpoint(const std::string& dir,
                                  const std::vector<LeaderEpochEntry>& entries) {
  std::vector<CheckpointLine> lines;
  for (const LeaderEpochEntry& e : entries) {
    lines.push_back({std::to_string(e.epoch), std::to_string(e.start_offset)});
  }
  return WriteTextCheckpoint(EpochPath(dir), lines);
}

Status PersistEpochs(LogWriter::Impl* w) {
  return WriteLeaderEpochCheckpoint(w->dir, w->epochs.entries());
}

Status LoadEpochCache(LogWriter::Impl* w) {
  Result<std::vector<LeaderEpochEntry>> read = ReadLeaderEpochCheckpoint(w->dir);
  bool changed = !read.ok();
  w->epochs = LeaderEpochCache();
  if (read.ok()) {
    w->epochs.Reset(*read);
  } else {
    if (!read.status().IsNotFound() && !read.status().IsCorruption()) return read.status();
    if (read.status().IsCorruption()) {
      w->Warn(read.status().message() + "; rebuilt from the batches");
    }
    KLOG_RETURN_IF_ERROR(ScanEpochs(w->dir, &w->epochs));
  }
  // A crash can leave entries past the log end (an entry is written before
  // its batch, a torn tail is cut) or below the log start (retention).
  changed |= w->epochs.TruncateAfter(w->next_offset);
  changed |= w->epochs.TruncateFromStart(w->start_offset);
  w->epochs_loaded = true;
  return changed ? PersistEpochs(w) : Status::Ok();
}

bool EpochEntryDue(const LogWriter::Impl& w, int32_t epoch) {
  std::optional<int32_t> latest = w.epochs.latest_epoch();
  return epoch >= 0 && (!latest || epoch > *latest);
}

Status NoteBatchEpoch(LogWriter::Impl* w, int32_t epoch, int64_t base_offset) {
  if (!EpochEntryDue(*w, epoch)) return Status::Ok();
  w->epochs.Assign(epoch, base_offset);
  return PersistEpochs(w);
}

}  // namespace klog
