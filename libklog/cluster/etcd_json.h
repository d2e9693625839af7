// The JSON of etcd's v3 HTTP gateway (grpc-gateway over etcd's protobuf API),
// with its quirks handled in one place: keys and values are base64, int64
// fields travel as JSON strings, fields at their proto3 default (0, false,
// PUT, empty) are left out, and a failure is an HTTP status with a body
// {"error": ..., "message": ..., "code": <gRPC code>}.
// Every function is pure; `what` names the call and key in errors
// ("etcd put /klog/c/brokers/1").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/curl_loop.h"
#include "cluster/meta_store.h"
#include "klog/status.h"

namespace klog::cluster::etcd {

using nlohmann::json;

std::string Base64(std::string_view bytes);
// A key as errors show it: printable ASCII but the backslash as is, every
// other byte as \xNN.
std::string Printable(std::string_view key);
// The end of the range of keys that start with `prefix` (etcd's range_end):
// the prefix with its last byte below 0xff incremented and what follows cut;
// "\0" (every key) when there is no such byte.
std::string PrefixEnd(std::string_view prefix);

// The body of a unary call's answer: ok with the parsed object for HTTP 200;
// the gateway's error (NotFound for gRPC code 5, InvalidArgument for 3,
// IOError otherwise) or Corruption for a body that is not a JSON object.
Status ParseReply(const HttpResponse& resp, const std::string& what, json* out);
// The same for a streaming call that sent one request and so got one message
// ({"result": ...} or {"error": ...}, a line): ok with the result object.
Status ParseStreamReply(const HttpResponse& resp, const std::string& what, json* out);

// An int64 field (a string or a number; absent is 0) into *out.
Status Int64Field(const json& obj, const char* name, const std::string& what, int64_t* out);
// A mvccpb.KeyValue.
Status DecodeKeyValue(const json& kv, const std::string& what, KeyValue* out);
// header.revision of a reply.
Status HeaderRevision(const json& reply, const std::string& what, int64_t* out);
// A RangeResponse.
Status DecodeRange(const json& reply, const std::string& what, GetResult* out);

json EncodeCompare(const Compare& c);
json EncodeOp(const WriteOp& op);

// One message of a watch stream, {"result": WatchResponse} or {"error": ...}.
struct WatchMessage {
  bool created = false;   // the watch's confirmation (no events)
  bool canceled = false;  // the store ended the watch
  int64_t compact_revision = 0;
  std::string cancel_reason;
  WatchBatch batch;
};
Status DecodeWatchMessage(const json& msg, const std::string& what, WatchMessage* out);

}  // namespace klog::cluster::etcd
