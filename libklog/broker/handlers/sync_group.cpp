// SyncGroup (key 14), v0-3. The leader's request carries every member's
// assignment; a follower's is held until it arrives (groups/coordinator.h).
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleSyncGroup(RequestContext& ctx, Responder reply) {
  proto::SyncGroupRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  ctx.broker.groups().Sync(std::move(req), std::move(reply));
}

}  // namespace klog::broker::handlers
