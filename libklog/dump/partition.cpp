// klog-dump --verify of a partition as a whole (rules in klog/dump.h): its
// klog.segments against the .log files there, orphaned index and digest
// files, and each segment against its list entry.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "dump/internal.h"
#include "klog/checksum.h"
#include "klog/filename.h"
#include "klog/topic.h"
#include "storage/log_start.h"
#include "storage/segment_scan.h"
#include "util/fileutil.h"

namespace klog::dump_internal {
namespace {

// Index and digest files without a .log beside them, sorted by name.
Status FindOrphans(const std::string& dir, const std::vector<int64_t>& bases,
                   std::vector<std::pair<int64_t, std::string>>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::FromErrno("opendir " + dir, errno);
  while (dirent* e = ::readdir(d)) {
    for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix, kDigestSuffix}) {
      auto base = ParseSegmentName(e->d_name, suffix);
      if (base && !std::binary_search(bases.begin(), bases.end(), *base)) {
        out->push_back({*base, e->d_name});
      }
    }
  }
  ::closedir(d);
  std::sort(out->begin(), out->end());
  return Status::Ok();
}

// True if the topic's metadata file says it is not compacted (without one,
// as Kafka writes directories, nothing is known).
bool KnownNotCompacted(const std::string& dir) {
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::string topic;
  int32_t partition = 0;
  if (!ParsePartitionDirName(BaseName(path), &topic, &partition)) return false;
  std::string data_dir = DirName(path);
  if (!PathSize(data_dir + "/" + topic + std::string(kTopicMetaSuffix)).ok()) return false;
  Result<TopicInfo> info = DataDir(data_dir).DescribeTopic(topic);
  return info.ok() && !TopicIsCompacted(*info);
}

}  // namespace

Status Dumper::VerifyPartition(const std::string& dir, const std::vector<int64_t>& bases) {
  std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  std::string list_path = prefix + std::string(kSegmentListName);
  Result<SegmentList> list = ReadSegmentList(dir);
  have_list_ = list.ok();
  contiguous_ = false;
  Result<int64_t> persisted = ReadLogStart(dir);
  int64_t start = persisted.ok() ? *persisted : -1;
  if (list.ok()) {
    list_ = std::move(*list);
    std::vector<SegmentHole> holes = FindHoles(list_, bases, start);
    if (!holes.empty()) return MissingSegmentError(DirName(list_path), holes.front());
    if (list_.torn) {
      warn_(list_path + ": last line torn (a roll was interrupted; the next writer repairs it)");
    }
    writer_.OkIndex(list_path, list_.entries.size());
  } else if (!list.status().IsNotFound()) {
    return list.status();
  } else if (bases.size() >= 2) {
    contiguous_ = KnownNotCompacted(dir);
    warn_(list_path + ": absent (a directory from Kafka or an older klog; the next writer " +
          "makes it), so a missing segment " +
          (contiguous_ ? "is found only by the offsets around it"
                       : "cannot be told from compaction"));
  }
  std::vector<std::pair<int64_t, std::string>> orphans;
  KLOG_RETURN_IF_ERROR(FindOrphans(dir, bases, &orphans));
  // Retention and the cleaner's swap unlink a .log before its other files:
  // a crash between leaves these, below the log start or with a swap's
  // manifest (klog.cleaning) still there.
  bool swapping = PathSize(prefix + "klog.cleaning").ok();
  for (const auto& [base, name] : orphans) {
    std::string what = prefix + name + ": no " + OffsetFileStem(base) + ".log beside it";
    if (base < start || swapping) {
      warn_(what + " (left by an interrupted deletion; the next writer removes it)");
      continue;
    }
    return Status::Corruption(what + " (orphaned)");
  }
  return Status::Ok();
}

Status Dumper::CheckListed(const Segment& seg, const LogScan& scan) {
  if (!have_list_) {
    // Without a list, a gap between segments shows a missing one (unless the
    // topic may be compacted).
    if (contiguous_ && prev_last_offset_ >= 0 && seg.base > prev_last_offset_ + 1) {
      return Status::Corruption("offsets " + std::to_string(prev_last_offset_ + 1) + "-" +
                                std::to_string(seg.base - 1) + " are missing before " +
                                seg.log_path);
    }
    if (scan.totals.last_offset >= 0) prev_last_offset_ = scan.totals.last_offset;
    return Status::Ok();
  }
  const std::vector<SegmentListEntry>& e = list_.entries;
  auto it = std::lower_bound(e.begin(), e.end(), seg.base,
                             [](const SegmentListEntry& x, int64_t b) { return x.base < b; });
  if (it == e.end() || it->base != seg.base || it->lost()) return Status::Ok();
  std::string list_name(kSegmentListName);
  Result<int64_t> size = PathSize(seg.log_path);
  if (!size.ok()) return size.status();
  if (*size != it->bytes) {
    return CorruptionAt(seg.log_path, std::min(*size, it->bytes),
                        "sealed segment has " + std::to_string(*size) + " bytes, " + list_name +
                            " says " + std::to_string(it->bytes));
  }
  if (scan.totals.last_offset >= it->next) {
    return Status::Corruption(seg.log_path + ": offset " + std::to_string(scan.totals.last_offset) +
                              " is past the next segment's base " + std::to_string(it->next) +
                              " in " + list_name);
  }
  if (!it->xxh3) return Status::Ok();
  // The .xxh3 beside it is checked against the .log next (DigestFile).
  Result<SegmentDigest> d = ReadDigest(seg.log_path);
  if (!d.ok()) d = ComputeDigest(seg.log_path);
  if (!d.ok()) return d.status();
  if (d->xxh3 != *it->xxh3) {
    return Status::Corruption(seg.log_path + ": xxh3 " + Hex64(d->xxh3) + " differs from " +
                              Hex64(*it->xxh3) + " in " + list_name);
  }
  return Status::Ok();
}

}  // namespace klog::dump_internal
