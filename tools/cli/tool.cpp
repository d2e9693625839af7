#include "cli/tool.h"

#include <unistd.h>

namespace klog::cli {
namespace {

void WriteStderr(const std::string& s) {
  const char* p = s.data();
  size_t n = s.size();
  while (n > 0) {
    ssize_t w = ::write(2, p, n);
    if (w <= 0) return;  // nothing sensible to do if stderr is gone
    p += w;
    n -= size_t(w);
  }
}

}  // namespace

void Tool::Diag(std::string_view msg) const {
  std::string line;
  line.reserve(name_.size() + msg.size() + 3);
  line.append(name_).append(": ").append(msg).push_back('\n');
  WriteStderr(line);
}

int Tool::Fail(const Status& s) const {
  Diag(s.message());
  return kExitFailure;
}

int Tool::UsageError(std::string_view msg) const {
  Diag(msg);
  WriteStderr("Try '" + name_ + " --help'.\n");
  return kExitUsage;
}

}  // namespace klog::cli
