// klog.log-start: the persisted log start offset of a partition (klog-format(5)).
// One sealed line, "klog-log-start 1 offset <O> check <16 hex digits>\n".
// Absent means the log starts at its first segment's base offset.
#pragma once

#include <cstdint>
#include <string>

#include "klog/status.h"

namespace klog {

// NotFound when absent, Corruption when torn or malformed.
Result<int64_t> ReadLogStart(const std::string& dir);
// Replaces the file atomically and fsyncs it and the directory.
Status WriteLogStart(const std::string& dir, int64_t offset);
// The persisted start, or `fallback` when there is none. A torn file (a crash
// while it was replaced cannot make one: it is renamed into place) counts as
// absent, since segments are only deleted after it was written whole.
int64_t LogStartOr(const std::string& dir, int64_t fallback);

}  // namespace klog
