// ApiVersions (key 18): the served APIs and their version ranges, straight
// from the registry (ServedApis()). Versions above the served range never get
// here: Dispatch answers them with the v0 UNSUPPORTED_VERSION body.
//
// Produce is advertised from v3, the first version klog serves, except to
// librdkafka (and its bindings), recognised by the v3 request's software
// name and version: librdkafka up to 2.x compresses with gzip, snappy or
// lz4 only when the Produce range includes v0 (confluentinc/librdkafka#4956),
// so it is told 0-7, as Kafka 4.0 does (KAFKA-18659). It never sends v0-2
// to a broker that advertises v3; one that did would get UNSUPPORTED_VERSION
// per partition, on a connection that stays open (produce.cpp).
#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

void HandleApiVersions(RequestContext& ctx, Responder reply) {
  // A body that does not decode is still answered (clients fall back to an
  // older version on INVALID_REQUEST; closing would make them assume a
  // pre-0.10 broker, kafka-protocol.md §1.1).
  proto::ApiVersionsRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  bool librdkafka =
      s.ok() && proto::IsLibrdkafka(req.client_software_name, req.client_software_version);
  proto::ApiVersionsResponse resp = proto::BuildApiVersionsResponse(ServedApis(), librdkafka);
  if (!s.ok()) {
    ctx.broker.diagnostics().Warn("client " + ctx.peer + ": " + s.message());
    resp.error_code = proto::kInvalidRequest;
  }
  reply.Send(resp);
}

}  // namespace klog::broker::handlers
