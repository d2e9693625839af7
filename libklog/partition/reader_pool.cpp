// ReaderPool and ReadLease (see reader_pool.h).
#include "partition/reader_pool.h"

namespace klog::partition {

ReadLease& ReadLease::operator=(ReadLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::move(other.pool_);
    reader_ = std::move(other.reader_);
    generation_ = other.generation_;
    offset_ = other.offset_;
    bound_ = other.bound_;
    hot_ = other.hot_;
  }
  return *this;
}

ReadLease::~ReadLease() { Release(); }

void ReadLease::Release() {
  std::shared_ptr<ReaderPool> pool = std::move(pool_);
  pool_.reset();
  if (pool && reader_) pool->Return(std::move(reader_), generation_);
  reader_.reset();
}

Status ReadLease::Read(size_t max_bytes, std::span<const uint8_t>* out) {
  *out = {};
  const ReaderPool::Config& c = pool_->config();
  auto fail = [&](const Status& s) {
    // Clients retry a failed fetch every few hundred milliseconds; the log
    // collapses the identical lines (broker/diagnostics.h).
    c.diagnostics->Error(c.name + ": fetch from offset " + std::to_string(offset_) + ": " +
                         s.message());
    return s.IsCorruption() ? s : Status::IOError(s.message());
  };
  if (!reader_) {
    Result<std::unique_ptr<LogReader>> r = LogReader::Open(c.dir, c.options);
    if (!r.ok()) return fail(r.status());
    reader_ = std::move(*r);
  } else if (c.refresh) {
    Status s = reader_->Refresh();
    if (!s.ok()) return fail(s);
  }
  // A running job may have written more than is acknowledged: the reader
  // returns nothing at or above the high watermark.
  reader_->SetUpperBound(bound_);
  Status s = reader_->ContinuesAt(offset_) ? Status::Ok() : reader_->Seek(offset_);
  Result<std::span<const uint8_t>> got =
      s.ok() ? reader_->Next(max_bytes) : Result<std::span<const uint8_t>>(s);
  if (!got.ok()) return fail(got.status());
  *out = *got;
  return Status::Ok();
}

ReadLease ReaderPool::Lease(int64_t offset, int64_t high_watermark, int64_t hot_from) {
  ReadLease lease;
  lease.pool_ = shared_from_this();
  lease.generation_ = generation_;
  lease.offset_ = offset;
  lease.bound_ = high_watermark;
  if (!idle_.empty()) {
    lease.reader_ = std::move(idle_.back());
    idle_.pop_back();
    lease.hot_ = !config_.refresh && offset >= hot_from && lease.reader_->ContinuesAt(offset);
  }
  return lease;
}

bool ReaderPool::TakeAppended(LogReader& reader) const {
  if (!appended_.set) return true;
  if (reader.NoteAppended(appended_.active_base, appended_.active_size, appended_.end_offset)) {
    return true;
  }
  // A reader opened after the note has seen at least as much; one behind it
  // would hide acknowledged batches.
  return reader.end_offset() >= appended_.end_offset;
}

void ReaderPool::NoteAppended(int64_t active_base, int64_t active_size, int64_t end_offset) {
  appended_ = Appended{true, active_base, active_size, end_offset};
  std::erase_if(idle_, [this](const std::unique_ptr<LogReader>& r) { return !TakeAppended(*r); });
}

void ReaderPool::Invalidate() {
  ++generation_;
  idle_.clear();
  appended_ = Appended{};
}

void ReaderPool::Close() {
  closed_ = true;
  idle_.clear();
}

void ReaderPool::Return(std::unique_ptr<LogReader> reader, uint64_t generation) {
  if (closed_ || generation != generation_ || idle_.size() >= kMaxIdleReaders) return;
  if (!TakeAppended(*reader)) return;
  idle_.push_back(std::move(reader));
}

}  // namespace klog::partition
