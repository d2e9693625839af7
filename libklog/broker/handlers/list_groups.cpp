// ListGroups (key 16), v0-2: every group the coordinator knows, with members
// or only committed offsets (protocol type "" for those never joined).
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleListGroups(RequestContext& ctx, Responder reply) {
  proto::ListGroupsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  proto::ListGroupsResponse resp;
  for (const auto& [id, g] : ctx.broker.groups().groups()) {
    resp.groups.push_back({id, g.protocol_type});
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
