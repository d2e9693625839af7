// The writer lock of a partition: flock(2) on <partition dir>/klog.lock, held
// for the life of the object. flock locks belong to the open file description,
// so a second PartitionLock in the same process is refused like one in another
// process, and the kernel drops the lock when the holder dies.
// The data directory's lock (DataDirLock, klog/topic.h) is implemented in
// lock.cpp too.
#pragma once

#include <string>

#include "klog/status.h"
#include "util/fileutil.h"

namespace klog {

class PartitionLock {
 public:
  PartitionLock() = default;
  // Takes the lock without waiting and writes "pid <N> <owner>\n" into the
  // file. Busy "partition <dir> is locked by pid N (<owner>)" if it is held.
  static Status Acquire(const std::string& partition_dir, const std::string& owner,
                        PartitionLock* out);
  // Empties the lock file and releases the lock.
  void Release();
  bool held() const { return fd_.valid(); }

 private:
  UniqueFd fd_;
};

// "pid <N> (<owner>)" read from a held lock file, or "another process".
std::string DescribeLockHolder(int fd);

}  // namespace klog
