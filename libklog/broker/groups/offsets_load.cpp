// Rebuilding the committed offsets from __consumer_offsets at start. Nothing
// in that topic can stop the broker: a record that does not decode is
// skipped, a batch that cannot be read is dropped, each with a warning that
// names the segment file and byte position, and both are counted in the
// metrics (klog-serve(1), "Committed offsets").
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "broker/broker.h"
#include "broker/diagnostics.h"
#include "broker/groups/coordinator.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/offsets_record.h"
#include "klog/record.h"
#include "klog/segment.h"

namespace klog::broker::groups {
namespace {

// Warnings about single records and batches printed per partition; the
// rest are only counted. (A torn or unreadable end of a segment, at most one
// per segment, is always printed.)
constexpr int kMaxWarnings = 10;

// One partition's load: where it is, what was applied and what was lost.
struct PartitionLoad {
  std::map<std::string, Group>* groups;
  Diagnostics* diag;         // where the warnings go
  int64_t start_offset = 0;  // records below the log start offset are deleted
  size_t records = 0;        // applied
  uint64_t skipped_records = 0;
  uint64_t dropped_bytes = 0;
  int warnings = 0;
};

void WarnCapped(PartitionLoad* load, const std::string& message) {
  if (load->warnings++ < kMaxWarnings) load->diag->Warn(message);
}

// Applies every record of the whole batch `b` of `path` (its CRC checked).
void LoadBatch(const std::string& path, const BatchInfo& b, std::span<const uint8_t> bytes,
               RecordIterator* it, PartitionLoad* load) {
  const BatchHeader& h = b.header;
  if (h.is_control() || h.last_offset() < load->start_offset) return;
  std::string where = path + " pos " + std::to_string(b.position);
  int64_t read = 0;
  Status st = it->Reset(bytes);
  RecordView rec;
  OffsetsRecord r;
  while (st.ok() && it->Next(&rec)) {
    ++read;
    if (rec.offset < load->start_offset) continue;
    Status s = DecodeOffsetsRecord(rec.key, rec.value, &r);
    if (!s.ok()) {
      ++load->skipped_records;
      WarnCapped(load, where + ": record at offset " + std::to_string(rec.offset) + ": " +
                           s.message() + "; skipped");
      continue;
    }
    ApplyOffsetRecord(r, load->groups);
    ++load->records;
  }
  if (st.ok()) st = it->status();
  if (!st.ok()) {
    int64_t lost = std::max<int64_t>(int64_t(h.records_count) - read, 1);
    load->skipped_records += uint64_t(lost);
    WarnCapped(load, where + ": batch at offset " + std::to_string(h.base_offset) + ": " +
                         st.message() + ": " + std::to_string(lost) + " record(s) of it skipped");
  }
}

// Loads one segment. A batch whose CRC fails is dropped and the scan goes on
// after it in a sealed segment; in the active segment, and after a batch
// that cannot be framed, the rest of the segment is dropped (a writer's
// recovery truncates the active segment there: loading what it will remove
// would bring back offsets that the next start does not have).
void LoadSegment(const std::string& path, bool sealed, PartitionLoad* load) {
  RecordIterator it;
  int64_t from = 0;
  for (;;) {
    int64_t valid_end = from, bad_end = -1;
    auto fn = [&](const BatchInfo& b, std::span<const uint8_t> bytes) {
      if (!b.crc_ok) {
        bad_end = b.position + int64_t(bytes.size());
        return false;
      }
      LoadBatch(path, b, bytes, &it, load);
      return true;
    };
    Status st = ScanSegment(path, from, fn, &valid_end);
    struct stat sb;
    int64_t size = ::stat(path.c_str(), &sb) == 0 ? int64_t(sb.st_size) : valid_end;
    if (st.ok()) {
      if (valid_end >= size) return;
      load->dropped_bytes += uint64_t(size - valid_end);
      load->diag->Warn(path + " pos " + std::to_string(valid_end) + ": " +
                       (sealed ? "partial batch at the end of a sealed segment"
                               : "torn tail (a partial batch)") +
                       ": " + std::to_string(size - valid_end) + " bytes not loaded");
      return;
    }
    if (sealed && bad_end > valid_end) {
      load->dropped_bytes += uint64_t(bad_end - valid_end);
      WarnCapped(load, st.message() + ": batch of " + std::to_string(bad_end - valid_end) +
                           " bytes not loaded");
      from = bad_end;
      continue;
    }
    int64_t rest = std::max<int64_t>(size - valid_end, 0);
    load->dropped_bytes += uint64_t(rest);
    load->diag->Warn(st.message() + ": the " + std::to_string(rest) +
                     " bytes from there to the end of " +
                     (sealed ? "the segment" : "the active segment") + " are not loaded");
    return;
  }
}

void LoadPartition(const std::string& dir, PartitionLoad* load) {
  Result<std::unique_ptr<LogReader>> reader = LogReader::Open(dir);
  if (reader.ok()) {
    load->start_offset = (*reader)->start_offset();
  } else if (!reader.status().IsNotFound()) {
    load->diag->Warn(dir + ": " + reader.status().message() + " (loading what can be read)");
  }
  Result<std::vector<int64_t>> bases = ListSegments(dir);
  if (!bases.ok()) {
    if (!bases.status().IsNotFound()) load->diag->Warn(bases.status().message());
    return;
  }
  for (size_t i = 0; i < bases->size(); ++i) {
    LoadSegment(SegmentPath(dir, (*bases)[i], kLogSuffix), i + 1 < bases->size(), load);
  }
  if (load->warnings > kMaxWarnings) {
    load->diag->Warn(dir + ": " + std::to_string(load->warnings - kMaxWarnings) +
                     " more damaged record(s) or batch(es) skipped (warnings not shown)");
  }
}

}  // namespace

void ApplyOffsetRecord(const OffsetsRecord& r, std::map<std::string, Group>* groups) {
  if (r.kind != OffsetsRecord::Kind::kOffsetCommit) return;
  TopicPartition tp{r.topic, r.partition};
  if (!r.value) {
    auto it = groups->find(r.group);
    if (it != groups->end()) it->second.offsets.erase(tp);
    return;
  }
  Group& g = (*groups)[r.group];
  g.id = r.group;
  g.offsets[tp] = *r.value;
}

void GroupCoordinator::LoadOffsets() {
  DataDir& dir = broker_->data_dir();
  Result<TopicInfo> info = dir.DescribeTopic(kOffsetsTopic);
  if (!info.ok()) {
    if (!info.status().IsNotFound()) {
      diagnostics().Error(std::string("no committed offsets loaded: ") + info.status().message());
    }
    return;
  }
  size_t records = 0;
  uint64_t skipped = 0, dropped = 0;
  for (int32_t p = 0; p < info->partitions; ++p) {
    PartitionLoad load{&groups_, &diagnostics()};
    LoadPartition(dir.PartitionPath(kOffsetsTopic, p), &load);
    records += load.records;
    skipped += load.skipped_records;
    dropped += load.dropped_bytes;
  }
  // A group whose every offset was deleted (DeleteGroups) is gone.
  std::erase_if(groups_, [](const auto& kv) { return kv.second.offsets.empty(); });
  broker_->metrics().AddOffsetRecordsSkipped(skipped);
  broker_->metrics().AddOffsetBytesDropped(dropped);
  std::string damage;
  if (skipped > 0)
    damage += "; skipped " + std::to_string(skipped) + " record(s) that do not decode";
  if (dropped > 0) {
    damage += "; dropped " + std::to_string(dropped) + " byte(s) of damaged or torn batches";
  }
  std::string line = "loaded " + std::to_string(records) + " offset record(s) of " +
                     std::to_string(groups_.size()) + " group(s) from " + kOffsetsTopic;
  if (damage.empty()) {
    diagnostics().Info(line);
  } else {
    diagnostics().Warn(line + damage);
  }
}

}  // namespace klog::broker::groups
