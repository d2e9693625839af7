// LogWriter: appending, rolling and closing. Opening and recovery are in
// recovery.cpp; the durability contract is in klog/log.h.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>

#include "klog/batch_format.h"
#include "klog/filename.h"
#include "klog/segment.h"
#include "storage/segment_scan.h"
#include "storage/writer_impl.h"

namespace klog {

namespace {

// WouldRoll() counts a segment this close to segment_ms as due, so that the
// clock moving on between WouldRoll() and Append() cannot make it wrong.
constexpr int64_t kWouldRollMarginMs = 1000;

}  // namespace

int64_t LogWriter::Impl::Now() const {
  if (opts.clock_ms) return opts.clock_ms();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status LogWriter::Impl::OpenActive(int64_t base_offset, bool create) {
  int flags = O_RDWR | (create ? O_CREAT : 0);
  std::string path = SegmentPath(dir, base_offset, kLogSuffix);
  UniqueFd lfd, ifd, tfd;
  KLOG_RETURN_IF_ERROR(OpenFd(path, flags, &lfd));
  Result<int64_t> lsize = FdSize(lfd.get(), path);
  if (!lsize.ok()) return lsize.status();
  if (create && *lsize != 0) {
    return Status::Corruption(path + ": new segment already exists with " + std::to_string(*lsize) +
                              " bytes");
  }
  std::string ipath = SegmentPath(dir, base_offset, kIndexSuffix);
  std::string tpath = SegmentPath(dir, base_offset, kTimeIndexSuffix);
  int iflags = O_WRONLY | O_CREAT | (create ? O_TRUNC : 0);
  KLOG_RETURN_IF_ERROR(OpenFd(ipath, iflags, &ifd));
  KLOG_RETURN_IF_ERROR(OpenFd(tpath, iflags, &tfd));
  Result<int64_t> isize = FdSize(ifd.get(), ipath);
  if (!isize.ok()) return isize.status();
  Result<int64_t> tsize = FdSize(tfd.get(), tpath);
  if (!tsize.ok()) return tsize.status();
  base = base_offset;
  log_path = path;
  log_fd = std::move(lfd);
  index_fd = std::move(ifd);
  time_fd = std::move(tfd);
  size = *lsize;
  index_size = *isize;
  time_size = *tsize;
  builder = IndexBuilder(base_offset, opts.index_interval_bytes);
  return Status::Ok();
}

Status LogWriter::Impl::WriteEntries(const IndexBuilder::Entries& e) {
  uint8_t buf[kTimeIndexEntrySize];
  if (e.index) {
    EncodeIndexEntry(*e.index, buf);
    std::string path = SegmentPath(dir, base, kIndexSuffix);
    Status st = PwriteFull(index_fd.get(), buf, kIndexEntrySize, index_size, path);
    if (!st.ok()) {
      (void)::ftruncate(index_fd.get(), index_size);
      return st;
    }
  }
  if (e.time) {
    EncodeTimeIndexEntry(*e.time, buf);
    std::string path = SegmentPath(dir, base, kTimeIndexSuffix);
    Status st = PwriteFull(time_fd.get(), buf, kTimeIndexEntrySize, time_size, path);
    if (!st.ok()) {
      (void)::ftruncate(time_fd.get(), time_size);
      if (e.index) (void)::ftruncate(index_fd.get(), index_size);
      return st;
    }
  }
  if (e.index) index_size += kIndexEntrySize;
  if (e.time) time_size += kTimeIndexEntrySize;
  return Status::Ok();
}

Status LogWriter::Impl::SyncActive() {
  for (int fd : {log_fd.get(), index_fd.get(), time_fd.get()}) {
    if (::fdatasync(fd) != 0) return Status::FromErrno("fdatasync " + log_path, errno);
  }
  last_sync_ms = Now();
  return Status::Ok();
}

bool LogWriter::Impl::MustRoll(int64_t bytes, int64_t offsets, int64_t now) const {
  return size > 0 &&
         (size + bytes > opts.segment_bytes || size + bytes > INT32_MAX ||
          now - roll_ts >= opts.segment_ms || next_offset + offsets - 1 - base > INT32_MAX);
}

Status LogWriter::Impl::HashActive() {
  auto h = std::make_unique<Xxh3Stream>();
  int64_t hashed = 0;
  KLOG_RETURN_IF_ERROR(HashFd(log_fd.get(), log_path, size, h.get(), &hashed));
  hash = std::move(h);
  return Status::Ok();
}

Status LogWriter::Impl::Roll() {
  IndexBuilder::Entries final_entry;
  final_entry.time = builder.ForceFinal();
  KLOG_RETURN_IF_ERROR(WriteEntries(final_entry));
  if (SyncsOnRoll()) KLOG_RETURN_IF_ERROR(SyncActive());
  Step("digest");
  if (!hash) KLOG_RETURN_IF_ERROR(HashActive());
  SegmentDigest digest{hash->Digest(), size};
  KLOG_RETURN_IF_ERROR(WriteDigestFile(log_path, digest, SyncsOnRoll()));
  int64_t sealed = base;
  Step("create");
  KLOG_RETURN_IF_ERROR(OpenActive(next_offset, true));
  last_batch_pos = -1;
  roll_ts = -1;
  hash = std::make_unique<Xxh3Stream>();
  if (SyncsOnRoll()) KLOG_RETURN_IF_ERROR(SyncDir(dir));
  // Listed only once the new active segment exists (klog-format(5)).
  Step("list");
  return ListSealedSegment(this, sealed, next_offset, digest.bytes, digest.xxh3);
}

namespace {

// Checks that `batch`, whose parsed header is `h`, is exactly one
// well-formed batch the writer may take.
Status CheckBatch(std::span<const uint8_t> batch, int64_t max_bytes, const BatchHeader* h) {
  if (h->size() != int64_t(batch.size())) {
    return Status::InvalidArgument("batch length field says " + std::to_string(h->size()) +
                                   " bytes, buffer has " + std::to_string(batch.size()));
  }
  if (h->records_count == 0) return Status::InvalidArgument("batch has no records");
  if (int64_t(batch.size()) > max_bytes) {
    return Status::TooLarge("batch of " + std::to_string(batch.size()) +
                            " bytes is over the limit of " + std::to_string(max_bytes));
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> LogWriter::Append(std::span<uint8_t> batch) {
  if (batch.size() < batch::kHeaderSize) {
    return Status::InvalidArgument("batch of " + std::to_string(batch.size()) +
                                   " bytes is shorter than a batch header");
  }
  BatchHeader h;
  Status st = ParseBatchHeader(batch, &h);
  if (!st.ok()) return Status::InvalidArgument("bad batch: " + st.message());
  return Append(batch, h);
}

Result<int64_t> LogWriter::Append(std::span<uint8_t> batch, const BatchHeader& header) {
  Impl& w = *impl_;
  if (w.closed) return Status::InvalidArgument("append to closed log " + w.dir);
  BatchHeader h = header;
  KLOG_RETURN_IF_ERROR(CheckBatch(batch, w.opts.max_batch_bytes, &h));
  int64_t now = w.Now();
  if (w.MustRoll(int64_t(batch.size()), int64_t(h.last_offset_delta) + 1, now)) {
    KLOG_RETURN_IF_ERROR(w.Roll());
  }
  // The epoch's entry is written before its first batch (klog-format(5)).
  KLOG_RETURN_IF_ERROR(NoteBatchEpoch(&w, w.opts.leader_epoch, w.next_offset));
  StampBatch(batch, w.next_offset, w.opts.leader_epoch);
  if (w.opts.log_append_time) {
    StampLogAppendTime(batch, now);
    h.max_timestamp = now;
  }
  int64_t base_offset = w.next_offset;
  KLOG_RETURN_IF_ERROR(
      w.WriteAtEnd(batch, base_offset + h.last_offset_delta, h.max_timestamp, now, "append"));
  return base_offset;
}

Status LogWriter::Impl::WriteAtEnd(std::span<const uint8_t> batch, int64_t last_offset,
                                   int64_t max_timestamp, int64_t now, const char* what) {
  int64_t pos = size;
  IndexBuilder saved = builder;
  int64_t saved_index_size = index_size, saved_time_size = time_size;
  Status st = PwriteFull(log_fd.get(), batch.data(), batch.size(), pos, log_path);
  if (st.ok()) st = WriteEntries(builder.OnAppend(pos, last_offset, max_timestamp));
  bool sync =
      opts.flush.mode == FlushMode::kEveryBatch ||
      (opts.flush.mode == FlushMode::kInterval && now - last_sync_ms >= opts.flush.interval_ms);
  if (st.ok() && sync) {
    if (::fdatasync(log_fd.get()) != 0) {
      st = Status::FromErrno("fdatasync " + log_path, errno);
    } else {
      last_sync_ms = now;
    }
  }
  if (!st.ok()) {
    builder = saved;
    if (index_size != saved_index_size) (void)::ftruncate(index_fd.get(), saved_index_size);
    if (time_size != saved_time_size) (void)::ftruncate(time_fd.get(), saved_time_size);
    index_size = saved_index_size;
    time_size = saved_time_size;
    if (::ftruncate(log_fd.get(), pos) != 0) {
      return st.WithContext(std::string(what) + " (and truncating back to " + std::to_string(pos) +
                            " failed too)");
    }
    return st.WithContext(what);
  }
  if (last_batch_pos < 0) roll_ts = now;
  last_batch_pos = pos;
  size += int64_t(batch.size());
  next_offset = last_offset + 1;
  if (hash) hash->Update(batch.data(), batch.size());
  return Status::Ok();
}

bool LogWriter::WouldRoll(size_t bytes) const {
  const Impl& w = *impl_;
  if (w.closed) return false;
  // Every offset takes at least one byte, so `bytes` bounds the offsets too.
  int64_t n = int64_t(std::min<size_t>(bytes, INT32_MAX));
  int64_t now = w.Now() + kWouldRollMarginMs;
  // An empty segment rolls only before a later batch of the same append: when
  // the first batch alone fills it, or when it is as old as segment_ms by then.
  if (w.size == 0) return n > w.opts.segment_bytes || kWouldRollMarginMs >= w.opts.segment_ms;
  return w.MustRoll(n, n, now);
}

Status LogWriter::Flush() {
  if (impl_->closed) return Status::Ok();
  return impl_->SyncActive();
}

Status LogWriter::Close() {
  Impl& w = *impl_;
  if (w.closed) return Status::Ok();
  w.closed = true;
  IndexBuilder::Entries final_entry;
  final_entry.time = w.builder.ForceFinal();
  Status st = w.WriteEntries(final_entry);
  if (st.ok() && w.opts.flush.mode != FlushMode::kNone) st = w.SyncActive();
  if (st.ok()) {
    Checkpoint c{w.base,
                 w.size,
                 w.next_offset,
                 w.last_batch_pos,
                 w.builder.max_timestamp(),
                 w.builder.max_timestamp_offset(),
                 w.roll_ts};
    st = WriteCheckpoint(w.dir, c, w.opts.flush.mode != FlushMode::kNone);
  }
  w.log_fd.Reset();
  w.index_fd.Reset();
  w.time_fd.Reset();
  w.lock.Release();
  w.dir_lock.Release();
  return st;
}

LogWriter::LogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogWriter::~LogWriter() { (void)Close(); }

int64_t LogWriter::next_offset() const { return impl_->next_offset; }
int64_t LogWriter::start_offset() const { return impl_->start_offset; }
int64_t LogWriter::active_base() const { return impl_->base; }
int64_t LogWriter::active_size() const { return impl_->size; }
const std::string& LogWriter::dir() const { return impl_->dir; }

Result<std::unique_ptr<LogWriter>> LogWriter::Open(const std::string& dir, const LogOptions& opts) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->opts = opts;
  if (opts.index_interval_bytes < 0 || opts.segment_bytes <= 0 || opts.segment_ms <= 0) {
    return Status::InvalidArgument("bad log options for " + dir);
  }
  if (!opts.data_dir_locked) {
    KLOG_RETURN_IF_ERROR(DataDirLock::AcquireShared(DataDirOf(dir), &impl->dir_lock));
  }
  KLOG_RETURN_IF_ERROR(MakeDirs(dir));
  KLOG_RETURN_IF_ERROR(PartitionLock::Acquire(dir, opts.owner, &impl->lock));
  KLOG_RETURN_IF_ERROR(RecoverPartition(impl.get()));
  // A log that has reached a higher epoch than opts.leader_epoch goes on in
  // its latest epoch: a batch never carries a lower epoch than one before it.
  std::optional<int32_t> latest = impl->epochs.latest_epoch();
  if (latest && *latest > impl->opts.leader_epoch) impl->opts.leader_epoch = *latest;
  impl->last_sync_ms = impl->Now();
  return std::unique_ptr<LogWriter>(new LogWriter(std::move(impl)));
}

}  // namespace klog
