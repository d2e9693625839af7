// The cleaner's file I/O: reading a sealed segment's batches with large
// preads, and writing one cleaned segment (*.cleaned: .log, .index,
// .timeindex, .xxh3) through a write buffer. Buffers are reused.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "klog/checksum.h"
#include "klog/status.h"
#include "storage/index_builder.h"
#include "util/fileutil.h"

namespace klog {

// Hands out the whole batches of one .log in order, checking each one's
// header, CRC and that offsets increase. A malformed batch, a bad CRC,
// offsets out of order or a partial batch at the end is Corruption
// "<file> pos N: ...".
class SegmentBatchReader {
 public:
  explicit SegmentBatchReader(size_t chunk_bytes = size_t(4) << 20) : chunk_(chunk_bytes) {}
  Status Open(const std::string& path, int64_t size);
  // Sets *batch to the next batch (empty at the end) and *pos to its position.
  Status Next(std::span<const uint8_t>* batch, int64_t* pos);

 private:
  size_t chunk_;
  std::string path_;
  UniqueFd fd_;
  int64_t size_ = 0;
  int64_t file_pos_ = 0;    // file position of buf_[0]
  int64_t prev_last_ = -1;  // last offset of the previous batch
  size_t begin_ = 0, end_ = 0;
  std::vector<uint8_t> buf_;
};

// Writes one cleaned segment as <base>.<suffix>.cleaned files.
class CleanedSegmentWriter {
 public:
  CleanedSegmentWriter(std::string dir, int32_t index_interval_bytes, bool sync)
      : dir_(std::move(dir)), interval_(index_interval_bytes), sync_(sync) {}
  Status Start(int64_t base);
  // Appends one batch ending at `last_offset` with MaxTimestamp `max_timestamp`.
  Status Append(std::span<const uint8_t> batch, int64_t last_offset, int64_t max_timestamp);
  int64_t size() const { return size_; }
  int64_t base() const { return base_; }

  // A point Append() can be undone to (a source that made the segment too big).
  struct Mark {
    int64_t size;
    IndexBuilder builder;
    size_t index_len, time_len;
  };
  Mark Save() const { return Mark{size_, builder_, index_.size(), time_.size()}; }
  Status Restore(const Mark& m);

  // Writes the indexes and the digest, syncs when asked and closes the files.
  Status Finish();

 private:
  Status FlushBuffer();

  std::string dir_;
  int32_t interval_;
  bool sync_;
  int64_t base_ = 0;
  std::string log_path_;
  UniqueFd fd_;
  int64_t size_ = 0;     // bytes appended
  int64_t written_ = 0;  // bytes in the file (the rest is in buf_)
  std::vector<uint8_t> buf_;
  IndexBuilder builder_{0, 4096};
  std::string index_, time_;
  std::unique_ptr<Xxh3Stream> hash_;  // null once Restore() made it unusable
};

}  // namespace klog
