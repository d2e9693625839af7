// Partition writer lock and data directory lock: see lock.h and klog/topic.h.
#include "storage/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <vector>

#include "klog/filename.h"
#include "klog/topic.h"

namespace klog {
namespace {

// Writes "pid <N> <owner>\n" over the content of a lock file just locked.
Status WriteHolder(int fd, const std::string& path, const std::string& owner) {
  std::string text = "pid " + std::to_string(::getpid()) + " " + owner + "\n";
  if (::ftruncate(fd, 0) != 0) return Status::FromErrno("truncate " + path, errno);
  return PwriteFull(fd, text.data(), text.size(), 0, path);
}

// Reads a small file that stat(2) reports as empty (a /proc file) to its end.
std::string ReadProcFile(const char* path) {
  UniqueFd fd;
  if (!OpenFd(path, O_RDONLY, &fd).ok()) return "";
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, size_t(n));
  }
  return text;
}

// Pids holding flock(2) locks on the file open as `fd`, from /proc/locks
// (Linux, what lslocks(8) reads): lines such as
//   "3: FLOCK  ADVISORY  READ 4242 fe:00:1093 0 EOF"
// (major:minor in hex, inode in decimal; a waiter's line has "->" after the
// number). Empty when /proc is not there.
std::vector<int> FlockHolders(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return {};
  char want[64];
  std::snprintf(want, sizeof want, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::string text = ReadProcFile("/proc/locks");
  std::vector<int> pids;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    char type[16], access[16], id[64];
    int pid = 0;
    // "N: FLOCK ADVISORY READ PID ID ..."; a waiter ("N: -> FLOCK ...") does not match.
    if (std::sscanf(std::string(line).c_str(), "%*d: %15s %*s %15s %d %63s", type, access, &pid,
                    id) != 4) {
      continue;
    }
    if (std::string_view(type) == "FLOCK" && std::string_view(id) == want && pid > 0) {
      pids.push_back(pid);
    }
  }
  return pids;
}

// "pid 4242 (klog-append)", the name from /proc/<pid>/comm when readable.
std::string DescribePid(int pid) {
  std::string comm = ReadProcFile(("/proc/" + std::to_string(pid) + "/comm").c_str());
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' ')) comm.pop_back();
  std::string s = "pid " + std::to_string(pid);
  return comm.empty() ? s : s + " (" + comm + ")";
}

// Opens (creating) <data_dir>/klog.lock, creating the directory too.
Status OpenDirLockFile(const std::string& data_dir, std::string* path, UniqueFd* fd) {
  KLOG_RETURN_IF_ERROR(MakeDirs(data_dir));
  *path = data_dir + "/" + std::string(kDataDirLockName);
  return OpenFd(*path, O_RDWR | O_CREAT, fd);
}

std::string ServedBy(const std::string& data_dir, int fd) {
  return "data directory " + data_dir + " is served by " + DescribeLockHolder(fd);
}

}  // namespace

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
  KLOG_RETURN_IF_ERROR(WriteHolder(fd.get(), path, owner));
  out->fd_ = std::move(fd);
  return Status::Ok();
}

void PartitionLock::Release() {
  if (!fd_.valid()) return;
  // Errors are ignored: closing the descriptor releases the lock regardless.
  (void)::ftruncate(fd_.get(), 0);
  fd_.Reset();
}

DataDirLock::DataDirLock(DataDirLock&& o) noexcept : fd_(o.fd_), exclusive_(o.exclusive_) {
  o.fd_ = -1;
}

DataDirLock& DataDirLock::operator=(DataDirLock&& o) noexcept {
  if (this != &o) {
    Release();
    fd_ = o.fd_;
    exclusive_ = o.exclusive_;
    o.fd_ = -1;
  }
  return *this;
}

Status DataDirLock::AcquireShared(const std::string& data_dir, DataDirLock* out) {
  std::string path;
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenDirLockFile(data_dir, &path, &fd));
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) return Status::FromErrno("flock " + path, err);
    // Only a server takes it exclusively, and it names itself in the file.
    return Status::Busy(ServedBy(data_dir, fd.get()));
  }
  out->Release();
  out->fd_ = fd.Release();
  out->exclusive_ = false;
  return Status::Ok();
}

Status DataDirLock::AcquireExclusive(const std::string& data_dir, const std::string& owner,
                                     DataDirLock* out) {
  std::string path;
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenDirLockFile(data_dir, &path, &fd));
  // Refused: a shared lock tells a server (exclusive holder) from local
  // writers (shared holders). A holder that leaves in between is retried.
  for (int attempt = 0;; ++attempt) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK) return Status::FromErrno("flock " + path, errno);
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) return Status::FromErrno("flock " + path, errno);
      return Status::Busy(ServedBy(data_dir, fd.get()));
    }
    std::vector<int> pids = FlockHolders(fd.get());
    (void)::flock(fd.get(), LOCK_UN);
    std::erase(pids, int(::getpid()));
    std::sort(pids.begin(), pids.end());  // a writer may hold it more than once
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    if (pids.empty() && attempt < 3) continue;
    std::string who;
    for (int pid : pids) who += (who.empty() ? "" : ", ") + DescribePid(pid);
    return Status::Busy("data directory " + data_dir + " is being written by " +
                        (who.empty() ? "a local writer" : who));
  }
  KLOG_RETURN_IF_ERROR(WriteHolder(fd.get(), path, owner));
  out->Release();
  out->fd_ = fd.Release();
  out->exclusive_ = true;
  return Status::Ok();
}

void DataDirLock::Release() {
  if (fd_ < 0) return;
  // Errors are ignored: closing the descriptor releases the lock regardless.
  if (exclusive_) (void)::ftruncate(fd_, 0);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace klog
