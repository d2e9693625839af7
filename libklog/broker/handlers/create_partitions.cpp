// CreatePartitions (key 37), v0-1: raises topics' partition counts. Each
// topic is checked on the loop thread (it exists, the new count is above
// the current one, an explicit assignment gives one [node_id] per new
// partition, it is not internal: INVALID_TOPIC_EXCEPTION, as the group ->
// partition mapping of __consumer_offsets depends on its count); the ones
// that pass grow on the thread pool (DataDir::AddPartitions writes and
// fsyncs the metadata), then the broker forgets its cached metadata of the
// topic and answers. validate_only runs the checks and changes nothing.
// Partition counts only grow, as in Kafka.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/background.h"
#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "klog/filename.h"
#include "klog/topic.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

constexpr int32_t kMaxPartitions = 100000;  // DataDir's limit

struct PendingGrow {
  proto::CreatePartitionsResponse resp;
  std::vector<int32_t> counts;                 // parallel to resp.results; 0 = nothing to do
  std::vector<Status> grown;                   // parallel to resp.results, filled by the job
  std::vector<partition::LoadedTopic> loaded;  // parallel to resp.results, filled by the job
  Responder reply;
};

bool Refuse(proto::CreatePartitionsTopicResult* out, int16_t code, std::string message) {
  out->error_code = code;
  out->error_message = std::move(message);
  return false;
}

bool CheckAssignments(const proto::CreatePartitionsTopic& t, int32_t current, int32_t node_id,
                      proto::CreatePartitionsTopicResult* out) {
  if (!t.assignments.has_value()) return true;
  int32_t added = t.count - current;
  if (int32_t(t.assignments->size()) != added) {
    return Refuse(out, proto::kInvalidReplicaAssignment,
                  "Increasing the number of partitions by " + std::to_string(added) + " but " +
                      std::to_string(t.assignments->size()) + " assignments provided.");
  }
  for (const proto::CreatePartitionsAssignment& a : *t.assignments) {
    if (a.broker_ids.size() != 1 || a.broker_ids[0] != node_id) {
      return Refuse(out, proto::kInvalidReplicaAssignment,
                    "The only replica assignment on this single-node broker is [" +
                        std::to_string(node_id) + "]");
    }
  }
  return true;
}

// Every check of one topic; true if it may grow to t.count.
bool Check(Broker& broker, const proto::CreatePartitionsTopic& t, bool duplicate,
           proto::CreatePartitionsTopicResult* out) {
  if (duplicate) return Refuse(out, proto::kInvalidRequest, "Duplicate topic in request.");
  if (IsInternalTopic(t.name)) {
    return Refuse(out, proto::kInvalidTopicException,
                  "Cannot create partitions of internal topic " + t.name);
  }
  Result<const TopicInfo*> info = Status::NotFound("");
  if (ValidateTopicName(t.name).ok()) info = broker.partitions().Topic(t.name);
  if (!info.ok()) {
    if (!info.status().IsNotFound()) {
      broker.diagnostics().Error("topic '" + t.name + "': " + info.status().message());
      return Refuse(out, proto::kUnknownServerError, info.status().message());
    }
    return Refuse(out, proto::kUnknownTopicOrPartition,
                  "The topic '" + t.name + "' does not exist.");
  }
  int32_t current = (*info)->partitions;
  if (t.count == current) {
    return Refuse(out, proto::kInvalidPartitions,
                  "Topic already has " + std::to_string(current) + " partitions.");
  }
  if (t.count < current) {
    return Refuse(out, proto::kInvalidPartitions,
                  "Topic currently has " + std::to_string(current) +
                      " partitions, which is higher than the requested " + std::to_string(t.count) +
                      ".");
  }
  if (t.count > kMaxPartitions) {
    return Refuse(out, proto::kInvalidPartitions,
                  "Number of partitions " + std::to_string(t.count) + " is above the limit " +
                      std::to_string(kMaxPartitions) + ".");
  }
  return CheckAssignments(t, current, broker.node_id(), out);
}

int16_t CodeFor(const Status& s) {
  if (s.IsNotFound()) return proto::kUnknownTopicOrPartition;
  if (s.code() == Status::Code::kInvalidArgument) return proto::kInvalidPartitions;
  return proto::kKafkaStorageError;
}

// Grows the checked topics on the thread pool, then answers.
void GrowThenReply(RequestContext& ctx, std::shared_ptr<PendingGrow> pending) {
  DataDir dir = ctx.broker.data_dir();  // a copy: used on a pool thread
  Broker* broker = &ctx.broker;
  std::string peer = ctx.peer;
  partition::Partitions* parts = &ctx.broker.partitions();
  auto work = [pending, dir, parts]() mutable {
    for (size_t i = 0; i < pending->counts.size(); ++i) {
      if (pending->counts[i] == 0) continue;
      const std::string& name = pending->resp.results[i].name;
      pending->grown[i] = dir.AddPartitions(name, pending->counts[i]);
      pending->loaded[i] = parts->Load(name, /*open_readers=*/true);
    }
  };
  auto done = [pending, broker, peer] {
    for (size_t i = 0; i < pending->counts.size(); ++i) {
      if (pending->counts[i] == 0) continue;
      proto::CreatePartitionsTopicResult& out = pending->resp.results[i];
      broker->partitions().Install(std::move(pending->loaded[i]));
      const Status& s = pending->grown[i];
      if (s.ok()) {
        broker->diagnostics().Info("topic '" + out.name + "' now has " +
                                   std::to_string(pending->counts[i]) + " partitions (for " + peer +
                                   ")");
        continue;
      }
      Refuse(&out, CodeFor(s), s.message());
      broker->diagnostics().Warn("create partitions of '" + out.name + "' for " + peer + ": " +
                                 s.message());
    }
    pending->reply.Send(pending->resp);
  };
  RunInBackground(ctx.loop, ctx.broker.diagnostics(), std::move(work), std::move(done));
}

}  // namespace

void HandleCreatePartitions(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::CreatePartitionsRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());

  std::map<std::string, int> count;
  for (const proto::CreatePartitionsTopic& t : req.topics) ++count[t.name];

  auto pending = std::make_shared<PendingGrow>();
  pending->resp.results.resize(req.topics.size());
  pending->counts.resize(req.topics.size(), 0);
  pending->grown.resize(req.topics.size());
  pending->loaded.resize(req.topics.size());
  bool any = false;
  for (size_t i = 0; i < req.topics.size(); ++i) {
    const proto::CreatePartitionsTopic& t = req.topics[i];
    proto::CreatePartitionsTopicResult& out = pending->resp.results[i];
    out.name = t.name;
    if (!Check(ctx.broker, t, count[t.name] > 1, &out)) {
      ctx.broker.diagnostics().Info("create partitions of '" + t.name + "' for " + ctx.peer + ": " +
                                    proto::ErrorName(out.error_code) + ": " +
                                    out.error_message.value_or(""));
      continue;
    }
    if (req.validate_only) continue;
    pending->counts[i] = t.count;
    any = true;
  }
  if (!any) return reply.Send(pending->resp);
  pending->reply = std::move(reply);
  GrowThenReply(ctx, std::move(pending));
}

}  // namespace klog::broker::handlers
