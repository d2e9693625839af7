// Backslash escapes in delimiter and format arguments: \n \t \r \0 \\ \xHH.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "klog/status.h"

namespace klog::cli {

// Replaces every escape in `in` by its byte. An unknown escape, a trailing
// backslash or a bad \x is InvalidArgument naming the escape and the input.
Result<std::string> ParseEscapes(std::string_view in);

// Decodes the escape starting at in[*pos] (which is a backslash) into *out
// and advances *pos past it. Returns an error message, empty on success.
std::string DecodeEscape(std::string_view in, size_t* pos, char* out);

}  // namespace klog::cli
