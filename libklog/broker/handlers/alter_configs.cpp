// AlterConfigs (key 33), v0-1: replaces a topic's whole config set (keys not
// given go back to their defaults, as in Kafka). Topics only (resource type
// 2); broker configs (4) are static in klog-serve: INVALID_REQUEST. The
// configs of an internal topic are fixed: INVALID_TOPIC_EXCEPTION. An
// unknown key or a bad value is INVALID_CONFIG and changes nothing for that
// topic. validate_only checks and changes nothing. The shared apply logic
// (config_change.h) is here too.
#include <map>
#include <set>

#include "broker/background.h"
#include "broker/diagnostics.h"
#include "broker/handlers/config_change.h"
#include "klog/filename.h"
#include "klog/topic.h"
#include "proto/errors.h"

namespace klog::broker::handlers {
namespace {

constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;

void Refuse(ConfigChange* c, int16_t code, std::string message) {
  c->result.error_code = code;
  c->result.error_message = std::move(message);
}

void Check(Broker& broker, ConfigChange* c) {
  if (c->result.error_code != proto::kNone) return;
  if (c->resource_type == kBrokerResource) {
    return Refuse(c, proto::kInvalidRequest,
                  "klog-serve's broker configs are static (set in its config file)");
  }
  if (c->resource_type != kTopicResource) {
    return Refuse(c, proto::kInvalidRequest,
                  "Resource type " + std::to_string(c->resource_type) + " is not supported");
  }
  if (!ValidateTopicName(c->name).ok()) {
    return Refuse(c, proto::kInvalidTopicException, "'" + c->name + "' is not a valid topic name");
  }
  if (IsInternalTopic(c->name)) {
    return Refuse(c, proto::kInvalidTopicException,
                  "Cannot alter configs of internal topic " + c->name);
  }
  Result<const TopicInfo*> info = broker.partitions().Topic(c->name);
  if (!info.ok()) {
    if (info.status().IsNotFound()) {
      return Refuse(c, proto::kUnknownTopicOrPartition, "Topic " + c->name + " does not exist.");
    }
    return Refuse(c, proto::kUnknownServerError, info.status().message());
  }
  for (const auto& [k, v] : c->set) {
    Status s = ValidateTopicConfig(k, v);
    if (!s.ok()) return Refuse(c, proto::kInvalidConfig, s.message());
  }
  std::set<std::string> known;
  for (const TopicConfigDefault& d : TopicConfigDefaults()) known.insert(d.key);
  for (const std::string& k : c->remove) {
    if (known.count(k) == 0) return Refuse(c, proto::kInvalidConfig, "Unknown config '" + k + "'");
  }
  if (c->replace_all) {
    for (const auto& [k, v] : (*info)->configs) {
      if (c->set.count(k) == 0) c->remove.push_back(k);
    }
  }
}

}  // namespace

void ApplyConfigChanges(RequestContext& ctx, std::vector<ConfigChange> changes, bool validate_only,
                        std::function<void(std::vector<proto::AlterConfigsResult>)> send) {
  std::map<std::pair<int8_t, std::string>, int> seen;
  for (ConfigChange& c : changes) ++seen[{c.resource_type, c.name}];
  for (ConfigChange& c : changes) {
    c.result.resource_type = c.resource_type;
    c.result.resource_name = c.name;
    if (seen[{c.resource_type, c.name}] > 1) {
      Refuse(&c, proto::kInvalidRequest, "Duplicate resource in request.");
    }
    Check(ctx.broker, &c);
    if (c.result.error_code != proto::kNone) {
      ctx.broker.diagnostics().Info("alter configs of '" + c.name + "' for " + ctx.peer + ": " +
                                    proto::ErrorName(c.result.error_code) + ": " +
                                    c.result.error_message.value_or(""));
    }
  }
  auto pending = std::make_shared<std::vector<ConfigChange>>(std::move(changes));
  auto statuses = std::make_shared<std::vector<Status>>(pending->size());
  DataDir dir = ctx.broker.data_dir();  // a copy: used on a pool thread
  Broker* broker = &ctx.broker;
  std::string peer = ctx.peer;
  auto loaded = std::make_shared<std::vector<partition::LoadedTopic>>(pending->size());
  partition::Partitions* parts = &ctx.broker.partitions();
  auto work = [pending, statuses, loaded, dir, parts, validate_only]() mutable {
    if (validate_only) return;
    for (size_t i = 0; i < pending->size(); ++i) {
      ConfigChange& c = (*pending)[i];
      if (c.result.error_code != proto::kNone) continue;
      (*statuses)[i] = dir.AlterTopicConfigs(c.name, c.set, c.remove);
      (*loaded)[i] = parts->Load(c.name, /*open_readers=*/false);
    }
  };
  auto done = [pending, statuses, loaded, broker, peer, validate_only, send] {
    std::vector<proto::AlterConfigsResult> out;
    for (size_t i = 0; i < pending->size(); ++i) {
      ConfigChange& c = (*pending)[i];
      if (c.result.error_code == proto::kNone && !validate_only) {
        broker->partitions().Install(std::move((*loaded)[i]));
        broker->partitions().RefreshTopicOptions(c.name);
        const Status& s = (*statuses)[i];
        if (s.ok()) {
          broker->diagnostics().Info("configs of topic '" + c.name + "' altered (for " + peer +
                                     ")");
        } else {
          Refuse(&c,
                 s.IsNotFound()                               ? proto::kUnknownTopicOrPartition
                 : s.code() == Status::Code::kInvalidArgument ? proto::kInvalidConfig
                                                              : proto::kKafkaStorageError,
                 s.message());
        }
      }
      out.push_back(c.result);
    }
    send(std::move(out));
  };
  RunInBackground(ctx.loop, ctx.broker.diagnostics(), std::move(work), std::move(done));
}

void HandleAlterConfigs(RequestContext& ctx, Responder reply) {
  proto::AlterConfigsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  std::vector<ConfigChange> changes;
  for (const proto::AlterConfigsResource& r : req.resources) {
    ConfigChange& c = changes.emplace_back();
    c.resource_type = r.resource_type;
    c.name = r.resource_name;
    c.replace_all = true;
    for (const proto::AlterConfigsEntry& e : r.configs) {
      if (e.value.has_value()) c.set[e.name] = *e.value;
    }
  }
  auto shared_reply = std::make_shared<Responder>(std::move(reply));
  ApplyConfigChanges(ctx, std::move(changes), req.validate_only,
                     [shared_reply](std::vector<proto::AlterConfigsResult> results) {
                       proto::AlterConfigsResponse resp;
                       resp.responses = std::move(results);
                       shared_reply->Send(resp);
                     });
}

}  // namespace klog::broker::handlers
