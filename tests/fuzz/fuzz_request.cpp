// libFuzzer target: one Kafka request frame (the bytes after the int32 size
// prefix) through the decode path klog-serve takes for a frame, without a
// socket: DecodeRequestHeader, the registry's key and version checks as in
// broker/dispatch.cpp, then DecodeMessage of the request struct the key's
// handler decodes (broker/handler_*.cpp), at the frame's version. Every key
// of proto::ApiTable() must have its struct below: a key added to the table
// without one stops the target at start-up.
//
// What decodes is also encoded again (the Encoder is the code that writes
// every response): encode(decode(frame)) must decode, and encoding that must
// give the same bytes. A failure aborts with the message and version.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "proto/api.h"
#include "proto/headers.h"
#include "proto/messages.h"
#include "proto/schema.h"

namespace {

using namespace klog::proto;

[[noreturn]] void Fail(const char* what, int16_t key, int16_t version, const std::string& detail) {
  std::fprintf(stderr, "fuzz_request: %s v%d: %s%s\n", FindApi(key)->name, version, what,
               detail.c_str());
  std::abort();
}

// Decodes `body` as Msg, and checks the round trip when it decodes. Returns
// true (Msg is the key's request struct).
template <class Msg>
bool DecodeAndRoundTrip(std::span<const uint8_t> body, int16_t version) {
  Msg msg;
  if (!DecodeMessage(body, version, &msg).ok()) return true;
  std::vector<uint8_t> once;
  Writer w1(&once);
  EncodeMessage(msg, version, &w1);
  Msg again;
  klog::Status s = DecodeMessage(std::span<const uint8_t>(once), version, &again);
  if (!s.ok()) Fail("re-encoded request does not decode: ", Msg::kApiKey, version, s.message());
  std::vector<uint8_t> twice;
  Writer w2(&twice);
  EncodeMessage(again, version, &w2);
  if (once != twice) Fail("encoding is not stable across a round trip", Msg::kApiKey, version, "");
  return true;
}

// The request struct of each API key, as its handler decodes it. False for
// a key without one.
bool DecodeBody(int16_t key, int16_t version, std::span<const uint8_t> body) {
  switch (key) {
    case kProduce:
      return DecodeAndRoundTrip<ProduceRequest>(body, version);
    case kFetch:
      return DecodeAndRoundTrip<FetchRequest>(body, version);
    case kListOffsets:
      return DecodeAndRoundTrip<ListOffsetsRequest>(body, version);
    case kMetadata:
      return DecodeAndRoundTrip<MetadataRequest>(body, version);
    case kOffsetCommit:
      return DecodeAndRoundTrip<OffsetCommitRequest>(body, version);
    case kOffsetFetch:
      return DecodeAndRoundTrip<OffsetFetchRequest>(body, version);
    case kFindCoordinator:
      return DecodeAndRoundTrip<FindCoordinatorRequest>(body, version);
    case kJoinGroup:
      return DecodeAndRoundTrip<JoinGroupRequest>(body, version);
    case kHeartbeat:
      return DecodeAndRoundTrip<HeartbeatRequest>(body, version);
    case kLeaveGroup:
      return DecodeAndRoundTrip<LeaveGroupRequest>(body, version);
    case kSyncGroup:
      return DecodeAndRoundTrip<SyncGroupRequest>(body, version);
    case kDescribeGroups:
      return DecodeAndRoundTrip<DescribeGroupsRequest>(body, version);
    case kListGroups:
      return DecodeAndRoundTrip<ListGroupsRequest>(body, version);
    case kApiVersions:
      return DecodeAndRoundTrip<ApiVersionsRequest>(body, version);
    case kCreateTopics:
      return DecodeAndRoundTrip<CreateTopicsRequest>(body, version);
    case kDeleteTopics:
      return DecodeAndRoundTrip<DeleteTopicsRequest>(body, version);
    case kDeleteRecords:
      return DecodeAndRoundTrip<DeleteRecordsRequest>(body, version);
    case kOffsetForLeaderEpoch:
      return DecodeAndRoundTrip<OffsetForLeaderEpochRequest>(body, version);
    case kDescribeConfigs:
      return DecodeAndRoundTrip<DescribeConfigsRequest>(body, version);
    case kAlterConfigs:
      return DecodeAndRoundTrip<AlterConfigsRequest>(body, version);
    case kCreatePartitions:
      return DecodeAndRoundTrip<CreatePartitionsRequest>(body, version);
    case kDeleteGroups:
      return DecodeAndRoundTrip<DeleteGroupsRequest>(body, version);
    case kIncrementalAlterConfigs:
      return DecodeAndRoundTrip<IncrementalAlterConfigsRequest>(body, version);
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  for (const ApiEntry& e : ApiTable()) {
    if (!DecodeBody(e.key, e.min_version, {})) {
      std::fprintf(stderr, "fuzz_request: API key %d (%s) has no request struct here\n", e.key,
                   e.name);
      std::abort();
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > size_t(kMaxFrameSize)) return 0;  // the connection refuses such a size prefix
  RequestHeader header;
  std::span<const uint8_t> body;
  if (!DecodeRequestHeader({data, size}, &header, &body).ok()) return 0;
  const ApiEntry* api = FindApi(header.api_key);
  if (api == nullptr) return 0;
  if (header.api_key == kApiVersions && header.api_version > api->max_version) {
    std::vector<uint8_t> out;  // the v0 UNSUPPORTED_VERSION answer
    Writer w(&out);
    EncodeApiVersionsUnsupported(header.correlation_id, *api, &w);
    return 0;
  }
  if (header.api_version < api->min_version || header.api_version > api->max_version) return 0;
  DecodeBody(header.api_key, header.api_version, body);
  return 0;
}
