// CreateTopics (key 19), v0-4. Each topic is checked on the loop thread
// (name, partition count, replication factor, replica assignment, configs,
// existence); the ones that pass are created on the thread pool, because
// creation writes and fsyncs files, and the response is sent when that is
// done. validate_only (v1+) runs every check and creates nothing.
//
// klog-serve is one node, so the only replication factor is 1 (-1 asks for
// the default, which is 1) and the only replica assignment puts every
// partition on this node. An internal topic's name is refused with
// INVALID_REQUEST, as Kafka refuses __cluster_metadata: the group
// coordinator creates __consumer_offsets itself, with its own partition
// count and cleanup.policy. error_message (v1+) says why a topic was refused;
// the encoder drops it for v0. See klog-protocol(7).
#include <map>
#include <memory>
#include <set>
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

// One requested topic: what to create, or why not.
struct TopicPlan {
  int32_t partitions = 0;
  std::map<std::string, std::string> configs;
  bool create = false;  // passed every check and is to be created
};

struct PendingCreateTopics {
  proto::CreateTopicsResponse resp;
  std::vector<TopicPlan> plans;                // parallel to resp.topics
  std::vector<Status> created;                 // parallel to resp.topics, filled by the job
  std::vector<partition::LoadedTopic> loaded;  // parallel to resp.topics, filled by the job
  Responder reply;
};

int16_t Refuse(proto::CreatableTopicResult* out, int16_t code, std::string message) {
  out->error_code = code;
  out->error_message = std::move(message);
  return code;
}

// Checks an explicit replica assignment: partitions 0..n-1, each once, each
// on exactly this node. Sets plan->partitions.
int16_t CheckAssignments(const proto::CreatableTopic& t, int32_t node_id, TopicPlan* plan,
                         proto::CreatableTopicResult* out) {
  if (t.num_partitions != -1 || t.replication_factor != -1) {
    return Refuse(out, proto::kInvalidRequest,
                  "Both numPartitions or replicationFactor and replicasAssignments were set. "
                  "Both cannot be used at the same time.");
  }
  int32_t n = int32_t(t.assignments.size());
  std::vector<bool> seen(size_t(n), false);
  for (const proto::CreatableReplicaAssignment& a : t.assignments) {
    if (a.partition_index < 0 || a.partition_index >= n || seen[size_t(a.partition_index)]) {
      return Refuse(out, proto::kInvalidReplicaAssignment,
                    "Partitions should be consecutive and start from 0; got partition " +
                        std::to_string(a.partition_index) + " among " + std::to_string(n));
    }
    seen[size_t(a.partition_index)] = true;
    if (a.broker_ids.size() != 1 || a.broker_ids[0] != node_id) {
      return Refuse(out, proto::kInvalidReplicaAssignment,
                    "Partition " + std::to_string(a.partition_index) +
                        ": the only replica assignment on this single-node broker is [" +
                        std::to_string(node_id) + "]");
    }
  }
  plan->partitions = n;
  return proto::kNone;
}

// Partition count and replication factor when no assignment is given.
int16_t CheckCounts(const proto::CreatableTopic& t, int32_t default_partitions, TopicPlan* plan,
                    proto::CreatableTopicResult* out) {
  plan->partitions = t.num_partitions == -1 ? default_partitions : t.num_partitions;
  if (plan->partitions < 1 || plan->partitions > kMaxPartitions) {
    return Refuse(out, proto::kInvalidPartitions,
                  "Number of partitions " + std::to_string(t.num_partitions) +
                      " is not -1 (the default) or in [1, " + std::to_string(kMaxPartitions) +
                      "].");
  }
  if (t.replication_factor == 0 || t.replication_factor < -1) {
    return Refuse(out, proto::kInvalidReplicationFactor,
                  "Replication factor must be larger than 0, or -1 for the default.");
  }
  if (t.replication_factor > 1) {
    return Refuse(out, proto::kInvalidReplicationFactor,
                  "Replication factor: " + std::to_string(t.replication_factor) +
                      " larger than available brokers: 1.");
  }
  return proto::kNone;
}

int16_t CheckConfigs(const proto::CreatableTopic& t, TopicPlan* plan,
                     proto::CreatableTopicResult* out) {
  for (const proto::CreatableTopicConfig& c : t.configs) {
    if (!c.value.has_value()) {
      return Refuse(out, proto::kInvalidConfig,
                    "Null value not supported for topic config '" + c.name + "'");
    }
    Status s = ValidateTopicConfig(c.name, *c.value);
    if (!s.ok()) return Refuse(out, proto::kInvalidConfig, s.message());
    plan->configs[c.name] = *c.value;
  }
  return proto::kNone;
}

