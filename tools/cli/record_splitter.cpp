#include "cli/record_splitter.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace klog::cli {

RecordSplitter::RecordSplitter(int fd, std::string delimiter, size_t chunk_bytes)
    : fd_(fd), delim_(std::move(delimiter)), chunk_(chunk_bytes), buf_(chunk_bytes) {}

Result<bool> RecordSplitter::Fill() {
  if (eof_) return begin_ < end_;
  // Move the incomplete record to the front and make room for a whole chunk.
  size_t carry = end_ - begin_;
  if (begin_ > 0 && carry > 0) std::memmove(buf_.data(), buf_.data() + begin_, carry);
  scan_ -= begin_;
  begin_ = 0;
  end_ = carry;
  if (buf_.size() < carry + chunk_) buf_.resize(carry + chunk_);
  ssize_t n;
  do {
    n = ::read(fd_, buf_.data() + end_, chunk_);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::FromErrno("read stdin", errno);
  if (n == 0) {
    eof_ = true;
    return carry > 0;
  }
  end_ += size_t(n);
  bytes_read_ += size_t(n);
  return true;
}

size_t RecordSplitter::FindDelimiter() const {
  const char* base = buf_.data();
  const char first = delim_[0];
  const size_t dlen = delim_.size();
  size_t pos = scan_;
  while (pos < end_) {
    const void* hit = std::memchr(base + pos, first, end_ - pos);
    if (hit == nullptr) return end_;
    size_t at = size_t(static_cast<const char*>(hit) - base);
    if (dlen == 1) return at;
    if (end_ - at < dlen) return end_;
    if (std::memcmp(base + at + 1, delim_.data() + 1, dlen - 1) == 0) return at;
    pos = at + 1;
  }
  return end_;
}

bool RecordSplitter::Next(std::string_view* record) {
  size_t at = FindDelimiter();
  if (at < end_) {
    *record = std::string_view(buf_.data() + begin_, at - begin_);
    begin_ = scan_ = at + delim_.size();
    return true;
  }
  if (eof_ && begin_ < end_) {
    *record = std::string_view(buf_.data() + begin_, end_ - begin_);
    begin_ = scan_ = end_;
    return true;
  }
  // Resume the search where a delimiter split across chunks could start.
  scan_ = std::max(begin_, end_ >= delim_.size() - 1 ? end_ - (delim_.size() - 1) : 0);
  return false;
}

}  // namespace klog::cli
