// Strict UTF-8 validation (no overlong forms, no surrogates, <= U+10FFFF),
// used to decide whether JSON output can carry bytes as a string.
#pragma once

#include <string_view>

namespace klog::cli {

bool IsValidUtf8(std::string_view s);

}  // namespace klog::cli
