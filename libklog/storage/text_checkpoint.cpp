// Kafka's text checkpoint files: see text_checkpoint.h.
#include "storage/text_checkpoint.h"

#include <charconv>
#include <climits>

#include "util/fileutil.h"

namespace klog {

namespace {

Status BadLine(const std::string& path, size_t line_no, const std::string& what) {
  return Status::Corruption(path + " line " + std::to_string(line_no) + ": " + what);
}

// Splits `text` into lines; a last line without its newline is kept.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return lines;
}

}  // namespace

Status ParseCheckpointInt(const std::string& path, size_t line_no, std::string_view field,
                          int64_t min, int64_t max, int64_t* out) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (field.empty() || ec != std::errc() || ptr != field.data() + field.size() || v < min ||
      v > max) {
    return BadLine(path, line_no,
                   "\"" + std::string(field) + "\" is not a number in [" + std::to_string(min) +
                       ", " + std::to_string(max) + "]");
  }
  *out = v;
  return Status::Ok();
}

Result<std::vector<CheckpointLine>> ParseTextCheckpoint(std::string_view text,
                                                        const std::string& path, size_t fields) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty()) return BadLine(path, 1, "missing version line");
  int64_t version = -1, count = -1;
  KLOG_RETURN_IF_ERROR(ParseCheckpointInt(path, 1, lines[0], 0, INT32_MAX, &version));
  if (version != 0) return BadLine(path, 1, "unknown version " + std::to_string(version));
  if (lines.size() < 2) return BadLine(path, 2, "missing entry count");
  KLOG_RETURN_IF_ERROR(ParseCheckpointInt(path, 2, lines[1], 0, INT32_MAX, &count));
  if (int64_t(lines.size()) - 2 != count) {
    return BadLine(path, 2,
                   "count says " + std::to_string(count) + " entries, the file has " +
                       std::to_string(lines.size() - 2));
  }
  std::vector<CheckpointLine> out;
  for (size_t i = 2; i < lines.size(); ++i) {
    CheckpointLine line;
    std::string_view rest = lines[i];
    for (;;) {
      size_t sp = rest.find(' ');
      line.emplace_back(rest.substr(0, sp));
      if (sp == std::string_view::npos) break;
      rest = rest.substr(sp + 1);
    }
    bool empty_field = false;
    for (const std::string& f : line) empty_field |= f.empty();
    if (line.size() != fields || empty_field) {
      return BadLine(path, i + 1,
                     "expected " + std::to_string(fields) + " fields separated by spaces, got \"" +
                         std::string(lines[i]) + "\"");
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::string FormatTextCheckpoint(const std::vector<CheckpointLine>& lines) {
  std::string out = "0\n" + std::to_string(lines.size()) + "\n";
  for (const CheckpointLine& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) {
      if (i > 0) out += ' ';
      out += line[i];
    }
    out += '\n';
  }
  return out;
}

Result<std::vector<CheckpointLine>> ReadTextCheckpoint(const std::string& path, size_t fields) {
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  return ParseTextCheckpoint(text, path, fields);
}

Status WriteTextCheckpoint(const std::string& path, const std::vector<CheckpointLine>& lines) {
  return ReplaceFileAtomically(path, FormatTextCheckpoint(lines), true);
}

}  // namespace klog
