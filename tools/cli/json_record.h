// The JSON record envelope of klog-read --json and klog-append --json (one
// object per line; the layout is in klog-read(1)):
//   {"topic":"app","partition":0,"offset":5,"timestamp":1700000000000,
//    "key":"k","value":"v","headers":[{"key":"h1","value":"x"}]}
// Bytes that are not valid UTF-8 are written as base64 with a
// "<field>_encoding":"base64" marker, so any record round-trips exactly.
// The encoder is hand-written on klog/text.h (no allocation per record once
// warmed up); the decoder uses nlohmann-json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output.h"
#include "klog/record.h"
#include "klog/status.h"

namespace klog::cli {

// Writes the whole envelope of one record followed by '\n'.
void WriteJsonRecord(std::string_view topic, int32_t partition, const RecordView& r, Output& out);

// A record decoded from one line of klog-append --json input. Reuse one
// object across lines so its strings keep their capacity.
struct JsonRecord {
  struct Header {
    std::string key;
    std::optional<std::string> value;
  };
  std::optional<std::string> key;    // nullopt = null or absent
  std::optional<std::string> value;  // nullopt = null or absent (tombstone)
  std::vector<Header> headers;
  std::optional<int32_t> partition;
  std::optional<int64_t> timestamp;
};

// Parses one line. Errors are InvalidArgument saying what is wrong
// ("value: not valid base64", "partition: must be a non-negative integer").
// Fields "topic" and "offset" and unknown fields are ignored.
Status ParseJsonRecord(std::string_view line, JsonRecord* out);

}  // namespace klog::cli
