// LogWriter's follower side: appending batches at the offsets they carry
// (AppendVerbatim), the leader epoch it stamps and the epoch cache's
// answers. Truncation is in truncate.cpp; the rules are in klog/log.h and
// klog-format(5).
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "klog/batch_format.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

// Checks that `batch` is one whole, intact batch that may follow the log end.
Status CheckVerbatim(const LogWriter::Impl& w, std::span<const uint8_t> batch, BatchHeader* h) {
  if (batch.size() < batch::kHeaderSize) {
    return Status::InvalidArgument("batch of " + std::to_string(batch.size()) +
                                   " bytes is shorter than a batch header");
  }
  Status st = ParseBatchHeader(batch, h);
  if (!st.ok()) return Status::InvalidArgument("bad batch: " + st.message());
  std::string where = "batch at offset " + std::to_string(h->base_offset);
  if (h->size() != int64_t(batch.size())) {
    return Status::InvalidArgument(where + ": length field says " + std::to_string(h->size()) +
                                   " bytes, buffer has " + std::to_string(batch.size()));
  }
  if (int64_t(batch.size()) > w.opts.max_batch_bytes) {
    return Status::TooLarge(where + " of " + std::to_string(batch.size()) +
                            " bytes is over the limit of " +
                            std::to_string(w.opts.max_batch_bytes));
  }
  if (h->base_offset < w.next_offset) {
    return Status::InvalidArgument(where + " is behind the log end offset " +
                                   std::to_string(w.next_offset) + " of " + w.dir);
  }
  if (!BatchCrcOk(batch)) {
    return Status::Corruption(where + ": CRC mismatch, not appended to " + w.dir);
  }
  return Status::Ok();
}

// Rolls when Append() would, and when the batch's last offset is out of
// the reach of the active segment's index: then the new segment is named
// after the batch (as Kafka rolls a follower), or an empty log starts there.
Status MaybeRollFor(LogWriter* writer, LogWriter::Impl* w, const BatchHeader& h, int64_t now) {
  int64_t last = h.last_offset();
  bool out_of_reach = last - w->base > INT32_MAX;
  if (w->size == 0) {
    if (!out_of_reach) return Status::Ok();
    if (w->start_offset == w->next_offset && w->base == w->start_offset) {
      return writer->ResetEmptyTo(h.base_offset);
    }
    return Status::InvalidArgument("batch at offset " + std::to_string(h.base_offset) +
                                   " is more than 2^31 - 1 offsets past the empty active segment " +
                                   w->log_path + " of a log that is not empty");
  }
  if (!w->MustRoll(h.size(), last - w->next_offset + 1, now)) return Status::Ok();
  int64_t end = w->next_offset;
  if (last - end > INT32_MAX) w->next_offset = h.base_offset;
  Status st = w->Roll();
  if (!st.ok() && w->base != w->next_offset) w->next_offset = end;
  return st;
}

}  // namespace

Result<int64_t> LogWriter::AppendVerbatim(std::span<const uint8_t> batch) {
  Impl& w = *impl_;
  if (w.closed) return Status::InvalidArgument("append to closed log " + w.dir);
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(CheckVerbatim(w, batch, &h));
  int64_t now = w.Now();
  KLOG_RETURN_IF_ERROR(MaybeRollFor(this, &w, h, now));
  KLOG_RETURN_IF_ERROR(NoteBatchEpoch(&w, h.leader_epoch, h.base_offset));
  KLOG_RETURN_IF_ERROR(
      w.WriteAtEnd(batch, h.last_offset(), h.max_timestamp, now, "verbatim append"));
  return h.base_offset;
}

Status LogWriter::RollAt(int64_t base_offset) {
  Impl& w = *impl_;
  if (w.closed) return Status::InvalidArgument("roll of closed log " + w.dir);
  if (base_offset < w.next_offset) {
    return Status::InvalidArgument("cannot start a segment at offset " +
                                   std::to_string(base_offset) + ", below the log end offset " +
                                   std::to_string(w.next_offset) + " of " + w.dir);
  }
  if (w.size == 0) {
    if (w.base == base_offset) return Status::Ok();
    if (w.start_offset == w.next_offset && w.base == w.start_offset) {
      return ResetEmptyTo(base_offset);
    }
    return Status::InvalidArgument("cannot start a segment at offset " +
                                   std::to_string(base_offset) + ": the active segment " +
                                   w.log_path + " is empty");
  }
  // Roll() names the new segment after next_offset: the gap is skipped.
  int64_t end = w.next_offset;
  w.next_offset = base_offset;
  Status st = w.Roll();
  if (!st.ok() && w.base != w.next_offset) w.next_offset = end;
  return st;
}

Status LogWriter::SetLeaderEpoch(int32_t epoch) {
  Impl& w = *impl_;
  if (w.closed) return Status::InvalidArgument("leader epoch of closed log " + w.dir);
  if (epoch < 0) {
    return Status::InvalidArgument("leader epoch " + std::to_string(epoch) + " for " + w.dir +
                                   " is negative");
  }
  w.opts.leader_epoch = epoch;
  if (!w.epochs.Assign(epoch, w.next_offset)) return Status::Ok();
  return PersistEpochs(&w);
}

int32_t LogWriter::leader_epoch() const { return impl_->opts.leader_epoch; }

const std::vector<LeaderEpochEntry>& LogWriter::leader_epochs() const {
  return impl_->epochs.entries();
}

EpochEndOffset LogWriter::EndOffsetForEpoch(int32_t epoch) const {
  return impl_->epochs.EndOffsetFor(epoch, impl_->next_offset);
}

bool LogWriter::WouldWriteEpoch() const {
  return !impl_->closed && EpochEntryDue(*impl_, impl_->opts.leader_epoch);
}

}  // namespace klog
