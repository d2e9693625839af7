// The cleaner's file I/O: see io.h.
#include "storage/cleaner/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/coding.h"
#include "klog/filename.h"
#include "klog/index.h"
#include "klog/record.h"
#include "klog/segment.h"
#include "storage/cleaner/internal.h"
#include "storage/segment_scan.h"

namespace klog {

namespace {
constexpr size_t kWriteBufferBytes = size_t(1) << 20;
}  // namespace

Status SegmentBatchReader::Open(const std::string& path, int64_t size) {
  path_ = path;
  size_ = size;
  file_pos_ = 0;
  begin_ = end_ = 0;
  prev_last_ = -1;
  if (buf_.size() < chunk_) buf_.resize(chunk_);
  return OpenFd(path, O_RDONLY, &fd_);
}

Status SegmentBatchReader::Next(std::span<const uint8_t>* batch, int64_t* pos) {
  for (;;) {
    int64_t at = file_pos_ + int64_t(begin_);
    std::span<const uint8_t> have(buf_.data() + begin_, end_ - begin_);
    size_t need = 0;
    if (have.size() >= batch::kLogOverhead) {
      Result<size_t> n = NextBatchSize(have);
      if (!n.ok()) return CorruptionAt(path_, at, n.status().message());
      if (*n > 0) {
        if (!BatchCrcOk(have.first(*n))) return CorruptionAt(path_, at, "checksum mismatch");
        int64_t base = int64_t(GetBE64(have.data() + batch::kBaseOffsetPos));
        if (base <= prev_last_) {
          return CorruptionAt(path_, at,
                              "batch offset " + std::to_string(base) +
                                  " is not after the previous batch's last offset " +
                                  std::to_string(prev_last_));
        }
        prev_last_ = base + int32_t(GetBE32(have.data() + batch::kLastOffsetDeltaPos));
        *batch = have.first(*n);
        *pos = at;
        begin_ += *n;
        return Status::Ok();
      }
      // Part of a batch whose frame header NextBatchSize accepted.
      Result<size_t> frame = BatchFrameSize(have);
      if (!frame.ok()) return CorruptionAt(path_, at, frame.status().message());
      need = *frame;
    }
    if (at >= size_) {
      *batch = {};
      *pos = at;
      return Status::Ok();
    }
    // Move what is left to the front and read more behind it.
    std::memmove(buf_.data(), buf_.data() + begin_, have.size());
    file_pos_ = at;
    begin_ = 0;
    end_ = have.size();
    if (need > buf_.size()) buf_.resize(need);
    size_t want =
        size_t(std::min<int64_t>(int64_t(buf_.size() - end_), size_ - at - int64_t(end_)));
    size_t got = 0;
    if (want > 0) {
      KLOG_RETURN_IF_ERROR(
          PreadFull(fd_.get(), buf_.data() + end_, want, at + int64_t(end_), &got, path_));
    }
    if (got == 0) return CorruptionAt(path_, at, "partial batch at the end of a sealed segment");
    end_ += got;
  }
}

Status CleanedSegmentWriter::Start(int64_t base) {
  base_ = base;
  log_path_ = CleanedPath(dir_, base, kLogSuffix);
  KLOG_RETURN_IF_ERROR(OpenFd(log_path_, O_WRONLY | O_CREAT | O_TRUNC, &fd_));
  size_ = written_ = 0;
  buf_.clear();
  buf_.reserve(kWriteBufferBytes);
  builder_ = IndexBuilder(base, interval_);
  index_.clear();
  time_.clear();
  hash_ = std::make_unique<Xxh3Stream>();
  return Status::Ok();
}

Status CleanedSegmentWriter::FlushBuffer() {
  if (buf_.empty()) return Status::Ok();
  KLOG_RETURN_IF_ERROR(PwriteFull(fd_.get(), buf_.data(), buf_.size(), written_, log_path_));
  written_ += int64_t(buf_.size());
  buf_.clear();
  return Status::Ok();
}

Status CleanedSegmentWriter::Append(std::span<const uint8_t> batch, int64_t last_offset,
                                    int64_t max_timestamp) {
  IndexBuilder::Entries e = builder_.OnAppend(size_, last_offset, max_timestamp);
  uint8_t entry[kTimeIndexEntrySize];
  if (e.index) {
    EncodeIndexEntry(*e.index, entry);
    index_.append(reinterpret_cast<char*>(entry), kIndexEntrySize);
  }
  if (e.time) {
    EncodeTimeIndexEntry(*e.time, entry);
    time_.append(reinterpret_cast<char*>(entry), kTimeIndexEntrySize);
  }
  if (hash_) hash_->Update(batch.data(), batch.size());
  if (buf_.size() + batch.size() > kWriteBufferBytes) KLOG_RETURN_IF_ERROR(FlushBuffer());
  if (batch.size() >= kWriteBufferBytes) {
    KLOG_RETURN_IF_ERROR(PwriteFull(fd_.get(), batch.data(), batch.size(), written_, log_path_));
    written_ += int64_t(batch.size());
  } else {
    buf_.insert(buf_.end(), batch.begin(), batch.end());
  }
  size_ += int64_t(batch.size());
  return Status::Ok();
}

Status CleanedSegmentWriter::Restore(const Mark& m) {
  KLOG_RETURN_IF_ERROR(FlushBuffer());
  if (::ftruncate(fd_.get(), m.size) != 0) return Status::FromErrno("truncate " + log_path_, errno);
  size_ = written_ = m.size;
  builder_ = m.builder;
  index_.resize(m.index_len);
  time_.resize(m.time_len);
  hash_.reset();
  return Status::Ok();
}

Status CleanedSegmentWriter::Finish() {
  KLOG_RETURN_IF_ERROR(FlushBuffer());
  if (auto final_entry = builder_.ForceFinal()) {
    uint8_t entry[kTimeIndexEntrySize];
    EncodeTimeIndexEntry(*final_entry, entry);
    time_.append(reinterpret_cast<char*>(entry), kTimeIndexEntrySize);
  }
  if (sync_ && ::fdatasync(fd_.get()) != 0) return Status::FromErrno("fsync " + log_path_, errno);
  fd_.Reset();
  SegmentDigest d;
  if (hash_) {
    d = {hash_->Digest(), size_};
  } else {
    Result<SegmentDigest> computed = ComputeDigest(log_path_);
    if (!computed.ok()) return computed.status();
    d = *computed;
  }
  std::string digest = SealLine("xxh3 " + Hex64(d.xxh3) + " bytes " + std::to_string(d.bytes));
  struct File {
    std::string_view suffix;
    const std::string* data;
  };
  for (File f : {File{kIndexSuffix, &index_}, File{kTimeIndexSuffix, &time_},
                 File{kDigestSuffix, &digest}}) {
    std::string path = CleanedPath(dir_, base_, f.suffix);
    UniqueFd fd;
    KLOG_RETURN_IF_ERROR(OpenFd(path, O_WRONLY | O_CREAT | O_TRUNC, &fd));
    KLOG_RETURN_IF_ERROR(PwriteFull(fd.get(), f.data->data(), f.data->size(), 0, path));
    if (sync_ && ::fdatasync(fd.get()) != 0) return Status::FromErrno("fsync " + path, errno);
  }
  return Status::Ok();
}

}  // namespace klog
