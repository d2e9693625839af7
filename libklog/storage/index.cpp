// Offset and time index files: see index.h.
#include "klog/index.h"

#include <fcntl.h>

#include <algorithm>

#include "klog/coding.h"
#include "util/fileutil.h"

namespace klog {

namespace {

// Reads `path` and checks that its length is a whole number of entries.
Status ReadEntries(const std::string& path, int entry_size, std::string* bytes) {
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, bytes));
  if (bytes->size() % size_t(entry_size) != 0) {
    size_t whole = bytes->size() - bytes->size() % size_t(entry_size);
    return Status::Corruption(path + " pos " + std::to_string(whole) + ": length " +
                              std::to_string(bytes->size()) + " is not a multiple of " +
                              std::to_string(entry_size));
  }
  return Status::Ok();
}

// Number of entries left after dropping all-zero entries past the first.
size_t TrimZeroTail(const std::string& bytes, int entry_size) {
  size_t n = bytes.size() / size_t(entry_size);
  while (n > 1) {
    const char* e = bytes.data() + (n - 1) * size_t(entry_size);
    if (!std::all_of(e, e + entry_size, [](char c) { return c == 0; })) break;
    --n;
  }
  return n;
}

Status OutOfOrder(const std::string& path, size_t i, int entry_size, const char* what) {
  return Status::Corruption(path + " pos " + std::to_string(i * size_t(entry_size)) + ": " + what);
}

}  // namespace

Result<std::vector<IndexEntry>> ReadOffsetIndex(const std::string& path) {
  std::string bytes;
  KLOG_RETURN_IF_ERROR(ReadEntries(path, kIndexEntrySize, &bytes));
  size_t n = TrimZeroTail(bytes, kIndexEntrySize);
  std::vector<IndexEntry> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + i * kIndexEntrySize;
    IndexEntry e{int32_t(GetBE32(p)), int32_t(GetBE32(p + 4))};
    if (e.relative_offset < 0 || e.position < 0) {
      return OutOfOrder(path, i, kIndexEntrySize, "negative offset or position");
    }
    if (!out.empty() &&
        (e.relative_offset <= out.back().relative_offset || e.position <= out.back().position)) {
      return OutOfOrder(path, i, kIndexEntrySize, "entry not after the previous one");
    }
    out.push_back(e);
  }
  return out;
}

Result<std::vector<TimeIndexEntry>> ReadTimeIndex(const std::string& path) {
  std::string bytes;
  KLOG_RETURN_IF_ERROR(ReadEntries(path, kTimeIndexEntrySize, &bytes));
  size_t n = TrimZeroTail(bytes, kTimeIndexEntrySize);
  std::vector<TimeIndexEntry> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + i * kTimeIndexEntrySize;
    TimeIndexEntry e{int64_t(GetBE64(p)), int32_t(GetBE32(p + 8))};
    if (e.relative_offset < 0) {
      return OutOfOrder(path, i, kTimeIndexEntrySize, "negative offset");
    }
    if (!out.empty() &&
        (e.timestamp <= out.back().timestamp || e.relative_offset < out.back().relative_offset)) {
      return OutOfOrder(path, i, kTimeIndexEntrySize, "entry not after the previous one");
    }
    out.push_back(e);
  }
  return out;
}

int64_t LookupOffset(const std::vector<IndexEntry>& index, int32_t target) {
  auto it = std::upper_bound(index.begin(), index.end(), target,
                             [](int32_t t, const IndexEntry& e) { return t < e.relative_offset; });
  return int64_t(it - index.begin()) - 1;
}

int64_t LookupTimestamp(const std::vector<TimeIndexEntry>& index, int64_t target) {
  auto it = std::upper_bound(index.begin(), index.end(), target,
                             [](int64_t t, const TimeIndexEntry& e) { return t < e.timestamp; });
  return int64_t(it - index.begin()) - 1;
}

void EncodeIndexEntry(const IndexEntry& e, uint8_t out[kIndexEntrySize]) {
  PutBE32(out, uint32_t(e.relative_offset));
  PutBE32(out + 4, uint32_t(e.position));
}

void EncodeTimeIndexEntry(const TimeIndexEntry& e, uint8_t out[kTimeIndexEntrySize]) {
  PutBE64(out, uint64_t(e.timestamp));
  PutBE32(out + 8, uint32_t(e.relative_offset));
}

}  // namespace klog
