// klog.segments: see segment_list.h and klog-format(5).
#include "storage/segment_list.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string_view>

#include "klog/checksum.h"
#include "klog/filename.h"
#include "util/fileutil.h"

namespace klog {

namespace {

constexpr std::string_view kHeader = "klog-segments 1";

std::string ListPath(const std::string& dir) { return dir + "/" + std::string(kSegmentListName); }

// Splits "a b c" into words.
std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool ParseInt(std::string_view s, int64_t* v) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size() && *v >= 0;
}

bool ParseEntry(std::string_view body, SegmentListEntry* e) {
  std::vector<std::string_view> w = Words(body);
  if (w.size() == 4 && w[0] == "lost" && w[2] == "next") {
    e->bytes = -1;
    e->xxh3.reset();
    return ParseInt(w[1], &e->base) && ParseInt(w[3], &e->next) && e->next > e->base;
  }
  if (w.size() != 8 || w[0] != "segment" || w[2] != "next" || w[4] != "bytes" || w[6] != "xxh3") {
    return false;
  }
  if (!ParseInt(w[1], &e->base) || !ParseInt(w[3], &e->next) || !ParseInt(w[5], &e->bytes) ||
      e->next <= e->base) {
    return false;
  }
  e->xxh3.reset();
  if (w[7] == "-") return true;
  uint64_t h = 0;
  auto [ptr, ec] = std::from_chars(w[7].data(), w[7].data() + w[7].size(), h, 16);
  if (w[7].size() != 16 || ec != std::errc() || ptr != w[7].data() + w[7].size()) return false;
  e->xxh3 = h;
  return true;
}

std::string EntryLine(const SegmentListEntry& e) {
  std::string body;
  if (e.lost()) {
    body = "lost " + std::to_string(e.base) + " next " + std::to_string(e.next);
  } else {
    body = "segment " + std::to_string(e.base) + " next " + std::to_string(e.next) + " bytes " +
           std::to_string(e.bytes) + " xxh3 " + (e.xxh3 ? Hex64(*e.xxh3) : std::string("-"));
  }
  return SealLine(body);
}

Status BadLine(const std::string& path, size_t line, const std::string& what) {
  return Status::Corruption(path + " line " + std::to_string(line) + ": " + what);
}

}  // namespace

Result<SegmentList> ReadSegmentList(const std::string& dir) {
  std::string path = ListPath(dir);
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  SegmentList list;
  size_t pos = 0;
  for (size_t line = 1; pos < text.size(); ++line) {
    size_t nl = text.find('\n', pos);
    bool last = nl == std::string::npos || nl + 1 == text.size();
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    Result<std::string> body = UnsealLine(std::string_view(text).substr(pos, end - pos), path);
    pos = end;
    if (!body.ok()) {
      // Only an appended entry can be torn; the header comes with a rename.
      if (last && line > 1) {
        list.torn = true;
        break;
      }
      return BadLine(path, line, "torn or altered line (bad check)");
    }
    if (line == 1) {
      if (*body != kHeader) return BadLine(path, line, "not a klog-segments 1 header");
      continue;
    }
    SegmentListEntry e;
    if (!ParseEntry(*body, &e)) return BadLine(path, line, "malformed entry");
    if (!list.entries.empty() && list.entries.back().next != e.base) {
      return BadLine(path, line,
                     "entry at " + std::to_string(e.base) + " does not follow the one ending at " +
                         std::to_string(list.entries.back().next));
    }
    list.entries.push_back(e);
  }
  if (pos == 0) return BadLine(path, 1, "empty file");
  return list;
}

Status WriteSegmentList(const std::string& dir, const std::vector<SegmentListEntry>& entries,
                        bool sync) {
  std::string text = SealLine(kHeader);
  for (const SegmentListEntry& e : entries) text += EntryLine(e);
  return ReplaceFileAtomically(ListPath(dir), text, sync);
}

Status AppendSegmentEntry(const std::string& dir, const SegmentListEntry& e, bool sync) {
  std::string path = ListPath(dir);
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(path, O_WRONLY | O_APPEND, &fd));
  std::string line = EntryLine(e);
  ssize_t n = ::write(fd.get(), line.data(), line.size());
  if (n != ssize_t(line.size())) {
    return Status::FromErrno("append to " + path, n < 0 ? errno : ENOSPC);
  }
  if (sync && ::fdatasync(fd.get()) != 0) return Status::FromErrno("fdatasync " + path, errno);
  return Status::Ok();
}

std::vector<SegmentHole> FindHoles(const SegmentList& list, const std::vector<int64_t>& disk,
                                   int64_t log_start) {
  std::vector<SegmentHole> holes;
  auto on_disk = [&](int64_t base) { return std::binary_search(disk.begin(), disk.end(), base); };
  for (const SegmentListEntry& e : list.entries) {
    if (e.next <= log_start) continue;
    if (e.lost() || !on_disk(e.base))
      holes.push_back({e.base, e.next, std::max(e.base, log_start)});
  }
  int64_t end = list.end();
  if (end >= 0) {
    auto it = std::lower_bound(disk.begin(), disk.end(), end);
    if (it == disk.end()) {
      holes.push_back({end, -1, std::max(end, log_start)});
    } else if (*it > end && *it > log_start) {
      holes.push_back({end, *it, std::max(end, log_start)});
    }
  }
  return holes;
}

Status MissingSegmentError(const std::string& dir, const SegmentHole& hole) {
  std::string range =
      hole.next < 0 ? "offsets from " + std::to_string(hole.from)
                    : "offsets " + std::to_string(hole.from) + "-" + std::to_string(hole.next - 1);
  return Status::Corruption("segment " + SegmentPath(dir, hole.base, kLogSuffix) +
                            " is missing: " + range + " lost");
}

}  // namespace klog
