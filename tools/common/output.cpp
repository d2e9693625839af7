#include "output.h"

#include <errno.h>
#include <unistd.h>

#include <charconv>

namespace klog::cli {

Output::Output(int fd, size_t capacity) : fd_(fd), buf_(capacity) {}

void Output::WriteInt(int64_t v) {
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
  Write(std::string_view(tmp, size_t(r.ptr - tmp)));
}

bool Output::Flush() {
  if (used_ > 0 && err_ == 0) WriteAll(buf_.data(), used_);
  used_ = 0;
  return ok();
}

bool Output::broken_pipe() const { return err_ == EPIPE; }

std::string Output::error() const {
  return err_ == 0 ? std::string() : std::string("write error: ") + std::strerror(err_);
}

void Output::WriteSlow(std::string_view s) {
  // Fill the buffer, flush, then either buffer the rest or write it straight
  // through when it is bigger than the buffer.
  size_t room = buf_.size() - used_;
  std::memcpy(buf_.data() + used_, s.data(), room);
  used_ += room;
  s.remove_prefix(room);
  Flush();
  if (s.size() >= buf_.size()) {
    if (err_ == 0) WriteAll(s.data(), s.size());
    return;
  }
  std::memcpy(buf_.data(), s.data(), s.size());
  used_ = s.size();
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
