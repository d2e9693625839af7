// IncrementalAlterConfigs (key 44), v0: SET (0) and DELETE (1, back to the
// default) of topic configs; APPEND (2) and SUBTRACT (3) are for list
// configs, and klog's only list config, cleanup.policy, is set whole:
// INVALID_CONFIG. Otherwise as AlterConfigs (handler_alter_configs.cpp).
#include <memory>

#include "broker/handlers/config_change.h"
#include "proto/errors.h"

namespace klog::broker::handlers {

void HandleIncrementalAlterConfigs(RequestContext& ctx, Responder reply) {
  proto::IncrementalAlterConfigsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  std::vector<ConfigChange> changes;
  for (const proto::IncrementalAlterConfigsResource& r : req.resources) {
    ConfigChange& c = changes.emplace_back();
    c.resource_type = r.resource_type;
    c.name = r.resource_name;
    for (const proto::IncrementalAlterConfigsEntry& e : r.configs) {
      if (e.config_operation == 0 && e.value.has_value()) {
        c.set[e.name] = *e.value;
      } else if (e.config_operation == 1) {
        c.remove.push_back(e.name);
      } else {
        c.result.error_code = proto::kInvalidConfig;
        c.result.error_message = "Config operation " + std::to_string(e.config_operation) +
                                 " on '" + e.name + "' is not supported (only SET and DELETE)";
      }
    }
    for (const std::string& k : c.remove) {
      if (c.set.count(k) > 0 && c.result.error_code == 0) {
        c.result.error_code = proto::kInvalidRequest;
        c.result.error_message = "Config '" + k + "' is both set and deleted";
      }
    }
  }
  auto shared_reply = std::make_shared<Responder>(std::move(reply));
  ApplyConfigChanges(ctx, std::move(changes), req.validate_only,
                     [shared_reply](std::vector<proto::AlterConfigsResult> results) {
                       proto::IncrementalAlterConfigsResponse resp;
                       resp.responses = std::move(results);
                       shared_reply->Send(resp);
                     });
}

}  // namespace klog::broker::handlers
