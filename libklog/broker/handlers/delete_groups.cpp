// DeleteGroups (key 42), v0-1. Only a group without members can be deleted
// (NON_EMPTY_GROUP otherwise; GROUP_ID_NOT_FOUND for an unknown one): its
// offsets get tombstones in __consumer_offsets, then it is forgotten.
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleDeleteGroups(RequestContext& ctx, Responder reply) {
  proto::DeleteGroupsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  auto held = std::make_shared<Responder>(std::move(reply));
  ctx.broker.groups().DeleteGroups(req.groups_names,
                                   [held](std::vector<proto::DeletableGroupResult> results) {
                                     proto::DeleteGroupsResponse resp;
                                     resp.results = std::move(results);
                                     held->Send(resp);
                                   });
}

}  // namespace klog::broker::handlers
