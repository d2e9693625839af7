// Kafka's text checkpoint files (klog-format(5), "Kafka's checkpoint files"):
// a version line "0", a count line N, then N lines of space-separated
// fields. Used by leader-epoch-checkpoint (2 fields) and the log-dir
// checkpoints (3 fields).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"

namespace klog {

using CheckpointLine = std::vector<std::string>;

// Parses `text` read from `path`. Every line has exactly `fields` fields
// separated by single spaces. Corruption "<path> line N: <what>" for a
// version other than 0, a bad count, a wrong number of lines or fields.
Result<std::vector<CheckpointLine>> ParseTextCheckpoint(std::string_view text,
                                                        const std::string& path, size_t fields);
// "0\n<N>\n" then each line's fields joined by spaces, one line each.
std::string FormatTextCheckpoint(const std::vector<CheckpointLine>& lines);

// Reads and parses the file: NotFound when absent.
Result<std::vector<CheckpointLine>> ReadTextCheckpoint(const std::string& path, size_t fields);
// Writes "<path>.tmp", fsyncs it, renames it over `path` and fsyncs the
// directory (Kafka's CheckpointFile.write, plus the directory sync).
Status WriteTextCheckpoint(const std::string& path, const std::vector<CheckpointLine>& lines);

// Parses a decimal integer field of line `line_no`: Corruption naming the
// file, the line and the field when it is not one (or out of range).
Status ParseCheckpointInt(const std::string& path, size_t line_no, std::string_view field,
                          int64_t min, int64_t max, int64_t* out);

}  // namespace klog
