// Produce (key 0), v0-7. v3+ carry RecordBatch v2, which is checked
// (CheckProduceBatches here, then every batch whole, records included, by
// the append job: BatchCheckFor in produce_check.h) and appended as is, with only its
// base offset stamped. v0-2 carry the legacy MessageSet format, which klog
// does not store: every partition is answered with UNSUPPORTED_VERSION in a
// response of the request's version, on a connection that stays open
// (ApiVersions lists them to librdkafka only: api_versions.cpp). Internal
// topics (__consumer_offsets) are written by the broker only:
// INVALID_TOPIC_EXCEPTION, as Kafka answers.
//
// acks: 0 sends no response at all; 1 answers once the batches are in the
// log (written to the page cache, visible to fetches); -1 (all) answers
// once they are also synced to disk (fdatasync), which is what "all
// replicas" means for a single node. Any other value is
// INVALID_REQUIRED_ACKS. See klog-protocol(7).
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_errors.h"
#include "broker/handlers/produce_check.h"
#include "klog/filename.h"
#include "klog/topic.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

// A response being filled in by the partitions' append jobs.
struct PendingProduce {
  proto::ProduceResponse resp;
  size_t outstanding = 1;  // appends still running, plus one for the handler itself
  Responder reply;
  bool respond = true;  // false for acks=0
};

// acks=0 too completes only once its appends are done, so that the request's
// memory reservation (request_budget.h) covers its batches until then.
void Finish(const std::shared_ptr<PendingProduce>& pending) {
  if (--pending->outstanding > 0) return;
  if (pending->respond) {
    pending->reply.Send(pending->resp);
  } else {
    pending->reply.SendNothing();
  }
}

// The answer for one partition that is not appended. When it is to be
// appended (NONE), sets *limit and *check for its batches.
int16_t Refuse(Broker& broker, int16_t version, int16_t acks, const std::string& topic,
               const proto::ProducePartitionData& part, int64_t* limit,
               partition::AppendCheck* check, std::string* why) {
  if (version < 3) {
    *why = "Produce v" + std::to_string(version) + " (legacy message format) is not supported";
    return proto::kUnsupportedVersion;
  }
  if (acks != 0 && acks != 1 && acks != -1) {
    *why = "acks " + std::to_string(acks);
    return proto::kInvalidRequiredAcks;
  }
  if (!ValidateTopicName(topic).ok()) {
    *why = "invalid topic name";
    return proto::kInvalidTopicException;
  }
  if (IsInternalTopic(topic)) {
    *why = "cannot append to internal topic " + topic;
    return proto::kInvalidTopicException;
  }
  Result<const TopicInfo*> info = broker.partitions().Topic(topic);
  if (!info.ok() || part.index < 0 || part.index >= (*info)->partitions) {
    *why = "unknown topic or partition";
    return proto::kUnknownTopicOrPartition;
  }
  *limit = broker.config().message_max_bytes;
  auto it = (*info)->configs.find("max.message.bytes");
  if (it != (*info)->configs.end()) *limit = std::strtoll(it->second.c_str(), nullptr, 10);
  if (part.records.is_null) {
    *why = "null records";
    return proto::kCorruptMessage;
  }
  *check = BatchCheckFor(broker.config(), **info);
  return proto::kNone;
}

// Queues one partition's batches; its response is filled in when they are
// appended (or refused by the check or the partition).
void QueueAppend(Broker& broker, const std::shared_ptr<PendingProduce>& pending,
                 proto::ProducePartitionResponse* out, const std::string& topic,
                 const proto::ProducePartitionData& part, std::vector<BatchHeader> headers,
                 bool sync, partition::AppendCheck check) {
  ++pending->outstanding;
  std::string where = topic + "-" + std::to_string(part.index);
  Diagnostics& diag = broker.diagnostics();
  auto appended = [pending, out, where, &diag](const Status& st, const partition::AppendResult& r) {
    out->error_code = AppendErrorCode(st);
    out->base_offset = r.base_offset;
    out->log_append_time_ms = r.log_append_time_ms;
    out->log_start_offset = r.log_start_offset;
    if (!st.ok()) {
      diag.Warn("produce to " + where + ": " + st.message() + " (" +
                proto::ErrorName(out->error_code) + ")");
    }
    Finish(pending);
  };
  Result<partition::Partition*> partition = broker.partitions().Get(topic, part.index);
  if (!partition.ok()) return appended(partition.status(), partition::AppendResult{});
  BatchList batches{{part.records.bytes.begin(), part.records.bytes.end()}, std::move(headers)};
  (*partition)->Append(std::move(batches), sync, std::move(check), std::move(appended));
}

}  // namespace

void HandleProduce(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::ProduceRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());

  auto pending = std::make_shared<PendingProduce>();
  pending->respond = req.acks != 0;
  pending->reply = std::move(reply);
  bool sync = req.acks == -1;
  pending->resp.responses.resize(req.topic_data.size());
  for (size_t t = 0; t < req.topic_data.size(); ++t) {
    const proto::ProduceTopicData& topic = req.topic_data[t];
    proto::ProduceTopicResponse& out_topic = pending->resp.responses[t];
    out_topic.name = topic.name;
    out_topic.partition_responses.resize(topic.partition_data.size());
    for (size_t p = 0; p < topic.partition_data.size(); ++p) {
      const proto::ProducePartitionData& part = topic.partition_data[p];
      proto::ProducePartitionResponse* out = &out_topic.partition_responses[p];
      out->index = part.index;
      std::string why;
      int64_t limit = 0;
      partition::AppendCheck check;
      std::vector<BatchHeader> headers;
      int16_t code = Refuse(ctx.broker, version, req.acks, topic.name, part, &limit, &check, &why);
      if (code == proto::kNone) {
        code = CheckProduceBatches(part.records.bytes, limit, version, &headers, &why);
      }
      std::string where = topic.name + "-" + std::to_string(part.index);
      if (code != proto::kNone) {
        out->error_code = code;
        ctx.broker.diagnostics().Warn("produce to " + where + " from " + ctx.peer + ": " + why +
                                      " (" + proto::ErrorName(code) + ")");
        continue;
      }
      QueueAppend(ctx.broker, pending, out, topic.name, part, std::move(headers), sync,
                  std::move(check));
    }
  }
  Finish(pending);
}

}  // namespace klog::broker::handlers
