// Sealed-segment digests (<base>.xxh3): see segment.h and klog-format(5).
#include <fcntl.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <vector>

#include "klog/checksum.h"
#include "klog/filename.h"
#include "klog/segment.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog {

namespace {

// "<dir>/<base>.log" → "<dir>/<base>.xxh3".
std::string DigestPath(const std::string& log_path) {
  std::string path = log_path;
  if (path.size() >= kLogSuffix.size() &&
      path.compare(path.size() - kLogSuffix.size(), kLogSuffix.size(), kLogSuffix) == 0) {
    path.resize(path.size() - kLogSuffix.size());
  }
  return path + std::string(kDigestSuffix);
}

bool ParseHex64(std::string_view s, uint64_t* v) {
  if (s.size() != 16) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseInt64(std::string_view s, int64_t* v) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Status HashFd(int fd, const std::string& path, int64_t limit, Xxh3Stream* hash, int64_t* bytes) {
  std::vector<uint8_t> buf(size_t(1) << 20);
  *bytes = 0;
  while (limit < 0 || *bytes < limit) {
    size_t want = buf.size();
    if (limit >= 0) want = size_t(std::min<int64_t>(int64_t(want), limit - *bytes));
    size_t got = 0;
    KLOG_RETURN_IF_ERROR(PreadFull(fd, buf.data(), want, *bytes, &got, path));
    if (got == 0) break;
    hash->Update(buf.data(), got);
    *bytes += int64_t(got);
  }
  if (limit >= 0 && *bytes < limit) {
    return Status::Corruption(path + ": shorter than the " + std::to_string(limit) +
                              " bytes expected (" + std::to_string(*bytes) + ")");
  }
  return Status::Ok();
}

Result<SegmentDigest> ComputeDigest(const std::string& log_path) {
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(log_path, O_RDONLY, &fd));
  Xxh3Stream hash;
  SegmentDigest d;
  KLOG_RETURN_IF_ERROR(HashFd(fd.get(), log_path, -1, &hash, &d.bytes));
  d.xxh3 = hash.Digest();
  return d;
}

// The digest file is one sealed line (see SealLine):
//   "xxh3 <16 hex digits> bytes <decimal byte count> check <16 hex digits>\n".
Status WriteDigestFile(const std::string& log_path, const SegmentDigest& d, bool sync) {
  std::string body = "xxh3 " + Hex64(d.xxh3) + " bytes " + std::to_string(d.bytes);
  return ReplaceFileAtomically(DigestPath(log_path), SealLine(body), sync);
}

Status WriteDigest(const std::string& log_path, const SegmentDigest& d) {
  return WriteDigestFile(log_path, d, true);
}

Result<SegmentDigest> ReadDigest(const std::string& log_path) {
  return ReadDigestFile(DigestPath(log_path));
}

Result<SegmentDigest> ReadDigestFile(const std::string& path) {
  std::string text;
  KLOG_RETURN_IF_ERROR(ReadWholeFile(path, &text));
  Result<std::string> body = UnsealLine(text, path);
  if (!body.ok()) return body.status();
  std::string_view b = *body;
  SegmentDigest d;
  constexpr std::string_view kXxh = "xxh3 ";
  constexpr std::string_view kBytes = " bytes ";
  if (b.substr(0, kXxh.size()) != kXxh || b.size() < kXxh.size() + 16 + kBytes.size() ||
      !ParseHex64(b.substr(kXxh.size(), 16), &d.xxh3) ||
      b.substr(kXxh.size() + 16, kBytes.size()) != kBytes ||
      !ParseInt64(b.substr(kXxh.size() + 16 + kBytes.size()), &d.bytes) || d.bytes < 0) {
    return Status::Corruption(path + ": malformed digest line");
  }
  return d;
}

}  // namespace klog
