// Private file helpers for the storage layer: an owning file descriptor,
// full-length pread/pwrite loops and atomic whole-file replacement. Every
// failure is a Status naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "klog/status.h"

namespace klog {

// Owns one file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.Release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added. A missing file is NotFound, other failures IOError.
Status OpenFd(const std::string& path, int flags, UniqueFd* out, int mode = 0644);

// Reads up to `n` bytes at `offset`, retrying short reads; *got < n only at end of file.
Status PreadFull(int fd, void* buf, size_t n, int64_t offset, size_t* got, const std::string& path);
// Writes all `n` bytes at `offset` (retrying on EINTR and short writes).
Status PwriteFull(int fd, const void* buf, size_t n, int64_t offset, const std::string& path);

// Size of an open file, or of the file at `path` (NotFound when missing).
Result<int64_t> FdSize(int fd, const std::string& path);
Result<int64_t> PathSize(const std::string& path);

// Reads a whole (small) file. NotFound when missing.
Status ReadWholeFile(const std::string& path, std::string* out);

// Replaces `path` with `data` atomically: writes "<path>.tmp", optionally
// fsyncs it, renames it over `path` and (when syncing) fsyncs the directory.
// A reader sees either the old or the new content, never a mix.
Status ReplaceFileAtomically(const std::string& path, std::string_view data, bool sync);

// fsync of a directory, so entries created or renamed in it survive power loss.
Status SyncDir(const std::string& dir);

// Creates `dir` (and missing parents). Existing directories are fine.
Status MakeDirs(const std::string& dir);

// True when `path` is a directory (or a symlink to one); false on any error.
bool IsDir(const std::string& path);

// "a/b/c.log" → "c.log"; "a/b/c.log" → "a/b".
std::string_view BaseName(std::string_view path);
std::string DirName(std::string_view path);

// klog's small self-checking text files are one line: "<body> check <hex>\n",
// where <hex> is the 16-digit XXH3-64 of <body>. SealLine makes that line.
std::string SealLine(std::string_view body);
// Returns the body of a sealed line, or Corruption if it is torn or altered.
Result<std::string> UnsealLine(std::string_view text, const std::string& path);

}  // namespace klog
