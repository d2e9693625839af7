#include "broker/handlers/produce_check.h"

#include <algorithm>

#include "klog/batch_check.h"
#include "klog/batch_format.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/topic.h"
#include "proto/errors.h"

namespace klog::broker::handlers {

partition::AppendCheck BatchCheckFor(const BrokerConfig& config, const TopicInfo& topic) {
  // The limit the partition's writer applies (partition/partitions.cpp): the
  // broker's, replaced by the topic's max.message.bytes.
  LogOptions options;
  options.max_batch_bytes = config.message_max_bytes;
  (void)ApplyTopicConfigs(topic, &options);  // a bad config is logged when the partition opens
  BatchCheckOptions rules;
  rules.max_records_bytes = size_t(std::max<int64_t>(options.max_batch_bytes, 0));
  rules.require_keys = TopicIsCompacted(topic);
  return [rules](std::span<const uint8_t> batch, const BatchHeader& header, size_t position) {
    // One per thread (pool threads, and the loop thread for inline
    // appends), so its buffers are reused, not reallocated.
    static thread_local BatchChecker checker;
    return checker.Check(batch, header, rules, position);
  };
}

int16_t CheckProduceBatches(std::span<const uint8_t> records, int64_t max_batch_bytes,
                            int16_t produce_version, std::vector<BatchHeader>* headers,
                            std::string* why) {
  if (records.empty()) {
    *why = "no record batch";
    return proto::kCorruptMessage;
  }
  size_t pos = 0;
  while (pos < records.size()) {
    std::span<const uint8_t> rest = records.subspan(pos);
    std::string at = "batch at byte " + std::to_string(pos) + ": ";
    if (rest.size() < batch::kHeaderSize) {
      *why = at + "truncated (" + std::to_string(rest.size()) + " bytes)";
      return proto::kCorruptMessage;
    }
    BatchHeader h;
    Status s = ParseBatchHeader(rest, &h);
    if (!s.ok()) {
      *why = at + s.message();
      return rest[batch::kMagicPos] != batch::kMagic ? proto::kUnsupportedForMessageFormat
                                                     : proto::kCorruptMessage;
    }
    if (uint64_t(h.size()) > rest.size()) {
      *why = at + "length " + std::to_string(h.size()) + " runs past the records (" +
             std::to_string(rest.size()) + " bytes left)";
      return proto::kCorruptMessage;
    }
    if (h.size() > max_batch_bytes) {
      *why = at + std::to_string(h.size()) + " bytes is over the limit of " +
             std::to_string(max_batch_bytes);
      return proto::kMessageTooLarge;
    }
    if (h.records_count == 0) {
      *why = at + "no records";
      return proto::kInvalidRecord;
    }
    if (h.compression() == Compression::kZstd && produce_version < 7) {
      *why = at + "zstd needs Produce v7 or later";
      return proto::kUnsupportedCompressionType;
    }
    if (int(h.compression()) > int(Compression::kZstd)) {
      *why = at + "unknown compression " + std::to_string(int(h.compression()));
      return proto::kUnsupportedCompressionType;
    }
    headers->push_back(h);
    pos += size_t(h.size());
  }
  return proto::kNone;
}

}  // namespace klog::broker::handlers
