// Status helpers that need the C library.
#include "klog/status.h"

#include <cstring>

namespace klog {

Status Status::FromErrno(const std::string& context, int err) {
  return Status::IOError(context + ": " + std::strerror(err));
}

}  // namespace klog
