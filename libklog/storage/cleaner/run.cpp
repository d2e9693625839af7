// RunClean: builds the key map over the dirty part, then writes every
// segment from the log's first through the last one the map reached as
// cleaned segments (*.cleaned files). Touches no file of the live log.
#include <algorithm>
#include <climits>

#include "klog/filename.h"
#include "klog/record.h"
#include "storage/cleaner/batch.h"
#include "storage/cleaner/internal.h"
#include "storage/cleaner/io.h"
#include "storage/cleaner/keymap.h"
#include "storage/segment_scan.h"

namespace klog {

namespace {

constexpr size_t kPrefetchAhead = 8;  // keys between a slot's prefetch and its use

// Puts the keys of segments[i..] at or above first_dirty into `map` until it
// is full. Sets p->map_end and *reach (index of the last segment the map reached).
Status BuildMap(CleanPass::Impl* p, KeyMap* map, SegmentBatchReader* reader, size_t* reach) {
  p->map_end = std::max(p->first_dirty, p->cleanable_end);
  *reach = p->segments.size() - 1;
  RecordIterator it;
  RecordView rec;
  struct Pending {
    KeyDigest digest;
    int64_t offset;
  };
  std::vector<Pending> pending;  // one batch's keys, put with prefetching
  for (size_t i = 0; i < p->segments.size(); ++i) {
    const SourceSegment& s = p->segments[i];
    if (s.next_base <= p->first_dirty) continue;
    std::string path = SegmentPath(p->dir, s.base, kLogSuffix);
    KLOG_RETURN_IF_ERROR(reader->Open(path, s.bytes));
    for (;;) {
      std::span<const uint8_t> batch;
      int64_t pos = 0;
      KLOG_RETURN_IF_ERROR(reader->Next(&batch, &pos));
      if (batch.empty()) break;
      Status st = it.Reset(batch);
      if (!st.ok()) return CorruptionAt(path, pos, st.message());
      if (it.header().is_control() || it.header().last_offset() < p->first_dirty) continue;
      pending.clear();
      while (it.Next(&rec)) {
        if (rec.offset >= p->first_dirty && rec.key) {
          pending.push_back({DigestKey(*rec.key), rec.offset});
        }
      }
      if (!it.status().ok()) return CorruptionAt(path, pos, it.status().message());
      for (size_t k = 0; k < pending.size(); ++k) {
        if (k + kPrefetchAhead < pending.size()) map->Prefetch(pending[k + kPrefetchAhead].digest);
        if (!map->Put(pending[k].digest, pending[k].offset)) {
          p->map_end = pending[k].offset;
          *reach = i;
          return Status::Ok();
        }
      }
    }
  }
  return Status::Ok();
}

// Writes the cleaned batches of one source segment into `out`. Stops early,
// setting *overflow, when `out` grows past `limit` bytes (and limit >= 0).
Status CleanSource(CleanPass::Impl* p, const SourceSegment& s, const BatchFilter::Rules& rules,
                   SegmentBatchReader* reader, BatchFilter* filter, CleanedSegmentWriter* out,
                   int64_t limit, bool* overflow, CleanResult* stats) {
  std::string path = SegmentPath(p->dir, s.base, kLogSuffix);
  KLOG_RETURN_IF_ERROR(reader->Open(path, s.bytes));
  *overflow = false;
  for (;;) {
    std::span<const uint8_t> batch;
    int64_t pos = 0;
    KLOG_RETURN_IF_ERROR(reader->Next(&batch, &pos));
    if (batch.empty()) return Status::Ok();
    BatchHeader h;
    Status st = ParseBatchHeader(batch, &h);
    if (!st.ok()) return CorruptionAt(path, pos, st.message());
    BatchFilter::Outcome outcome;
    st = filter->Filter(batch, rules, &outcome, stats);
    if (!st.ok()) return CorruptionAt(path, pos, st.message());
    if (outcome == BatchFilter::Outcome::kDrop) continue;
    std::span<const uint8_t> bytes =
        outcome == BatchFilter::Outcome::kCopy ? batch : filter->rewritten();
    if (limit >= 0 && out->size() + int64_t(bytes.size()) > limit) {
      *overflow = true;
      return Status::Ok();
    }
    if (out->size() + int64_t(bytes.size()) > INT32_MAX) {
      return Status::TooLarge(CleanedPath(p->dir, out->base(), kLogSuffix) +
                              ": cleaned segment would pass 2 GiB");
    }
    KLOG_RETURN_IF_ERROR(out->Append(bytes, h.last_offset(), h.max_timestamp));
    if (filter->horizon() >= 0 && (p->min_horizon < 0 || filter->horizon() < p->min_horizon)) {
      p->min_horizon = filter->horizon();
    }
  }
}

// Rewrites segments[0..reach] into groups of consecutive sources whose
// cleaned .log fits segment_bytes and whose offsets fit the int32 index.
Status WriteGroups(CleanPass::Impl* p, const KeyMap& map, size_t reach,
                   SegmentBatchReader* reader) {
  BatchFilter filter;
  BatchFilter::Rules rules{&map, p->now, p->opts.delete_retention_ms};
  CleanedSegmentWriter out(p->dir, p->opts.index_interval_bytes, p->opts.sync);
  int64_t limit = std::min<int64_t>(p->opts.segment_bytes, INT32_MAX);
  size_t i = 0;
  while (i <= reach) {
    CleanGroup group{p->segments[i].base, {}};
    p->groups.push_back(group);
    KLOG_RETURN_IF_ERROR(out.Start(group.base));
    for (; i <= reach; ++i) {
      const SourceSegment& s = p->segments[i];
      bool first = p->groups.back().sources.empty();
      if (!first && s.next_base - 1 - group.base > INT32_MAX) break;
      CleanedSegmentWriter::Mark mark = out.Save();
      CleanResult figures;
      bool overflow = false;
      KLOG_RETURN_IF_ERROR(
          CleanSource(p, s, rules, reader, &filter, &out, first ? -1 : limit, &overflow, &figures));
      if (overflow) {
        KLOG_RETURN_IF_ERROR(out.Restore(mark));
        break;
      }
      p->stats.records_read += figures.records_read;
      p->stats.records_kept += figures.records_kept;
      p->stats.tombstones_removed += figures.tombstones_removed;
      p->stats.keyless_removed += figures.keyless_removed;
      p->stats.segments_read++;
      p->stats.bytes_read += s.bytes;
      p->groups.back().sources.push_back(s.base);
    }
    KLOG_RETURN_IF_ERROR(out.Finish());
    p->stats.segments_written++;
    p->stats.bytes_written += out.size();
  }
  return Status::Ok();
}

}  // namespace

Status RunClean(CleanPass* pass) {
  CleanPass::Impl* p = pass->impl();
  if (p->empty() || p->ran) return Status::Ok();
  p->ran = true;
  KeyMap map(p->opts.key_map_bytes);
  SegmentBatchReader reader;
  size_t reach = 0;
  Status st = BuildMap(p, &map, &reader, &reach);
  p->stats.key_map_peak = map.size();
  if (st.ok()) st = WriteGroups(p, map, reach, &reader);
  if (!st.ok()) {
    RemoveCleanedFiles(p->dir, p->groups);
    p->groups.clear();
  }
  return st;
}

}  // namespace klog
