// DeleteTopics (key 20), v0-3. For each existing topic the broker first
// closes its own writers and readers of the topic (Partitions::CloseTopic
// waits for append jobs in flight), then removes the files on the thread
// pool (DataDir::DeleteTopic), then answers. A name listed twice is deleted
// and answered once.
//
// DeleteTopic takes every partition's writer lock. If another process (a
// local klog-append, say) holds one, nothing is removed and the topic is
// answered with KAFKA_STORAGE_ERROR; the log line names the holder.
//
// An internal topic (__consumer_offsets: every group's committed offsets)
// is never deleted: INVALID_TOPIC_EXCEPTION, the error Kafka gives for
// operations refused on internal topics (klog-protocol(7)).
//
// Between CloseTopic and the end of the deletion, Partitions refuses the
// topic (UNKNOWN_TOPIC_OR_PARTITION), so a Produce arriving meanwhile cannot
// reopen a writer and recreate a partition directory.
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

struct PendingDelete {
  proto::DeleteTopicsResponse resp;
  std::vector<size_t> slots;    // indexes into resp.responses to delete
  std::vector<Status> deleted;  // parallel to slots, filled by the job
  std::vector<partition::LoadedTopic>
      kept;            // parallel to slots: what is left where a delete failed
  size_t closing = 1;  // CloseTopic calls not yet done, plus one for the handler
  Responder reply;
};

int16_t CodeFor(const Status& s) {
  if (s.IsNotFound()) return proto::kUnknownTopicOrPartition;
  return proto::kKafkaStorageError;  // Busy (a writer lock is held) or an I/O error
}

// Removes the topics' files on the thread pool, then answers.
void DeleteThenReply(Broker* broker, uv_loop_t* loop, std::string peer,
                     std::shared_ptr<PendingDelete> pending) {
  DataDir dir = broker->data_dir();  // a copy: used on a pool thread
  pending->deleted.resize(pending->slots.size());
  pending->kept.resize(pending->slots.size());
  partition::Partitions* parts = &broker->partitions();
  auto work = [pending, dir, parts]() mutable {
    for (size_t i = 0; i < pending->slots.size(); ++i) {
      const std::string& name = pending->resp.responses[pending->slots[i]].name;
      pending->deleted[i] = dir.DeleteTopic(name);
      // A topic that could not be deleted is served again as it now is.
      if (!pending->deleted[i].ok()) pending->kept[i] = parts->Load(name, /*open_readers=*/true);
    }
  };
  auto done = [pending, broker, peer] {
    for (size_t i = 0; i < pending->slots.size(); ++i) {
      proto::DeletableTopicResult& out = pending->resp.responses[pending->slots[i]];
      broker->partitions().ForgetTopic(out.name);
      const Status& s = pending->deleted[i];
      if (!s.ok()) broker->partitions().Install(std::move(pending->kept[i]));
      if (s.ok()) {
        broker->diagnostics().Info("deleted topic '" + out.name + "' for " + peer);
        continue;
      }
      out.error_code = CodeFor(s);
      broker->diagnostics().Warn("delete topic '" + out.name + "' for " + peer + ": " +
                                 s.message() + " (" + proto::ErrorName(out.error_code) + ")");
    }
    pending->reply.Send(pending->resp);
  };
  RunInBackground(loop, broker->diagnostics(), std::move(work), std::move(done));
}

}  // namespace

void HandleDeleteTopics(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::DeleteTopicsRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());

  auto pending = std::make_shared<PendingDelete>();
  std::set<std::string> seen;
  for (const std::string& name : req.topic_names) {
    if (!seen.insert(name).second) continue;
    proto::DeletableTopicResult out;
    out.name = name;
    Result<const TopicInfo*> info = ctx.broker.partitions().Topic(name);
    // A topic whose metadata is damaged can still be deleted.
    bool exists = ValidateTopicName(name).ok() && (info.ok() || !info.status().IsNotFound());
    if (IsInternalTopic(name)) {
      out.error_code = proto::kInvalidTopicException;
      ctx.broker.diagnostics().Warn("delete topic '" + name + "' for " + ctx.peer +
                                    ": refused, an internal topic");
    } else if (!exists) {
      out.error_code = proto::kUnknownTopicOrPartition;
      ctx.broker.diagnostics().Info("delete topic '" + name + "' for " + ctx.peer +
                                    ": it does not exist");
    } else {
      pending->slots.push_back(pending->resp.responses.size());
    }
    pending->resp.responses.push_back(std::move(out));
  }
  if (pending->slots.empty()) return reply.Send(pending->resp);
  pending->reply = std::move(reply);

  // Close the broker's own writers of every topic first, then delete.
  Broker* broker = &ctx.broker;
  uv_loop_t* loop = ctx.loop;
  std::string peer = ctx.peer;
  auto closed = [pending, broker, loop, peer] {
    if (--pending->closing > 0) return;
    DeleteThenReply(broker, loop, peer, pending);
  };
  pending->closing += pending->slots.size();
  for (size_t slot : pending->slots) {
    broker->partitions().CloseTopic(pending->resp.responses[slot].name, closed);
  }
  closed();
}

}  // namespace klog::broker::handlers
