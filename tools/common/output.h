// A buffered writer for stdout (or any fd): data is copied into a large
// buffer and written with write(2) only when the buffer is full or on
// Flush(). Every write is checked; errors are sticky. EPIPE (the reader went
// away) is remembered as broken_pipe() so the tool can end quietly; any other
// error is kept as a message for the tool to report with exit 1.
// Not thread-safe: one thread writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace klog::cli {

class Output {
 public:
  explicit Output(int fd, size_t capacity = size_t(256) << 10);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void Write(std::string_view s) {
    if (s.size() <= cap_ - buf_.size()) {
      buf_.append(s);
    } else {
      WriteSlow(s);
    }
  }
  void Put(char c) {
    if (buf_.size() == cap_) Flush();
    buf_.push_back(c);
  }
  // For encoders that append to a std::string (klog/text.h): append to
  // *Buffer() directly, with no intermediate copy, then call Commit(), which
  // writes the buffer out once it has reached its capacity.
  std::string* Buffer() { return &buf_; }
  void Commit() {
    if (buf_.size() >= cap_) Flush();
  }
  // Decimal text of v.
  void WriteInt(int64_t v);

  // Writes everything buffered. Returns ok().
  bool Flush();
  // False once a write failed (broken pipe included). Later writes are dropped.
  bool ok() const { return err_ == 0; }
  bool broken_pipe() const;
  // "write error: <strerror>" when !ok().
  std::string error() const;
  size_t buffered() const { return buf_.size(); }

 private:
  void WriteSlow(std::string_view s);
  bool WriteAll(const char* p, size_t n);

  int fd_;
  int err_ = 0;
  size_t cap_;
  std::string buf_;  // reserved to cap_; grows past it only for one huge Commit()
};

// The process's stdout writer (fd 1). cli::Run() flushes and checks it at exit.
Output& Stdout();

}  // namespace klog::cli
