#include "replica/topic_sync.h"

#include <string>
#include <vector>

namespace klog::replica {

Status SyncTopic(DataDir& dst, const TopicInfo& src) {
  auto have = dst.DescribeTopic(src.name);
  if (!have.ok()) {
    if (!have.status().IsNotFound()) return have.status();
    Status st = dst.CreateTopic(src.name, src.partitions, src.configs);
    return st.code() == Status::Code::kExists ? SyncTopic(dst, src) : st;
  }
  if (have->partitions < src.partitions) {
    KLOG_RETURN_IF_ERROR(dst.AddPartitions(src.name, src.partitions));
  }
  if (have->configs == src.configs) return Status::Ok();
  std::vector<std::string> remove;
  for (const auto& [key, value] : have->configs) {
    if (!src.configs.count(key)) remove.push_back(key);
  }
  return dst.AlterTopicConfigs(src.name, src.configs, remove);
}

}  // namespace klog::replica
