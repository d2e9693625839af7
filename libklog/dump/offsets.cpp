// klog-dump --verify of __consumer_offsets: besides the checks every
// segment gets, each record must decode as klog-format(5) describes the
// topic's keys and values (klog/offsets_record.h), since one that does not
// is one klog-serve skips when it loads the committed offsets.
#include <filesystem>

#include "dump/internal.h"
#include "klog/filename.h"
#include "klog/offsets_record.h"
#include "klog/topic.h"
#include "storage/segment_scan.h"

namespace klog::dump_internal {

bool IsOffsetsTopicLog(const std::string& log_path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(log_path, ec);
  if (ec) return false;
  std::string dir = p.lexically_normal().parent_path().filename().string();
  std::string topic;
  int32_t partition = 0;
  return ParsePartitionDirName(dir, &topic, &partition) && topic == kConsumerOffsetsTopic;
}

Status VerifyOffsetsRecord(const std::string& log_path, const BatchInfo& b, const RecordView& r) {
  if (b.header.is_control()) return Status::Ok();
  OffsetsRecord decoded;
  Status st = DecodeOffsetsRecord(r.key, r.value, &decoded);
  if (st.ok()) return st;
  return CorruptionAt(log_path, b.position,
                      "record at offset " + std::to_string(r.offset) + ": " + st.message());
}

}  // namespace klog::dump_internal
