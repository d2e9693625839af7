// replication-offset-checkpoint, recovery-point-offset-checkpoint and
// log-start-offset-checkpoint: see klog/log_dir_files.h.
#include <climits>

#include "klog/filename.h"
#include "klog/log_dir_files.h"
#include "storage/text_checkpoint.h"

namespace klog {

Result<std::vector<PartitionOffset>> ReadOffsetCheckpoint(const std::string& path) {
  Result<std::vector<CheckpointLine>> lines = ReadTextCheckpoint(path, 3);
  if (!lines.ok()) return lines.status();
  std::vector<PartitionOffset> out;
  for (size_t i = 0; i < lines->size(); ++i) {
    const CheckpointLine& l = (*lines)[i];
    size_t line_no = i + 3;
    Status name = ValidateTopicName(l[0]);
    if (!name.ok()) {
      return Status::Corruption(path + " line " + std::to_string(line_no) + ": " + name.message());
    }
    int64_t partition = 0, offset = 0;
    KLOG_RETURN_IF_ERROR(ParseCheckpointInt(path, line_no, l[1], 0, INT32_MAX, &partition));
    KLOG_RETURN_IF_ERROR(ParseCheckpointInt(path, line_no, l[2], 0, INT64_MAX, &offset));
    out.push_back({l[0], int32_t(partition), offset});
  }
  return out;
}

Status WriteOffsetCheckpoint(const std::string& path, const std::vector<PartitionOffset>& entries) {
  std::vector<CheckpointLine> lines;
  for (const PartitionOffset& e : entries) {
    Status name = ValidateTopicName(e.topic);
    if (!name.ok()) return Status::InvalidArgument(path + ": " + name.message());
    if (e.partition < 0) {
      return Status::InvalidArgument(path + ": negative partition " + std::to_string(e.partition) +
                                     " of topic " + e.topic);
    }
    lines.push_back({e.topic, std::to_string(e.partition), std::to_string(e.offset)});
  }
  return WriteTextCheckpoint(path, lines);
}

}  // namespace klog
