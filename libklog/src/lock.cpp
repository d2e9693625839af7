// Partition writer lock: see lock.h.
#include "lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "klog/filename.h"

namespace klog {

std::string DescribeLockHolder(int fd) {
  char buf[256];
  size_t got = 0;
  if (!PreadFull(fd, buf, sizeof buf - 1, 0, &got, "").ok()) got = 0;
  std::string text(buf, got);
  // Content: "pid <N> <owner>\n", written by the holder just after locking.
  if (text.rfind("pid ", 0) != 0 || text.empty() || text.back() != '\n') {
    return "another process";
  }
  text.pop_back();
  size_t space = text.find(' ', 4);
  if (space == std::string::npos) return "another process";
  return "pid " + text.substr(4, space - 4) + " (" + text.substr(space + 1) + ")";
}

Status PartitionLock::Acquire(const std::string& partition_dir, const std::string& owner,
                              PartitionLock* out) {
  std::string path = partition_dir + "/" + std::string(kWriterLockName);
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(path, O_RDWR | O_CREAT, &fd));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) return Status::FromErrno("flock " + path, err);
    return Status::Busy("partition " + partition_dir + " is locked by " +
                        DescribeLockHolder(fd.get()));
  }
  std::string text = "pid " + std::to_string(::getpid()) + " " + owner + "\n";
  if (::ftruncate(fd.get(), 0) != 0) return Status::FromErrno("truncate " + path, errno);
  KLOG_RETURN_IF_ERROR(PwriteFull(fd.get(), text.data(), text.size(), 0, path));
  out->fd_ = std::move(fd);
  return Status::Ok();
}

void PartitionLock::Release() {
  if (!fd_.valid()) return;
  // Errors are ignored: closing the descriptor releases the lock regardless.
  (void)::ftruncate(fd_.get(), 0);
  fd_.Reset();
}

}  // namespace klog
