// Helpers for the CLI plumbing tests: capture an Output into a string.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli/output.h"

namespace klog::cli::testing {

// An Output writing into an anonymous temporary file, read back by Take().
class CapturedOutput {
 public:
  CapturedOutput() : file_(std::tmpfile()) {
    if (file_ == nullptr) throw std::runtime_error("tmpfile");
    // A small buffer exercises the writer's slow path.
    out_ = std::make_unique<Output>(fileno(file_), 64);
  }
  ~CapturedOutput() { std::fclose(file_); }
  Output& out() { return *out_; }
  // Flushes and returns everything written.
  std::string Take() {
    out_->Flush();
    int fd = fileno(file_);
    std::string s;
    char buf[4096];
    ssize_t n;
    off_t pos = 0;
    while ((n = ::pread(fd, buf, sizeof(buf), pos)) > 0) {
      s.append(buf, size_t(n));
      pos += n;
    }
    return s;
  }

 private:
  FILE* file_;
  std::unique_ptr<Output> out_;
};

}  // namespace klog::cli::testing
