// OffsetFetch (key 9), v0-5. A partition without a committed offset (or an
// unknown group) answers offset -1 with error NONE, which clients read as "no
// committed offset". Null topics (v2+) or an
// empty topic array ask for every offset of the group.
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleOffsetFetch(RequestContext& ctx, Responder reply) {
  proto::OffsetFetchRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  reply.Send(ctx.broker.groups().FetchOffsets(req));
}

}  // namespace klog::broker::handlers
