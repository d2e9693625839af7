// JoinGroup (key 11), v0-5. The request is held by the GroupCoordinator
// until the group's rebalance completes (groups/coordinator.h); a member id is
// generated for a new member ("<client id>-<random uuid>"). MEMBER_ID_REQUIRED
// (KIP-394) is never returned: a v4+ member without an id joins at once.
#include <string>

#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

using groups::GroupCoordinator;

namespace {

// "/127.0.0.1" for a peer "127.0.0.1:53422", as Kafka reports client hosts.
std::string ClientHost(const std::string& peer) {
  std::string host = peer.substr(0, peer.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return "/" + host;
}

}  // namespace

void HandleJoinGroup(RequestContext& ctx, Responder reply) {
  proto::JoinGroupRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  ctx.broker.groups().Join(std::move(req), std::string(ctx.header.client_id), ClientHost(ctx.peer),
                           std::move(reply));
}

}  // namespace klog::broker::handlers
