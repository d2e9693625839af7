// Partition's reads: the loop thread's reader and the offsets clients see,
// and the leases of fetches (see partition.h).
#include <algorithm>

#include "broker/diagnostics.h"
#include "klog/record.h"
#include "partition/partition.h"

namespace klog::partition {

// Makes the reader current: opens it on first use, and re-reads the segment
// list when the log has grown past what it has seen. Before this broker has
// written to the partition, the offsets are the files'.
Status Partition::PrepareReader() {
  if (!reader_) {
    // Jobs open the reader on the pool (partitions.h: Preload, and every
    // job that opens the writer, rolls or runs maintenance); this is the
    // fallback after a failed open, and for directories the broker does
    // not own.
    ++loop_reader_io_;
    Result<std::unique_ptr<LogReader>> r = LogReader::Open(dir_, ReaderOpts());
    if (!r.ok()) {
      diagnostics_.Error(name() + ": " + r.status().message());
      return Status::IOError(r.status().message());
    }
    reader_ = std::move(*r);
    LoadEpochs();
  }
  // Another process may append to a directory this broker does not own.
  if (!writer_opened_ && !owns_dir_) {
    ++loop_reader_io_;
    Status s = reader_->Refresh();
    if (!s.ok()) {
      diagnostics_.Error(name() + ": " + s.message());
      return Status::IOError(s.message());
    }
  }
  if (!writer_opened_) {
    log_start_ = reader_->start_offset();
    // A damaged directory may list a start past its end: it reads as empty.
    log_end_ = std::max(reader_->end_offset(), log_start_);
    high_watermark_ = log_end_;
    CheckOffsets();
  }
  return Status::Ok();
}

Status Partition::Offsets(PartitionOffsets* offsets) {
  Status s = PrepareReader();
  *offsets = PartitionOffsets{log_start_, high_watermark_};
  return s;
}

Status Partition::PrepareFetch(int64_t offset, PartitionOffsets* offsets, ReadLease* lease) {
  *lease = ReadLease();
  KLOG_RETURN_IF_ERROR(PrepareReader());
  *offsets = PartitionOffsets{log_start_, high_watermark_};
  if (offset < log_start_ || offset > high_watermark_) {
    return Status::InvalidArgument("offset " + std::to_string(offset) + " is outside [" +
                                   std::to_string(log_start_) + ", " +
                                   std::to_string(high_watermark_) + "]");
  }
  if (offset < high_watermark_) *lease = fetch_readers_->Lease(offset, high_watermark_, hot_from_);
  return Status::Ok();
}

Status Partition::Read(int64_t offset, size_t max_bytes, std::span<const uint8_t>* out,
                       PartitionOffsets* offsets) {
  *out = {};
  KLOG_RETURN_IF_ERROR(PrepareFetch(offset, offsets, &read_lease_));
  return read_lease_.active() ? read_lease_.Read(max_bytes, out) : Status::Ok();
}

Status Partition::OffsetForTimestamp(int64_t ts_ms, int64_t* offset, int64_t* timestamp) {
  *offset = *timestamp = -1;
  KLOG_RETURN_IF_ERROR(PrepareReader());
  Result<int64_t> found = reader_->OffsetForTimestamp(ts_ms);
  if (!found.ok()) {
    diagnostics_.Error(name() + ": " + found.status().message());
    return Status::IOError(found.status().message());
  }
  if (*found >= high_watermark_) return Status::Ok();
  // The record's own timestamp: read its batch.
  reader_->SetUpperBound(high_watermark_);
  Status s = reader_->Seek(*found);
  Result<std::span<const uint8_t>> got =
      s.ok() ? reader_->Next(1) : Result<std::span<const uint8_t>>(s);
  if (!got.ok() || got->empty())
    return Status::IOError("no batch at offset " + std::to_string(*found));
  Result<size_t> n = NextBatchSize(*got);
  if (!n.ok() || *n == 0)
    return Status::IOError("no whole batch at offset " + std::to_string(*found));
  RecordIterator it;
  Status reset = it.Reset(got->first(*n));
  if (!reset.ok()) return Status::IOError(reset.message());
  RecordView rec;
  while (it.Next(&rec)) {
    if (rec.offset >= *found && rec.timestamp >= ts_ms) {
      *offset = rec.offset;
      *timestamp = rec.timestamp;
      return Status::Ok();
    }
  }
  *offset = *found;  // the index said so; the record did not decode
  return Status::Ok();
}

}  // namespace klog::partition
