// Standard base64 (RFC 4648 alphabet, with '=' padding) for binary keys,
// values and headers in JSON records.
#pragma once

#include <string>
#include <string_view>

namespace klog::cli {

// Appends the base64 of `in` to *out.
void Base64Encode(std::string_view in, std::string* out);
// Replaces *out with the bytes of `in`; false if `in` is not canonical
// padded base64.
bool Base64Decode(std::string_view in, std::string* out);

}  // namespace klog::cli
