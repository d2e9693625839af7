// OffsetCommit (key 8), v0-7. The offsets are appended to
// __consumer_offsets and synced before the answer (groups/offsets.cpp), so an
// acknowledged commit survives a crash. Group members commit with their
// generation; a commit with generation -1 (always in v0) is accepted for a
// group without members.
#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleOffsetCommit(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::OffsetCommitRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  auto held = std::make_shared<Responder>(std::move(reply));
  ctx.broker.groups().CommitOffsets(req, version,
                                    [held](proto::OffsetCommitResponse resp) { held->Send(resp); });
}

}  // namespace klog::broker::handlers
