// Heartbeat (key 12), v0-3. Keeps a member's session alive; tells it to
// rejoin with REBALANCE_IN_PROGRESS while its group rebalances, and rejects
// unknown members (UNKNOWN_MEMBER_ID) and stale generations
// (ILLEGAL_GENERATION).
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleHeartbeat(RequestContext& ctx, Responder reply) {
  proto::HeartbeatRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  proto::HeartbeatResponse resp;
  resp.error_code = ctx.broker.groups().Heartbeat(req);
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
