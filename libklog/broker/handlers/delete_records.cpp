// DeleteRecords (key 21), v0-1: advances partitions' log start offsets
// (LogWriter::TruncateBefore, persisted in klog.log-start) and deletes the
// segments wholly below them. Each partition is a maintenance job in its
// partition's job sequence (Partition::Maintain); the response goes out
// when all are done. offset -1 means the high watermark; an offset above
// the high watermark (or another negative one) is OFFSET_OUT_OF_RANGE; an
// unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION; a partition of an
// internal topic INVALID_TOPIC_EXCEPTION, as in Kafka. low_watermark is
// the log start offset afterwards. Reads below it get OFFSET_OUT_OF_RANGE.
#include <memory>
#include <string>
#include <vector>

#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_errors.h"
#include "klog/log.h"
#include "klog/topic.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

struct PendingDelete {
  proto::DeleteRecordsResponse resp;
  size_t remaining = 1;  // one for the handler itself, released at the end
  std::unique_ptr<Responder> reply;

  void Release() {
    if (--remaining == 0) reply->Send(resp);
  }
};

}  // namespace

void HandleDeleteRecords(RequestContext& ctx, Responder reply) {
  proto::DeleteRecordsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  auto pending = std::make_shared<PendingDelete>();
  pending->reply = std::make_unique<Responder>(std::move(reply));
  pending->resp.topics.resize(req.topics.size());
  partition::Partitions& parts = ctx.broker.partitions();
  std::string peer = ctx.peer;
  Diagnostics& diag = ctx.broker.diagnostics();  // outlives every job
  for (size_t t = 0; t < req.topics.size(); ++t) {
    const proto::DeleteRecordsTopic& topic = req.topics[t];
    proto::DeleteRecordsTopicResult& tout = pending->resp.topics[t];
    tout.name = topic.name;
    tout.partitions.resize(topic.partitions.size());
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      const proto::DeleteRecordsPartition& p = topic.partitions[i];
      proto::DeleteRecordsPartitionResult& out = tout.partitions[i];
      out.partition_index = p.partition_index;
      partition::PartitionOffsets offsets;
      if (IsInternalTopic(topic.name)) {
        out.error_code = proto::kInvalidTopicException;
        diag.Warn(topic.name + "-" + std::to_string(p.partition_index) + ": delete records for " +
                  peer + ": refused, an internal topic");
        continue;
      }
      Result<partition::Partition*> partition = parts.Get(topic.name, p.partition_index);
      out.error_code =
          ReadErrorCode(partition.ok() ? (*partition)->Offsets(&offsets) : partition.status());
      if (out.error_code != proto::kNone) continue;
      int64_t target = p.offset == -1 ? offsets.high_watermark : p.offset;
      if (target < 0 || target > offsets.high_watermark) {
        out.error_code = proto::kOffsetOutOfRange;
        continue;
      }
      ++pending->remaining;
      auto result = std::make_shared<RetentionResult>();
      std::string where = topic.name + "-" + std::to_string(p.partition_index);
      partition::Partition* log = *partition;
      log->Maintain(
          [target, result](LogWriter* w) { return w->TruncateBefore(target, result.get()); },
          [pending, t, i, result, where, peer, target, &diag](const Status& st) {
            proto::DeleteRecordsPartitionResult& o = pending->resp.topics[t].partitions[i];
            if (st.ok()) {
              o.low_watermark = result->log_start_offset;
              diag.Info(where + ": records before " + std::to_string(target) + " deleted (for " +
                        peer + "), " + std::to_string(result->deleted_segments) + " segment(s)");
            } else {
              o.error_code = ReadErrorCode(st);
              diag.Warn(where + ": delete records for " + peer + ": " + st.message());
            }
            pending->Release();
          });
    }
  }
  pending->Release();
}

}  // namespace klog::broker::handlers
