// DescribeGroups (key 15), v0-4: state, protocol and members of each group.
// Member metadata and assignments are filled in only while the group is
// Stable, as Kafka does; an unknown group is described as "Dead" with error
// NONE. authorized_operations is never computed (INT32_MIN, "not provided").
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleDescribeGroups(RequestContext& ctx, Responder reply) {
  proto::DescribeGroupsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  proto::DescribeGroupsResponse resp;
  for (const std::string& id : req.groups) {
    resp.groups.push_back(ctx.broker.groups().Describe(id));
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
