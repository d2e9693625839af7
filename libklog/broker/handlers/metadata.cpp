// Metadata (key 3), v0-9: this broker, the cluster id, and the requested
// topics with their partitions. klog-serve is a single node: it leads every
// partition and is the only replica. A requested topic that does not exist is
// created when auto-creation is on (and, v4+, the client allows it); creation
// writes and fsyncs files, so it runs on the thread pool and the response is
// sent from its completion (later requests on the connection wait their turn).
// Named topics are looked up in the broker's topic cache (Partitions::Topic);
// a request for all topics scans the data directory, also on the pool.
// Each partition's leader_epoch (v7+) is its Partition's, which never goes
// down while the broker runs (partition.h), so a client never sees a lower
// epoch than before. Authorized operations (v8+) are not provided (INT32_MIN).
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

using partition::Partition;
using partition::Partitions;
namespace {

// The epoch published for a partition: its Partition's, or 0 (what klog
// writes by default) for one not made yet. A broker that owns its data
// directory makes every partition at start-up (Partitions::PreloadAll),
// with its epochs; otherwise a partition's first use may raise it from 0.
int32_t LeaderEpochOf(const Partitions& parts, const std::string& topic, int32_t partition) {
  const Partition* p = parts.Find(topic, partition);
  return p != nullptr ? p->leader_epoch() : 0;
}

proto::MetadataTopic TopicEntry(Partitions& parts, const TopicInfo& info, int32_t node_id) {
  proto::MetadataTopic t;
  t.name = info.name;
  t.is_internal = IsInternalTopic(info.name);
  t.partitions.resize(size_t(info.partitions));
  for (int32_t p = 0; p < info.partitions; ++p) {
    proto::MetadataPartition& part = t.partitions[size_t(p)];
    part.partition_index = p;
    part.leader_id = node_id;
    part.leader_epoch = LeaderEpochOf(parts, info.name, p);
    part.replica_nodes = {node_id};
    part.isr_nodes = {node_id};
  }
  return t;
}

proto::MetadataTopic ErrorEntry(const std::string& name, int16_t code) {
  proto::MetadataTopic t;
  t.name = name;
  t.error_code = code;
  return t;
}

// The entry for an existing topic; *missing is set instead when it does not
// exist and may be created.
proto::MetadataTopic Describe(Broker& broker, const std::string& name, bool may_create,
                              bool* missing) {
  *missing = false;
  if (!ValidateTopicName(name).ok()) return ErrorEntry(name, proto::kInvalidTopicException);
  Result<const TopicInfo*> info = broker.partitions().Topic(name);
  if (info.ok()) return TopicEntry(broker.partitions(), **info, broker.node_id());
  if (!info.status().IsNotFound()) {
    broker.diagnostics().Error("topic '" + name + "': " + info.status().message());
    return ErrorEntry(name, proto::kUnknownServerError);
  }
  *missing = may_create && !IsInternalTopic(name);  // created by the broker only
  return ErrorEntry(name, proto::kUnknownTopicOrPartition);
}

// A Metadata response waiting for the topics it creates.
struct PendingCreate {
  proto::MetadataResponse resp;
  std::vector<size_t> slots;  // indexes into resp.topics to create
  std::vector<Status> created;
  std::vector<partition::LoadedTopic> loaded;
  Responder reply;
};

// Creates the topics of `pending` on the thread pool, then answers.
void CreateThenReply(RequestContext& ctx, std::shared_ptr<PendingCreate> pending) {
  DataDir dir = ctx.broker.data_dir();  // a copy: used on a pool thread
  int32_t partitions = ctx.broker.config().default_partitions;
  int32_t node_id = ctx.broker.node_id();
  std::string peer = ctx.peer;
  partition::Partitions& parts = ctx.broker.partitions();
  auto work = [pending, dir, partitions, &parts]() mutable {
    for (size_t slot : pending->slots) {
      const std::string& name = pending->resp.topics[slot].name;
      pending->created.push_back(dir.CreateTopic(name, partitions));
      pending->loaded.push_back(parts.Load(name, /*open_readers=*/true));
    }
  };
  Diagnostics& diag = ctx.broker.diagnostics();
  auto done = [pending, partitions, node_id, peer, &parts, &diag] {
    for (size_t i = 0; i < pending->slots.size(); ++i) {
      proto::MetadataTopic& entry = pending->resp.topics[pending->slots[i]];
      const Status& s = pending->created[i];
      if (s.ok()) {
        diag.Info("created topic '" + entry.name + "' with " + std::to_string(partitions) +
                  " partition(s) for " + peer);
      } else if (s.code() != Status::Code::kExists) {
        diag.Error("auto-creating topic '" + entry.name + "': " + s.message());
        entry.error_code = proto::kUnknownServerError;
        continue;
      }
      Result<TopicInfo> info = pending->loaded[i].info;
      parts.Install(std::move(pending->loaded[i]));
      // Not visible yet: clients retry LEADER_NOT_AVAILABLE.
      entry = info.ok() ? TopicEntry(parts, info.value(), node_id)
                        : ErrorEntry(entry.name, proto::kLeaderNotAvailable);
    }
    pending->reply.Send(pending->resp);
  };
  RunInBackground(ctx.loop, ctx.broker.diagnostics(), std::move(work), std::move(done));
}

// Lists every topic of the data directory on the thread pool (a directory
// scan and one metadata file read per topic), then answers.
void ListThenReply(RequestContext& ctx, std::shared_ptr<PendingCreate> pending) {
  DataDir dir = ctx.broker.data_dir();  // a copy: used on a pool thread
  auto topics = std::make_shared<Result<std::vector<TopicInfo>>>(std::vector<TopicInfo>());
  int32_t node_id = ctx.broker.node_id();
  Diagnostics& diag = ctx.broker.diagnostics();
  Partitions& parts = ctx.broker.partitions();
  auto work = [dir, topics] { *topics = dir.ListTopics(); };
  auto done = [pending, topics, node_id, &diag, &parts] {
    if (!topics->ok()) {
      diag.Error("listing topics: " + topics->status().message());
    } else {
      for (const TopicInfo& t : **topics) {
        // Internal topics are listed only when asked for by name.
        if (!IsInternalTopic(t.name)) {
          pending->resp.topics.push_back(TopicEntry(parts, t, node_id));
        }
      }
    }
    pending->reply.Send(pending->resp);
  };
  RunInBackground(ctx.loop, ctx.broker.diagnostics(), std::move(work), std::move(done));
}

}  // namespace

void HandleMetadata(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::MetadataRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());

  Broker& broker = ctx.broker;
  auto pending = std::make_shared<PendingCreate>();
  proto::MetadataResponse& resp = pending->resp;
  proto::MetadataBroker self;
  self.node_id = broker.node_id();
  self.host = broker.advertised().host;
  self.port = broker.advertised().port;
  resp.brokers.push_back(std::move(self));
  resp.cluster_id = broker.cluster_id();
  resp.controller_id = broker.node_id();

  bool all = !req.topics.has_value() || (version == 0 && req.topics->empty());
  if (all) {
    pending->reply = std::move(reply);
    return ListThenReply(ctx, std::move(pending));
  } else {
    bool may_create =
        broker.config().auto_create_topics && (version < 4 || req.allow_auto_topic_creation);
    for (const proto::MetadataRequestTopic& t : *req.topics) {
      bool missing = false;
      resp.topics.push_back(Describe(broker, t.name, may_create, &missing));
      if (missing) pending->slots.push_back(resp.topics.size() - 1);
    }
  }
  if (pending->slots.empty()) return reply.Send(resp);
  pending->reply = std::move(reply);
  CreateThenReply(ctx, std::move(pending));
}

}  // namespace klog::broker::handlers