// Every check of one topic that needs no disk write.
void Check(Broker& broker, const proto::CreatableTopic& t, bool duplicate, TopicPlan* plan,
           proto::CreatableTopicResult* out) {
  if (duplicate) {
    Refuse(out, proto::kInvalidRequest,
           "Create topics request contains multiple entries for topic '" + t.name + "'");
    return;
  }
  Status name = ValidateTopicName(t.name);
  if (!name.ok()) {
    Refuse(out, proto::kInvalidTopicException, name.message());
    return;
  }
  if (IsInternalTopic(t.name)) {
    Refuse(out, proto::kInvalidRequest, "Creation of internal topic " + t.name + " is prohibited.");
    return;
  }
  int16_t code = t.assignments.empty()
                     ? CheckCounts(t, broker.config().default_partitions, plan, out)
                     : CheckAssignments(t, broker.node_id(), plan, out);
  if (code == proto::kNone) code = CheckConfigs(t, plan, out);
  if (code != proto::kNone) return;
  Result<const TopicInfo*> existing = broker.partitions().Topic(t.name);
  if (existing.ok() || !existing.status().IsNotFound()) {
    Refuse(out, proto::kTopicAlreadyExists, "Topic '" + t.name + "' already exists.");
    return;
  }
  plan->create = true;
}

void LogResult(Diagnostics& diag, const std::string& name, const proto::CreatableTopicResult& r,
               int32_t partitions, const std::string& peer) {
  if (r.error_code == proto::kNone) {
    diag.Info("created topic '" + name + "' with " + std::to_string(partitions) +
              " partition(s) for " + peer);
  } else {
    diag.Info("create topic '" + name + "' for " + peer + ": " + proto::ErrorName(r.error_code) +
              ": " + r.error_message.value_or(""));
  }
}

// Creates the planned topics on the thread pool, then answers.
void CreateThenReply(RequestContext& ctx, std::shared_ptr<PendingCreateTopics> pending) {
  DataDir dir = ctx.broker.data_dir();  // a copy: used on a pool thread
  Broker* broker = &ctx.broker;
  std::string peer = ctx.peer;
  partition::Partitions* parts = &ctx.broker.partitions();
  auto work = [pending, dir, parts]() mutable {
    for (size_t i = 0; i < pending->plans.size(); ++i) {
      const TopicPlan& plan = pending->plans[i];
      if (!plan.create) continue;
      const std::string& name = pending->resp.topics[i].name;
      pending->created[i] = dir.CreateTopic(name, plan.partitions, plan.configs);
      pending->loaded[i] = parts->Load(name, /*open_readers=*/true);
    }
  };
  auto done = [pending, broker, peer] {
    for (size_t i = 0; i < pending->plans.size(); ++i) {
      if (!pending->plans[i].create) continue;
      proto::CreatableTopicResult& out = pending->resp.topics[i];
      broker->partitions().Install(std::move(pending->loaded[i]));
      const Status& s = pending->created[i];
      if (s.code() == Status::Code::kExists) {
        Refuse(&out, proto::kTopicAlreadyExists, "Topic '" + out.name + "' already exists.");
      } else if (!s.ok()) {
        broker->diagnostics().Error("creating topic '" + out.name + "': " + s.message());
        Refuse(&out, proto::kKafkaStorageError, s.message());
      }
      LogResult(broker->diagnostics(), out.name, out, pending->plans[i].partitions, peer);
    }
    pending->reply.Send(pending->resp);
  };
  RunInBackground(ctx.loop, ctx.broker.diagnostics(), std::move(work), std::move(done));
}

}  // namespace

void HandleCreateTopics(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::CreateTopicsRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());

  std::map<std::string, int> count;
  for (const proto::CreatableTopic& t : req.topics) ++count[t.name];

  auto pending = std::make_shared<PendingCreateTopics>();
  pending->resp.topics.resize(req.topics.size());
  pending->plans.resize(req.topics.size());
  pending->created.resize(req.topics.size());
  pending->loaded.resize(req.topics.size());
  bool any = false;
  for (size_t i = 0; i < req.topics.size(); ++i) {
    const proto::CreatableTopic& t = req.topics[i];
    proto::CreatableTopicResult& out = pending->resp.topics[i];
    TopicPlan& plan = pending->plans[i];
    out.name = t.name;
    Check(ctx.broker, t, count[t.name] > 1, &plan, &out);
    if (plan.create && req.validate_only) {
      plan.create = false;  // valid; nothing is written
      continue;
    }
    if (!plan.create) LogResult(ctx.broker.diagnostics(), t.name, out, plan.partitions, ctx.peer);
    any = any || plan.create;
  }
  if (!any) return reply.Send(pending->resp);
  pending->reply = std::move(reply);
  CreateThenReply(ctx, std::move(pending));
}

}  // namespace klog::broker::handlers
