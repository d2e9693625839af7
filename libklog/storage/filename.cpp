// Names of the files in a data directory: see filename.h.
#include "klog/filename.h"

#include <charconv>
#include <cstdio>

namespace klog {

namespace {

constexpr size_t kMaxTopicLength = 249;
constexpr size_t kOffsetDigits = 20;

bool IsTopicChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Status ValidateTopicName(std::string_view topic) {
  std::string quoted = "topic '" + std::string(topic) + "'";
  if (topic.empty()) return Status::InvalidArgument("topic name is empty");
  if (topic == "." || topic == "..") {
    return Status::InvalidArgument(quoted + ": '.' and '..' are not allowed");
  }
  if (topic.size() > kMaxTopicLength) {
    return Status::InvalidArgument("topic name is longer than 249 characters");
  }
  for (char c : topic) {
    if (!IsTopicChar(c)) {
      return Status::InvalidArgument(quoted +
                                     ": only ASCII letters, digits, '.', '_' and '-' are allowed");
    }
  }
  return Status::Ok();
}

std::string OffsetFileStem(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  return buf;
}

std::string SegmentPath(const std::string& partition_dir, int64_t base_offset,
                        std::string_view suffix) {
  std::string path = partition_dir;
  path += '/';
  path += OffsetFileStem(base_offset);
  path += suffix;
  return path;
}

std::optional<int64_t> ParseSegmentName(std::string_view file_name, std::string_view suffix) {
  if (file_name.size() != kOffsetDigits + suffix.size()) return std::nullopt;
  if (file_name.substr(kOffsetDigits) != suffix) return std::nullopt;
  std::string_view digits = file_name.substr(0, kOffsetDigits);
  if (!AllDigits(digits)) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::string PartitionDir(const std::string& data_dir, std::string_view topic, int32_t partition) {
  std::string path = data_dir;
  path += '/';
  path += topic;
  path += '-';
  path += std::to_string(partition);
  return path;
}

std::string DataDirOf(std::string_view partition_dir) {
  while (partition_dir.size() > 1 && partition_dir.back() == '/') partition_dir.remove_suffix(1);
  size_t slash = partition_dir.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(partition_dir.substr(0, slash));
}

bool ParsePartitionDirName(std::string_view name, std::string* topic, int32_t* partition) {
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  std::string_view num = name.substr(dash + 1);
  if (!AllDigits(num) || (num.size() > 1 && num[0] == '0')) return false;
  int32_t p = 0;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), p);
  if (ec != std::errc() || ptr != num.data() + num.size()) return false;
  std::string_view t = name.substr(0, dash);
  if (!ValidateTopicName(t).ok()) return false;
  *topic = std::string(t);
  *partition = p;
  return true;
}

}  // namespace klog
