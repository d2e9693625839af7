// The request handlers, one function per Kafka API key, and the table that
// pairs them with the protocol layer's API registry (proto::ApiTable()).
// Dispatch finds a handler here; ApiVersions advertises exactly the keys that
// are both in the registry and in this table, so an API is served and
// advertised by adding one line to the table.
//
// A handler decodes ctx.body (valid only during the call) and answers through
// the Responder, at once or later (see responder.h). A body that does not
// decode is answered by closing the connection, as Kafka does.
#pragma once

#include <uv.h>

#include <span>
#include <string>

#include "broker/broker.h"
#include "broker/net/responder.h"
#include "proto/api.h"
#include "proto/headers.h"

namespace klog::broker::handlers {

// Every handler answers through its connection's Responder.
using net::Responder;

struct RequestContext {
  Broker& broker;
  uv_loop_t* loop;                     // for handlers that answer later
  const proto::RequestHeader& header;  // client_id points into the frame
  std::span<const uint8_t> body;       // the bytes after the header
  const std::string& peer;             // "127.0.0.1:53422", for log lines
};

using HandlerFn = void (*)(RequestContext& ctx, Responder reply);

// The handler for `api_key`, or nullptr if klog-serve does not serve it.
HandlerFn FindHandler(int16_t api_key);
// The registry entries of the served APIs, sorted by key (what ApiVersions lists).
std::span<const proto::ApiEntry> ServedApis();

void HandleProduce(RequestContext& ctx, Responder reply);
void HandleFetch(RequestContext& ctx, Responder reply);
void HandleListOffsets(RequestContext& ctx, Responder reply);
void HandleOffsetForLeaderEpoch(RequestContext& ctx, Responder reply);
void HandleApiVersions(RequestContext& ctx, Responder reply);
void HandleMetadata(RequestContext& ctx, Responder reply);
void HandleCreateTopics(RequestContext& ctx, Responder reply);
void HandleDeleteTopics(RequestContext& ctx, Responder reply);
void HandleDescribeConfigs(RequestContext& ctx, Responder reply);
void HandleCreatePartitions(RequestContext& ctx, Responder reply);
void HandleAlterConfigs(RequestContext& ctx, Responder reply);
void HandleIncrementalAlterConfigs(RequestContext& ctx, Responder reply);
void HandleDeleteRecords(RequestContext& ctx, Responder reply);
void HandleFindCoordinator(RequestContext& ctx, Responder reply);
void HandleJoinGroup(RequestContext& ctx, Responder reply);
void HandleSyncGroup(RequestContext& ctx, Responder reply);
void HandleHeartbeat(RequestContext& ctx, Responder reply);
void HandleLeaveGroup(RequestContext& ctx, Responder reply);
void HandleOffsetCommit(RequestContext& ctx, Responder reply);
void HandleOffsetFetch(RequestContext& ctx, Responder reply);
void HandleListGroups(RequestContext& ctx, Responder reply);
void HandleDescribeGroups(RequestContext& ctx, Responder reply);
void HandleDeleteGroups(RequestContext& ctx, Responder reply);

}  // namespace klog::broker::handlers
