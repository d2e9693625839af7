// Helpers for the CLI plumbing tests: capture an Output into a string.
#pragma once

#include <unistd.h>

#include <string>

#include "output.h"

namespace klog::cli::testing {

// An Output writing into a pipe, read back as a string by Take().
class CapturedOutput {
 public:
  CapturedOutput() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    rfd_ = fds[0];
    wfd_ = fds[1];
    out_ = std::make_unique<Output>(wfd_, 64);  // small buffer exercises the slow path
  }
  ~CapturedOutput() {
    ::close(rfd_);
    if (wfd_ >= 0) ::close(wfd_);
  }
  Output& out() { return *out_; }
  // Flushes, closes the write end and returns everything written.
  std::string Take() {
    out_->Flush();
    ::close(wfd_);
    wfd_ = -1;
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(rfd_, buf, sizeof(buf))) > 0) s.append(buf, size_t(n));
    return s;
  }

 private:
  int rfd_ = -1, wfd_ = -1;
  std::unique_ptr<Output> out_;
};

}  // namespace klog::cli::testing
