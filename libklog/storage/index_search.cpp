// In-place binary search of .index and .timeindex files: see index.h.
#include <fcntl.h>

#include <algorithm>
#include <string>

#include "klog/coding.h"
#include "klog/index.h"
#include "util/fileutil.h"

namespace klog {
namespace {

// An index file opened for entry-at-a-time reads.
class IndexFile {
 public:
  IndexFile(std::string path, int entry_size) : path_(std::move(path)), entry_size_(entry_size) {}

  // Opens the file and counts its entries, leaving out a zero-filled tail.
  Status Open() {
    KLOG_RETURN_IF_ERROR(OpenFd(path_, O_RDONLY, &fd_));
    Result<int64_t> size = FdSize(fd_.get(), path_);
    if (!size.ok()) return size.status();
    count_ = size_t(*size) / size_t(entry_size_);
    return CountWithoutZeroTail();
  }
  size_t count() const { return count_; }

  // Reads entry i (< count()) into `out` (entry_size bytes).
  Status Read(size_t i, uint8_t* out) const {
    size_t got = 0;
    KLOG_RETURN_IF_ERROR(
        PreadFull(fd_.get(), out, size_t(entry_size_), int64_t(i) * entry_size_, &got, path_));
    if (got != size_t(entry_size_)) {
      return Status::Corruption(path_ + ": shrank while being searched");
    }
    return Status::Ok();
  }

  // The greatest i < count() with key(i) <= target, or -1.
  template <typename Key>
  Result<int64_t> UpperBoundMinusOne(const Key& key, int64_t target) const {
    size_t lo = 0, hi = count_;  // answer in [lo - 1, hi - 1]
    uint8_t e[16];
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      KLOG_RETURN_IF_ERROR(Read(mid, e));
      if (key(e) <= target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return int64_t(lo) - 1;
  }

 private:
  // Entries after the first are never all zero (their offsets grow from 0),
  // so the zero tail Kafka preallocates is found by binary search too.
  Status CountWithoutZeroTail() {
    uint8_t e[16];
    auto is_zero = [&](size_t i) -> Result<bool> {
      KLOG_RETURN_IF_ERROR(Read(i, e));
      return std::all_of(e, e + entry_size_, [](uint8_t b) { return b == 0; });
    };
    if (count_ <= 1) return Status::Ok();
    Result<bool> last_zero = is_zero(count_ - 1);
    if (!last_zero.ok()) return last_zero.status();
    if (!*last_zero) return Status::Ok();
    size_t lo = 1, hi = count_ - 1;  // first zero entry is in [lo, hi]
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      Result<bool> z = is_zero(mid);
      if (!z.ok()) return z.status();
      if (*z) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    count_ = lo;
    return Status::Ok();
  }

  std::string path_;
  int entry_size_;
  UniqueFd fd_;
  size_t count_ = 0;
};

IndexEntry DecodeIndexEntry(const uint8_t* p) {
  return {int32_t(GetBE32(p)), int32_t(GetBE32(p + 4))};
}
TimeIndexEntry DecodeTimeIndexEntry(const uint8_t* p) {
  return {int64_t(GetBE64(p)), int32_t(GetBE32(p + 8))};
}

}  // namespace

Result<std::optional<IndexEntry>> SearchOffsetIndex(const std::string& path, int32_t target) {
  IndexFile f(path, kIndexEntrySize);
  KLOG_RETURN_IF_ERROR(f.Open());
  Result<int64_t> i =
      f.UpperBoundMinusOne([](const uint8_t* e) { return int64_t(int32_t(GetBE32(e))); }, target);
  if (!i.ok()) return i.status();
  if (*i < 0) return std::optional<IndexEntry>();
  uint8_t e[kIndexEntrySize];
  KLOG_RETURN_IF_ERROR(f.Read(size_t(*i), e));
  IndexEntry entry = DecodeIndexEntry(e);
  if (entry.relative_offset < 0 || entry.position < 0) {
    return Status::Corruption(path + " pos " + std::to_string(*i * kIndexEntrySize) +
                              ": negative offset or position");
  }
  return std::optional<IndexEntry>(entry);
}

Result<std::optional<TimeIndexEntry>> SearchTimeIndex(const std::string& path, int64_t target) {
  IndexFile f(path, kTimeIndexEntrySize);
  KLOG_RETURN_IF_ERROR(f.Open());
  Result<int64_t> i =
      f.UpperBoundMinusOne([](const uint8_t* e) { return int64_t(GetBE64(e)); }, target);
  if (!i.ok()) return i.status();
  if (*i < 0) return std::optional<TimeIndexEntry>();
  uint8_t e[kTimeIndexEntrySize];
  KLOG_RETURN_IF_ERROR(f.Read(size_t(*i), e));
  TimeIndexEntry entry = DecodeTimeIndexEntry(e);
  if (entry.relative_offset < 0) {
    return Status::Corruption(path + " pos " + std::to_string(*i * kTimeIndexEntrySize) +
                              ": negative offset");
  }
  return std::optional<TimeIndexEntry>(entry);
}

Result<std::optional<TimeIndexEntry>> LastTimeIndexEntry(const std::string& path) {
  IndexFile f(path, kTimeIndexEntrySize);
  KLOG_RETURN_IF_ERROR(f.Open());
  if (f.count() == 0) return std::optional<TimeIndexEntry>();
  uint8_t e[kTimeIndexEntrySize];
  KLOG_RETURN_IF_ERROR(f.Read(f.count() - 1, e));
  return std::optional<TimeIndexEntry>(DecodeTimeIndexEntry(e));
}

}  // namespace klog
