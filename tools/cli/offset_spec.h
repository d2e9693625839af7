// Where klog-read starts and stops: -o SPEC (beginning | end | N | -N | @MS |
// @ISO-8601) and --until SPEC (N | @MS | @ISO-8601), parsed once at start-up
// and resolved per partition against a LogReader.
#pragma once

#include <cstdint>
#include <string_view>

#include "cli/tool.h"
#include "klog/log.h"
#include "klog/status.h"

namespace klog::cli {

struct OffsetSpec {
  enum class Kind { kBeginning, kEnd, kAbsolute, kFromEnd, kTimestamp };
  Kind kind = Kind::kBeginning;
  int64_t value = 0;  // offset, count before the end, or epoch ms
};

// Errors are InvalidArgument naming the input ("offset 'x': ...").
Result<OffsetSpec> ParseOffsetSpec(std::string_view in);

// --until: only kAbsolute ("N") and kTimestamp ("@MS", "@ISO") are allowed.
Result<OffsetSpec> ParseUntilSpec(std::string_view in);

// ISO-8601 date-time to epoch milliseconds: "2026-11-22T10:00:00Z",
// "2026-11-22T10:00:00.250+01:00", "+0100" and "+01" zones, a space instead
// of 'T', no zone = UTC, a bare date = midnight UTC, seconds optional.
// Fractions beyond milliseconds are truncated.
Result<int64_t> ParseIsoTimestamp(std::string_view in);

// The first offset to read in a partition for `spec` (never below the log's
// start; may be above its end for an absolute offset not written yet).
Result<int64_t> ResolveStartOffset(const Tool& tool, const OffsetSpec& spec, LogReader& reader);

}  // namespace klog::cli
