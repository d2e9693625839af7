// OffsetForLeaderEpoch (key 23), v2-4: where a leader epoch ended in this
// log, so that a fetcher (a follower, or klog-replicate) finds where its
// copy diverged (KIP-101, KIP-279). Per partition, after the
// current_leader_epoch fencing Fetch does (FENCED_LEADER_EPOCH /
// UNKNOWN_LEADER_EPOCH; -1 unchecked), the answer is storage's
// EndOffsetForEpoch over the partition's copy of its epoch cache (no I/O):
// the latest epoch ends at the log end offset; an older one at the start of
// the next cached epoch, answered with the largest cached epoch <= it; an
// epoch older than every entry at the first entry's start offset; an epoch
// above the latest, or a log without epochs, gets -1 and -1 with error NONE,
// as Kafka answers. An unknown topic or partition is
// UNKNOWN_TOPIC_OR_PARTITION. replica_id (v3+) is accepted and ignored.
#include <string>

#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_errors.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

using partition::Partition;
using partition::PartitionOffsets;
using partition::Partitions;
namespace {

void Answer(Partitions& parts, const std::string& topic, const proto::OffsetForLeaderPartition& p,
            proto::EpochEndOffsetData* out) {
  out->partition = p.partition;
  Result<Partition*> partition = parts.Get(topic, p.partition);
  if (!partition.ok()) {
    out->error_code = ReadErrorCode(partition.status());
    return;
  }
  Partition& part = **partition;
  PartitionOffsets off;
  Status s = part.Offsets(&off);  // loads the offsets (and epochs) on first use
  if (!s.ok()) {
    out->error_code = ReadErrorCode(s);
    return;
  }
  out->error_code = LeaderEpochErrorCode(p.current_leader_epoch, part.leader_epoch());
  if (out->error_code != proto::kNone) return;
  EpochEndOffset end = part.EndOffsetForEpoch(p.leader_epoch);
  out->leader_epoch = end.epoch;
  out->end_offset = end.end_offset;
}

}  // namespace

void HandleOffsetForLeaderEpoch(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::OffsetForLeaderEpochRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  proto::OffsetForLeaderEpochResponse resp;
  for (const proto::OffsetForLeaderTopic& t : req.topics) {
    proto::OffsetForLeaderTopicResult& out_topic = resp.topics.emplace_back();
    out_topic.topic = t.topic;
    for (const proto::OffsetForLeaderPartition& p : t.partitions) {
      Answer(ctx.broker.partitions(), t.topic, p, &out_topic.partitions.emplace_back());
    }
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
