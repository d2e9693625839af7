// Text helpers shared by the dump and the CLI tools: strict UTF-8 validation,
// standard base64 (RFC 4648 alphabet, '=' padding) and JSON string output.
// Bytes that are valid UTF-8 travel in JSON as strings; any other bytes travel
// as base64 with a "<name>_encoding":"base64" marker, so every value
// round-trips exactly. All Append* functions append to *out and never clear it,
// so a caller can build a whole line in one reused buffer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace klog {

// True if `s` is strict UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF, no truncated sequence.
bool IsValidUtf8(std::string_view s);

// Appends the padded base64 of `in` to *out.
void Base64Encode(std::string_view in, std::string* out);

// Replaces *out with the bytes `in` encodes. Returns false (leaving *out
// unspecified) unless `in` is canonical padded base64: a multiple of four
// characters, '=' only at the end, and zero padding bits.
bool Base64Decode(std::string_view in, std::string* out);

// Appends `s` as a quoted JSON string. `s` must be valid UTF-8. '"' and '\\'
// are backslash-escaped, \n \t \r use their short escapes, other bytes below
// 0x20 become \u00XX (lower-case hex); every other byte, DEL (0x7f) included,
// is copied as is.
void AppendJsonString(std::string_view s, std::string* out);

// Appends `"name":` and then null when `bytes` is empty (nullopt), the bytes
// as a JSON string when they are valid UTF-8, or else their base64 as a string
// followed by `,"<name>_encoding":"base64"`. `name` is copied verbatim and so
// must need no escaping.
void AppendJsonBytesField(std::string_view name, std::optional<std::string_view> bytes,
                          std::string* out);

}  // namespace klog
