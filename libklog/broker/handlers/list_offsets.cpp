// ListOffsets (key 2), v0-3. Per partition: timestamp -1 is the latest
// offset (the high watermark; the same for read_committed, as no
// transactions are stored), -2 the earliest (the log start offset), any
// other value the first offset whose record timestamp is at or after it,
// with that record's timestamp, or offset -1 and timestamp -1 when there is
// none. v0 answers in old_style_offsets (one offset; max_num_offsets is not
// honoured beyond that, as Kafka itself stopped doing).
#include <string>

#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_errors.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;

// The offset (and timestamp) p asks for.
Status Find(partition::Partitions& parts, const std::string& topic,
            const proto::ListOffsetsPartition& p, int64_t* offset, int64_t* timestamp) {
  Result<partition::Partition*> partition = parts.Get(topic, p.partition_index);
  if (!partition.ok()) return partition.status();
  if (p.timestamp != kLatest && p.timestamp != kEarliest) {
    return (*partition)->OffsetForTimestamp(p.timestamp, offset, timestamp);
  }
  partition::PartitionOffsets off;
  Status s = (*partition)->Offsets(&off);
  *offset = p.timestamp == kLatest ? off.high_watermark : off.log_start_offset;
  return s;
}

void Answer(partition::Partitions& parts, const std::string& topic,
            const proto::ListOffsetsPartition& p, int16_t version,
            proto::ListOffsetsPartitionResponse* out) {
  out->partition_index = p.partition_index;
  int64_t offset = -1;
  int64_t timestamp = -1;
  int16_t code = ReadErrorCode(Find(parts, topic, p, &offset, &timestamp));
  out->error_code = code;
  if (code != proto::kNone) return;
  if (version == 0) {
    if (offset >= 0) out->old_style_offsets.push_back(offset);
    return;
  }
  out->offset = offset;
  out->timestamp = timestamp;
}

}  // namespace

void HandleListOffsets(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::ListOffsetsRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  proto::ListOffsetsResponse resp;
  for (const proto::ListOffsetsTopic& t : req.topics) {
    proto::ListOffsetsTopicResponse& out_topic = resp.topics.emplace_back();
    out_topic.name = t.name;
    for (const proto::ListOffsetsPartition& p : t.partitions) {
      Answer(ctx.broker.partitions(), t.name, p, version, &out_topic.partitions.emplace_back());
    }
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
