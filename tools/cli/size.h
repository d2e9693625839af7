// Byte sizes on the command line: "1048576", "64k", "1M", "2G" (powers of
// 1024; an optional trailing "B" or "iB" is accepted: "64KiB", "1MB").
#pragma once

#include <cstdint>
#include <string_view>

#include "klog/status.h"

namespace klog::cli {

// Non-negative size in bytes. InvalidArgument naming the input on a bad
// number, an unknown suffix or overflow.
Result<int64_t> ParseSize(std::string_view in);

}  // namespace klog::cli
