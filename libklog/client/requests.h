// The per-API glue between message structs and frames, in the client's direction: encode a
// request frame, decode a response frame. Defined (and instantiated for every message the
// client sends or receives) in requests.cpp. No I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"
#include "proto/msg_api_versions.h"
#include "proto/msg_describe_configs.h"
#include "proto/msg_fetch.h"
#include "proto/msg_list_offsets.h"
#include "proto/msg_metadata.h"
#include "proto/msg_offset_for_leader_epoch.h"
#include "proto/msg_produce.h"

namespace klog::client {

// Where the correlation id sits in a frame from EncodeRequestFrame (after the size prefix,
// api key and version), so a connection can number a frame encoded before it was sent.
inline constexpr size_t kCorrelationIdPos = 8;

// A whole request frame: int32 size, request header v1 (v2 when `version` is flexible, see
// versions.h), then `msg` encoded as `version`. Records fields are copied into the frame.
template <class Req>
std::vector<uint8_t> EncodeRequestFrame(const Req& msg, int16_t version, int32_t correlation_id,
                                        std::string_view client_id);

// Decodes a response frame (the bytes after the size prefix: header, then body) of `version`
// into *out. Records fields of *out point into `frame`. A failure is Corruption naming the
// API, version and `broker`: "Fetch v11 response from broker 1 (h:9092): responses[0]...".
template <class Resp>
Status DecodeResponseFrame(std::span<const uint8_t> frame, int16_t version,
                           const std::string& broker, Resp* out);

// The correlation id at the start of a response frame; Corruption when the frame is shorter.
Status ResponseCorrelationId(std::span<const uint8_t> frame, int32_t* id);

// The Kafka error code at the start of an ApiVersions response body (every version begins
// with it), or -1 when the frame is too short. Used to spot UNSUPPORTED_VERSION, whose
// answer is encoded as v0 whatever version was asked.
int16_t ApiVersionsErrorCode(std::span<const uint8_t> frame);

}  // namespace klog::client
