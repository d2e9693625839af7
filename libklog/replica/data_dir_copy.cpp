#include "replica/data_dir_copy.h"

#include <algorithm>
#include <map>
#include <set>

#include "klog/filename.h"
#include "klog/log.h"
#include "klog/topic.h"
#include "replica/topic_sync.h"
#include "util/fileutil.h"

namespace klog::replica {
namespace {

// The topics to work on: those named, or every topic of `dir`.
Result<std::vector<TopicInfo>> SelectTopics(const DataDir& dir,
                                            const std::vector<std::string>& names) {
  if (names.empty()) return dir.ListTopics();
  std::vector<TopicInfo> out;
  for (const std::string& name : names) {
    auto info = dir.DescribeTopic(name);
    if (!info.ok()) return info.status().WithContext(dir.path());
    out.push_back(std::move(info.value()));
  }
  return out;
}

std::string Where(const std::string& topic, int32_t p) {
  return "topic " + topic + " partition " + std::to_string(p);
}

// A partition only one directory has (at `dir`) differs from its log start.
Status OneSided(const std::string& dir, CompareResult* out) {
  out->equal = false;
  out->reason = "only " + DataDirOf(dir) + " has it";
  if (!IsDir(dir)) {  // in both topics' counts, but neither has its directory
    out->reason = "neither directory has it";
    out->first_difference = 0;
    return Status::Ok();
  }
  auto r = LogReader::Open(dir);
  if (!r.ok()) return r.status();
  out->first_difference = r.value()->start_offset();
  return Status::Ok();
}

}  // namespace

Status CopyDataDir(const std::string& src, const std::string& dst,
                   const std::vector<std::string>& topics, const CopyOptions& opts,
                   const std::function<void(const PartitionCopied&)>& each) {
  if (!IsDir(src)) return Status::NotFound("source data directory " + src + " does not exist");
  DataDir from(src);
  DataDir to(dst);
  auto selected = SelectTopics(from, topics);
  if (!selected.ok()) return selected.status();
  for (const TopicInfo& topic : selected.value()) {
    KLOG_RETURN_IF_ERROR(SyncTopic(to, topic).WithContext("topic " + topic.name));
    for (int32_t p = 0; p < topic.partitions; p++) {
      PartitionCopied done{topic.name, p, {}};
      Status st = CopyPartitionLog(from.PartitionPath(topic.name, p),
                                   to.PartitionPath(topic.name, p), opts, &done.stats);
      if (!st.ok()) return st.WithContext(Where(topic.name, p));
      if (each) each(done);
    }
  }
  return Status::Ok();
}

Status CompareDataDirs(const std::string& a, const std::string& b,
                       const std::vector<std::string>& topics,
                       const std::function<void(const PartitionCompared&)>& each, bool* all_equal) {
  for (const std::string* dir : {&a, &b}) {
    if (!IsDir(*dir)) return Status::NotFound("data directory " + *dir + " does not exist");
  }
  DataDir da(a);
  DataDir db(b);
  std::map<std::string, int32_t> partitions;  // topic -> the larger count
  for (const DataDir* d : {&da, &db}) {
    auto listed = d->ListTopics();
    if (!listed.ok()) return listed.status();
    for (const TopicInfo& t : listed.value()) {
      bool wanted = topics.empty() || std::count(topics.begin(), topics.end(), t.name) > 0;
      if (wanted) partitions[t.name] = std::max(partitions[t.name], t.partitions);
    }
  }
  for (const std::string& t : topics) {
    if (!partitions.count(t))
      return Status::NotFound("topic " + t + " is in neither " + a + " nor " + b);
  }
  *all_equal = true;
  for (const auto& [topic, count] : partitions) {
    for (int32_t p = 0; p < count; p++) {
      PartitionCompared out{topic, p, {}};
      std::string pa = da.PartitionPath(topic, p);
      std::string pb = db.PartitionPath(topic, p);
      if (!IsDir(pa) || !IsDir(pb)) {
        KLOG_RETURN_IF_ERROR(OneSided(IsDir(pa) ? pa : pb, &out.result));
      } else {
        auto r = ComparePartitionLogs(pa, pb);
        if (!r.ok()) return r.status().WithContext(Where(topic, p));
        out.result = r.value();
      }
      *all_equal = *all_equal && out.result.equal;
      if (each) each(out);
    }
  }
  return Status::Ok();
}

}  // namespace klog::replica
