// klog-read --group: printing owned partitions into stdout's buffer and
// writing it without waiting for the reader (see read_group_reader.h).
#include <algorithm>

#include "cli/local/read_group_reader.h"

namespace klog::cli::local::group_read {

bool GroupReader::WriteOutput() {
  if (out_.buffered() > 0 && out_.ok()) {
    if (alarm_) alarm_->Arm();
    out_.WriteSome();
    if (alarm_) alarm_->Disarm();
  }
  if (ledger_) ledger_->Retire(out_.written());
  blocked_ = out_.buffered() > 0 || !out_.ok();
  return !blocked_;
}

bool GroupReader::MakeRoom() {
  if (out_.buffered() < out_.capacity() && !ledger_->full()) return true;
  return WriteOutput() && !SliceOver();
}

Status GroupReader::PrintBatch(PartitionCursor& c, std::span<const uint8_t> batch, bool* whole) {
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(batch, &h));
  if (h.last_offset() < c.next) return Status::Ok();
  if (h.is_control()) {
    c.next = h.last_offset() + 1;
    ledger_->Add(c.partition, c.next, out_.end());
    return Status::Ok();
  }
  KLOG_RETURN_IF_ERROR(c.records.Reset(batch));
  RecordView r;
  while (c.records.Next(&r)) {
    if (r.offset < c.next) continue;
    if (opts_.ReachedUntil(r.offset, r.timestamp)) {
      c.done = true;
      return Status::Ok();
    }
    if (!MakeRoom()) {
      *whole = false;
      return Status::Ok();
    }
    printer_.Print(c.partition, r);
    c.next = r.offset + 1;
    ledger_->Add(c.partition, c.next, out_.end());
    if (remaining_ > 0 && --remaining_ == 0) return Status::Ok();
  }
  KLOG_RETURN_IF_ERROR(c.records.status());
  if (h.last_offset() + 1 > c.next) {  // records compaction removed at the end
    c.next = h.last_offset() + 1;
    ledger_->Add(c.partition, c.next, out_.end());
  }
  return Status::Ok();
}

Status GroupReader::Pump(Owned& o, bool* stopped) {
  PartitionCursor& c = o.cursor;
  if (o.refresh) {
    KLOG_RETURN_IF_ERROR(c.reader->Refresh());
    o.refresh = false;
  }
  if (o.reseek) {
    KLOG_RETURN_IF_ERROR(c.reader->Seek(c.next));
    o.reseek = false;
  }
  auto chunk = c.reader->Next(kPumpBytes);
  if (!chunk.ok()) return chunk.status();
  std::span<const uint8_t> bytes = *chunk;
  if (bytes.empty()) o.pending = false;
  while (!bytes.empty() && !c.done && !Finished()) {
    auto size = NextBatchSize(bytes);
    if (!size.ok()) return size.status();
    if (*size == 0) break;  // the reader returns whole batches; be safe anyway
    bool whole = true;
    KLOG_RETURN_IF_ERROR(PrintBatch(c, bytes.subspan(0, *size), &whole));
    if (!whole) {
      o.reseek = true;  // the rest of this chunk is read again next time
      *stopped = true;
      return Status::Ok();
    }
    bytes = bytes.subspan(*size);
  }
  if (c.done) o.pending = false;
  return Status::Ok();
}

Status GroupReader::Fill() {
  bool stopped = false;
  auto it = owned_.upper_bound(last_pumped_);
  for (size_t n = owned_.size(); n > 0 && !stopped && !Finished(); --n) {
    if (it == owned_.end()) it = owned_.begin();
    auto& [p, o] = *it++;
    if (!o.pending) continue;
    last_pumped_ = p;
    KLOG_RETURN_IF_ERROR(Pump(o, &stopped));
    if (SliceOver()) stopped = true;
  }
  return Status::Ok();
}

void GroupReader::OnPump() {
  slice_end_ns_ = uv_hrtime() + kSliceMs * 1000000;
  Status st;
  if (WriteOutput()) st = Fill();
  if (st.ok() && !blocked_) WriteOutput();
  if (st.ok() && g_.commit_interval_ms == 0) st = CommitAll();
  bool any = std::any_of(owned_.begin(), owned_.end(),
                         [](const auto& e) { return e.second.pending && !e.second.cursor.done; });
  if (!any && out_.buffered() == 0) {
    uv_idle_stop(&pump_);
    // Every owned partition is at its end and written out.
    if (g_.until_end && !owned_.empty()) Stop();
  }
  Keep(st);
}

}  // namespace klog::cli::local::group_read
