#include "replica/remote_partition.h"

#include <algorithm>
#include <utility>

#include "klog/batch_frame.h"
#include "klog/record.h"

namespace klog::replica {
namespace {

// The copy rolls by its segment.bytes only: a segment's age says when the
// copy ran, not when the source wrote it.
constexpr int64_t kNeverRollMs = int64_t(100) * 365 * 24 * 3600 * 1000;

}  // namespace

Result<std::unique_ptr<RemotePartition>> RemotePartition::Open(std::string topic, int32_t partition,
                                                               const std::string& dir,
                                                               LogOptions log_opts,
                                                               const CopyOptions& opts) {
  std::unique_ptr<RemotePartition> p(new RemotePartition(std::move(topic), partition, opts));
  log_opts.segment_ms = kNeverRollMs;
  log_opts.max_batch_bytes = int64_t(kMaxBatchFrameSize);  // any batch the source holds
  log_opts.log_append_time = false;                        // verbatim: no restamping
  log_opts.compacted = true;                               // the source's offsets may have gaps
  log_opts.owner = opts.owner;
  log_opts.warn = opts.warn;
  auto log = LogWriter::Open(dir, log_opts);
  if (!log.ok()) return log.status().WithContext(p->Where());
  p->log_ = std::move(log.value());
  return p;
}

std::string RemotePartition::Where() const {
  return "topic " + topic_ + " partition " + std::to_string(partition_);
}

int32_t RemotePartition::last_epoch() const {
  const auto& epochs = log_->leader_epochs();
  if (epochs.empty() || log_->next_offset() <= log_->start_offset()) return -1;
  return epochs.back().epoch;
}

Status RemotePartition::SetSource(int64_t log_start, int64_t high_watermark, bool* diverged) {
  source_start_ = log_start;
  target_ = high_watermark;
  source_end_ = high_watermark;
  fetched_to_ = -1;  // fetch again from the copy's end
  *diverged = log_->next_offset() > high_watermark;
  return Status::Ok();
}

proto::FetchPartition RemotePartition::NextFetch(int32_t max_bytes) const {
  proto::FetchPartition f;
  f.partition = partition_;
  f.current_leader_epoch = -1;
  f.fetch_offset = std::max(log_->next_offset(), source_start_);
  bool ahead = fetched_to_ > f.fetch_offset;
  if (ahead) f.fetch_offset = fetched_to_;
  f.log_start_offset = -1;  // a consumer's fetch
  f.partition_max_bytes = max_bytes;
  f.last_fetched_epoch = ahead ? fetched_epoch_ : last_epoch();
  return f;
}

void RemotePartition::NoteFetched(std::span<const uint8_t> records) {
  BatchFrameIterator frames(records);
  std::span<const uint8_t> batch;
  BatchHeader h;
  while (frames.Next(&batch)) {
    if (!ParseBatchHeader(batch, &h).ok()) return;  // Append reports it
    if (h.last_offset() + 1 > fetched_to_) {
      fetched_to_ = h.last_offset() + 1;
      fetched_epoch_ = h.leader_epoch;
    }
  }
}

Status RemotePartition::Append(std::span<const uint8_t> records) {
  BatchFrameIterator frames(records);
  std::span<const uint8_t> batch;
  while (frames.Next(&batch)) KLOG_RETURN_IF_ERROR(AppendOne(batch));
  if (frames.status().ok() || frames.partial()) return Status::Ok();  // cut by the size limit
  return frames.status().WithContext(Where() + " offset " + std::to_string(log_->next_offset()) +
                                     ": fetched records");
}

Status RemotePartition::AppendOne(std::span<const uint8_t> batch) {
  // Messages are built only on failure: nothing is allocated per batch.
  BatchHeader h;
  Status parsed = ParseBatchHeader(batch, &h);
  auto at = [&] { return Where() + " offset " + std::to_string(h.base_offset); };
  if (!parsed.ok()) return parsed.WithContext(at() + ": fetched batch");
  if (!BatchCrcOk(batch)) {
    return Status::Corruption(at() + ": fetched batch fails its CRC-32C check; nothing after " +
                              "it is copied");
  }
  int64_t next = log_->next_offset();
  if (h.last_offset() < next) return Status::Ok();  // held already (a fetch inside a batch)
  bool empty = next <= log_->start_offset();
  if (h.base_offset < next && !empty) {
    return Status::Corruption(at() + ": fetched batch overlaps the copy's end " +
                              std::to_string(next));
  }
  // An empty copy starts at the source's log start, or at the batch holding
  // it when that begins lower (Finish then moves the log start up to it);
  // offsets between the start and the first batch are a gap, as at the source.
  int64_t start = std::min(h.base_offset, source_start_);
  if (empty && start != log_->start_offset()) {
    KLOG_RETURN_IF_ERROR(log_->ResetEmptyTo(start).WithContext(Where()));
  }
  auto appended = log_->AppendVerbatim(batch);
  if (!appended.ok()) return appended.status().WithContext(at());
  stats_.batches++;
  stats_.bytes += int64_t(batch.size());
  dirty_ = true;
  return Status::Ok();
}

Status RemotePartition::Diverged(int64_t source_end, const std::string& why) {
  fetched_to_ = -1;  // fetch again from the copy's end, wherever it is cut
  int64_t at = std::max(source_end, log_->start_offset());
  if (at >= log_->next_offset()) return Status::Ok();
  std::string what = Where() + ": the copy diverges from the source at offset " +
                     std::to_string(at) + " (" + why + ")";
  if (!opts_.truncate) return Status::InvalidArgument(what + "; not truncated (--no-truncate)");
  if (opts_.warn) {
    opts_.warn(what + ": truncating the copy from offset " + std::to_string(log_->next_offset()) +
               " to " + std::to_string(at));
  }
  KLOG_RETURN_IF_ERROR(log_->TruncateTo(at).WithContext(Where()));
  stats_.truncated_to = log_->next_offset();
  dirty_ = true;
  return Status::Ok();
}

void RemotePartition::NoteSource(int64_t log_start, int64_t high_watermark) {
  if (log_start > source_start_) {
    source_start_ = log_start;  // retention or a delete at the source moved it up
    dirty_ = true;
  }
  source_end_ = high_watermark;
}

Status RemotePartition::Sync() {
  if (!dirty_) return Status::Ok();
  Status st;
  int64_t next = log_->next_offset();
  if (next <= log_->start_offset() && source_start_ > next) {
    st = log_->ResetEmptyTo(source_start_);  // the source holds nothing below its log start
  } else if (source_start_ > log_->start_offset()) {
    RetentionResult ignored;
    st = log_->TruncateBefore(std::min(source_start_, next), &ignored);
  }
  if (st.ok()) st = log_->Flush();
  if (st.ok()) dirty_ = false;
  stats_.start_offset = log_->start_offset();
  stats_.end_offset = log_->next_offset();
  return st.WithContext(Where());
}

Status RemotePartition::Finish() {
  Status st = Sync();
  stats_.lag = lag();
  Status closed = log_->Close();
  if (st.ok()) st = closed.WithContext(Where());
  return st;
}

}  // namespace klog::replica
