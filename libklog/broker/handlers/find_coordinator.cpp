// FindCoordinator (key 10), v0-2. klog-serve is a single node, so it is the
// coordinator of every group: the answer is this broker's advertised address
// (kafka-python connects its coordinator connection there). Transaction
// coordinators (key_type 1) are not served: COORDINATOR_NOT_AVAILABLE.
#include "broker/handlers/handlers.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleFindCoordinator(RequestContext& ctx, Responder reply) {
  proto::FindCoordinatorRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  proto::FindCoordinatorResponse resp;
  if (req.key_type != 0) {
    resp.error_code = proto::kCoordinatorNotAvailable;
    resp.error_message = "klog-serve has no transaction coordinator";
    resp.node_id = -1;
    resp.port = -1;
    return reply.Send(resp);
  }
  const HostPort& me = ctx.broker.advertised();
  resp.node_id = ctx.broker.node_id();
  resp.host = me.host;
  resp.port = me.port;
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
