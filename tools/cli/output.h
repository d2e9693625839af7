// A buffered writer for stdout (or any fd): data is copied into a large
// buffer and written with write(2) only when the buffer is full or on
// Flush(). Every write is checked; errors are sticky. EPIPE (the reader went
// away) is remembered as broken_pipe() so the tool can end quietly; any other
// error is kept as a message for the tool to report with exit 1.
//
// Deferred mode (klog-read --group, read_group.h) never writes on its own:
// Write(), Put() and Commit() only buffer, and the owner writes with
// WriteSome(), which stops at the first short or interrupted write (see
// WriteAlarm), so a reader that stops reading cannot hold the caller in
// write(2). Positions in the output stream (written(), end()) let the owner
// tell which of the bytes it buffered have reached the fd.
// Not thread-safe: one thread writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "klog/status.h"

namespace klog::cli {

class Output {
 public:
  explicit Output(int fd, size_t capacity = size_t(256) << 10);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void Write(std::string_view s) {
    if (buf_.size() + s.size() <= cap_) {
      buf_.append(s);
    } else {
      WriteSlow(s);
    }
  }
  void Put(char c) {
    if (buf_.size() >= cap_ && !deferred_) Flush();
    buf_.push_back(c);
  }
  // For encoders that append to a std::string (klog/text.h): append to
  // *Buffer() directly, with no intermediate copy, then call Commit(), which
  // writes the buffer out once it has reached its capacity.
  std::string* Buffer() { return &buf_; }
  void Commit() {
    if (buf_.size() >= cap_ && !deferred_) Flush();
  }
  // Decimal text of v.
  void WriteInt(int64_t v);

  // Writes everything buffered, waiting as long as the fd needs. Returns ok().
  bool Flush();
  // False once a write failed (broken pipe included). Later writes are dropped.
  bool ok() const { return err_ == 0; }
  bool broken_pipe() const;
  // "write error: <strerror>" when !ok().
  std::string error() const;
  // Bytes buffered and not yet written.
  size_t buffered() const { return buf_.size() - head_; }
  size_t capacity() const { return cap_; }

  // Deferred mode: see the file comment. Turning it off does not write.
  void set_deferred(bool on) { deferred_ = on; }
  // Writes buffered bytes until all are written (true), a write fails, or a
  // write returns short or with EINTR (false; the rest stays buffered).
  bool WriteSome();
  // Stream positions: bytes written to the fd so far, and that plus buffered().
  uint64_t written() const { return written_; }
  uint64_t end() const { return written_ + buffered(); }
  // Removes the buffered bytes of `ranges` ([from, to) stream positions,
  // sorted, disjoint, none before written()); later bytes move up.
  void Erase(std::span<const std::pair<uint64_t, uint64_t>> ranges);
  // Drops every buffered byte, unwritten.
  void Discard();

 private:
  void WriteSlow(std::string_view s);
  bool WriteAll(const char* p, size_t n);

  int fd_;
  int err_ = 0;
  size_t cap_;
  bool deferred_ = false;
  std::string buf_;       // reserved to cap_; grows past it for a huge Commit() or when deferred
  size_t head_ = 0;       // buf_[0, head_) is written (WriteSome() stopped short)
  uint64_t written_ = 0;  // bytes written to fd_ since the start
};

// While armed, interrupts this thread's blocking write(2)s: a timer sends it
// SIGALRM every `interval_ms`, whose handler does nothing and is installed
// without SA_RESTART, so a write to a pipe, socket or terminal nobody reads
// returns (short, or -1 with EINTR) within one interval. Writes to regular
// files are not interrupted. The timer is periodic, so a signal that arrives
// just before write(2) starts costs one more interval, not a hang. One per
// process (it owns SIGALRM's action until destroyed); create, arm and write
// on the same thread.
class WriteAlarm {
 public:
  static Result<std::unique_ptr<WriteAlarm>> Create(int interval_ms);
  ~WriteAlarm();  // deletes the timer, restores SIGALRM's previous action
  WriteAlarm(const WriteAlarm&) = delete;
  WriteAlarm& operator=(const WriteAlarm&) = delete;

  void Arm();
  void Disarm();

 private:
  WriteAlarm() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace klog::cli
