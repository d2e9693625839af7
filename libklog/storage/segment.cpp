// Segment listing, scanning and index rebuilding: see segment.h.
#include "klog/segment.h"

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <vector>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/filename.h"
#include "storage/index_builder.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog {

namespace {

// Reads start small (a seek scans a few KB past an index entry) and double up
// to the maximum for long scans.
constexpr size_t kFirstScanChunk = size_t(64) << 10;
constexpr size_t kMaxScanChunk = size_t(1) << 20;

// A read window over [from, size) of a file that always holds whole batches
// when they fit, growing for batches larger than the chunk.
class Window {
 public:
  Window(int fd, const std::string& path, int64_t size) : fd_(fd), path_(path), size_(size) {}

  // Makes sure [pos, pos + want) is buffered, or as much of it as the file has.
  Status Fill(int64_t pos, size_t want) {
    if (pos >= start_ && pos + int64_t(want) <= start_ + int64_t(len_)) return Status::Ok();
    size_t n = std::max(want, chunk_);
    chunk_ = std::min(chunk_ * 2, kMaxScanChunk);
    n = size_t(std::min<int64_t>(int64_t(n), size_ - pos));
    if (cap_ < n) {
      // Uninitialized on purpose: pread fills it, and only what it read is used.
      buf_.reset(new uint8_t[n]);
      cap_ = n;
    }
    size_t got = 0;
    KLOG_RETURN_IF_ERROR(PreadFull(fd_, buf_.get(), n, pos, &got, path_));
    start_ = pos;
    len_ = got;
    return Status::Ok();
  }
  std::span<const uint8_t> At(int64_t pos) const {
    size_t off = size_t(pos - start_);
    return {buf_.get() + off, len_ - off};
  }

 private:
  int fd_;
  const std::string& path_;
  int64_t size_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t cap_ = 0;
  int64_t start_ = 0;
  size_t len_ = 0;
  size_t chunk_ = kFirstScanChunk;
};

}  // namespace

Status CorruptionAt(const std::string& path, int64_t pos, const std::string& what) {
  return Status::Corruption(path + " pos " + std::to_string(pos) + ": " + what);
}

Status ScanBatches(int fd, const std::string& path, int64_t base_offset, int64_t from, int64_t size,
                   int64_t prev_last_offset, bool check_crc, const BatchFn& fn,
                   int64_t* valid_end) {
  Window win(fd, path, size);
  int64_t pos = from;
  *valid_end = from;
  while (pos < size) {
    KLOG_RETURN_IF_ERROR(win.Fill(pos, batch::kHeaderSize));
    Result<size_t> n = NextBatchSize(win.At(pos));
    if (!n.ok()) return CorruptionAt(path, pos, n.status().message());
    if (*n == 0) {
      // Not whole in the window: read the header for the length, then the batch.
      std::span<const uint8_t> head = win.At(pos);
      if (head.size() < batch::kLogOverhead) return Status::Ok();  // partial tail
      Result<size_t> total = BatchFrameSize(head);
      if (!total.ok()) return CorruptionAt(path, pos, total.status().message());
      if (pos + int64_t(*total) > size) return Status::Ok();  // partial tail
      KLOG_RETURN_IF_ERROR(win.Fill(pos, *total));
      n = NextBatchSize(win.At(pos));
      if (!n.ok()) return CorruptionAt(path, pos, n.status().message());
      if (*n == 0) return Status::Ok();  // the file shrank under us
    }
    std::span<const uint8_t> bytes = win.At(pos).first(*n);
    BatchInfo info{pos, {}, true};
    Status st = ParseBatchHeader(bytes, &info.header);
    if (!st.ok()) return CorruptionAt(path, pos, st.message());
    const BatchHeader& h = info.header;
    if (h.base_offset <= prev_last_offset || (base_offset >= 0 && h.base_offset < base_offset)) {
      return CorruptionAt(path, pos,
                          "batch offset " + std::to_string(h.base_offset) +
                              " is not after the previous batch (last offset " +
                              std::to_string(std::max(prev_last_offset, base_offset - 1)) + ")");
    }
    if (check_crc) info.crc_ok = BatchCrcOk(bytes);
    bool more = fn(info, bytes);
    if (!info.crc_ok) return CorruptionAt(path, pos, "checksum mismatch");
    pos += int64_t(*n);
    prev_last_offset = h.last_offset();
    *valid_end = pos;
    if (!more) break;
  }
  return Status::Ok();
}

Status ScanSegment(const std::string& path, int64_t from,
                   const std::function<bool(const BatchInfo&, std::span<const uint8_t>)>& fn,
                   int64_t* valid_end) {
  *valid_end = from;
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(path, O_RDONLY, &fd));
  Result<int64_t> size = FdSize(fd.get(), path);
  if (!size.ok()) return size.status();
  int64_t base = ParseSegmentName(BaseName(path), kLogSuffix).value_or(-1);
  return ScanBatches(fd.get(), path, base, from, *size, -1, true, fn, valid_end);
}

Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir) {
  DIR* d = ::opendir(partition_dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::NotFound(partition_dir + ": no such directory");
    return Status::FromErrno("opendir " + partition_dir, errno);
  }
  std::vector<int64_t> bases;
  while (dirent* e = ::readdir(d)) {
    if (auto base = ParseSegmentName(e->d_name, kLogSuffix)) bases.push_back(*base);
  }
  ::closedir(d);
  std::sort(bases.begin(), bases.end());
  return bases;
}

Status RebuildIndexes(const std::string& log_path, int64_t base_offset, int32_t interval_bytes) {
  IndexBuilder builder(base_offset, interval_bytes);
  std::string index, time_index;
  auto fn = [&](const BatchInfo& b, std::span<const uint8_t>) {
    IndexBuilder::Entries e =
        builder.OnAppend(b.position, b.header.last_offset(), b.header.max_timestamp);
    uint8_t buf[kTimeIndexEntrySize];
    if (e.index) {
      EncodeIndexEntry(*e.index, buf);
      index.append(reinterpret_cast<char*>(buf), kIndexEntrySize);
    }
    if (e.time) {
      EncodeTimeIndexEntry(*e.time, buf);
      time_index.append(reinterpret_cast<char*>(buf), kTimeIndexEntrySize);
    }
    return true;
  };
  int64_t valid_end = 0;
  KLOG_RETURN_IF_ERROR(ScanSegment(log_path, 0, fn, &valid_end));
  Result<int64_t> size = PathSize(log_path);
  if (!size.ok()) return size.status();
  if (valid_end < *size) {
    return CorruptionAt(log_path, valid_end, "partial batch at the end of the segment");
  }
  if (auto final_entry = builder.ForceFinal()) {
    uint8_t buf[kTimeIndexEntrySize];
    EncodeTimeIndexEntry(*final_entry, buf);
    time_index.append(reinterpret_cast<char*>(buf), kTimeIndexEntrySize);
  }
  std::string dir = DirName(log_path);
  KLOG_RETURN_IF_ERROR(
      ReplaceFileAtomically(SegmentPath(dir, base_offset, kIndexSuffix), index, false));
  return ReplaceFileAtomically(SegmentPath(dir, base_offset, kTimeIndexSuffix), time_index, false);
}

}  // namespace klog
