// LeaveGroup (key 13), v0-3. v0-2 remove one member by id; v3 removes a
// batch, each by member id or by group instance id (static members), with an
// error per member. The group rebalances without them.
#include "broker/handlers/handlers.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

using groups::GroupCoordinator;

void HandleLeaveGroup(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::LeaveGroupRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  GroupCoordinator& groups = ctx.broker.groups();
  proto::LeaveGroupResponse resp;
  if (version < 3) {
    resp.error_code = groups.Leave(req.group_id, req.member_id, std::nullopt);
    return reply.Send(resp);
  }
  for (const proto::LeaveGroupMember& m : req.members) {
    proto::LeaveGroupMemberResponse& out = resp.members.emplace_back();
    out.member_id = m.member_id;
    out.group_instance_id = m.group_instance_id;
    out.error_code = groups.Leave(req.group_id, m.member_id, m.group_instance_id);
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
