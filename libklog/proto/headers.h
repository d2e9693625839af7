// Request and response headers and framing (kafka-protocol.md §2.4). A frame is an int32 size
// followed by that many bytes; the request header is v1, or v2 (v1 plus a tagged-field
// section) when the request version is flexible. The response header is v0 (correlation id),
// or v1 (plus an empty tagged-field section) for flexible versions, except ApiVersions, whose
// response header is always v0.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "klog/status.h"
#include "proto/wire.h"

namespace klog::proto {

// Largest frame klog-serve accepts; a bigger size prefix is a protocol error (close).
inline constexpr int32_t kMaxFrameSize = 100 * 1024 * 1024;

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::string_view client_id;  // points into the frame; empty when null
  bool client_id_null = false;
};

// Decodes the request header at the start of `frame` (the bytes after the size prefix). On
// success *out is filled and *body is the rest of the frame (the message body). The tagged
// section is read only when IsFlexible(api_key, api_version); an unknown key or version is
// not an error here (the caller answers it). Errors: "request header: ...".
Status DecodeRequestHeader(std::span<const uint8_t> frame, RequestHeader* out,
                           std::span<const uint8_t>* body);

// Response header version for a request: 1 for flexible versions except ApiVersions, else 0.
int ResponseHeaderVersion(int16_t api_key, int16_t api_version);

// Starts a response frame in w: a 4-byte size placeholder, then the response header for
// `req`. Returns the frame's start position, to pass to EndResponseFrame.
size_t BeginResponseFrame(Writer* w, const RequestHeader& req);
// Patches the size placeholder written by BeginResponseFrame to cover everything after it.
void EndResponseFrame(Writer* w, size_t start);

}  // namespace klog::proto
