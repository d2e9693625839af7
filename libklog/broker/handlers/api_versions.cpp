// ApiVersions (key 18): the served APIs and their version ranges, straight
// from the registry (ServedApis()). Versions above the served range never get
// here: Dispatch answers them with the v0 UNSUPPORTED_VERSION body.
#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker {

void HandleApiVersions(RequestContext& ctx, Responder reply) {
  proto::ApiVersionsResponse resp = proto::BuildApiVersionsResponse(ServedApis());
  // v3 carries the client's software name and version, which klog does not
  // need. A body that does not decode is still answered (clients fall back to
  // an older version on INVALID_REQUEST; closing would make them assume a
  // pre-0.10 broker, kafka-protocol.md §1.1).
  proto::ApiVersionsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) {
    ctx.broker.diagnostics().Warn("client " + ctx.peer + ": " + s.message());
    resp.error_code = proto::kInvalidRequest;
  }
  reply.Send(resp);
}

}  // namespace klog::broker
