#include "output.h"

#include <errno.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

namespace klog::cli {

Output::Output(int fd, size_t capacity) : fd_(fd), cap_(capacity) { buf_.reserve(capacity); }

void Output::WriteInt(int64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
  Write(std::string_view(tmp, size_t(r.ptr - tmp)));
}

bool Output::Flush() {
  if (!buf_.empty() && err_ == 0) WriteAll(buf_.data(), buf_.size());
  buf_.clear();
  return ok();
}

bool Output::broken_pipe() const { return err_ == EPIPE; }

std::string Output::error() const {
  return err_ == 0 ? std::string() : std::string("write error: ") + std::strerror(err_);
}

void Output::WriteSlow(std::string_view s) {
  // Fill the buffer, flush, then either buffer the rest or write it straight
  // through when it is bigger than the buffer.
  size_t room = cap_ - std::min(cap_, buf_.size());
  buf_.append(s.substr(0, room));
  s.remove_prefix(room);
  Flush();
  if (s.size() >= cap_) {
    if (err_ == 0) WriteAll(s.data(), s.size());
    return;
  }
  buf_.append(s);
}

bool Output::WriteAll(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      err_ = errno;
      return false;
    }
    p += w;
    n -= size_t(w);
  }
  return true;
}

Output& Stdout() {
  static Output out(1);
  return out;
}

}  // namespace klog::cli
