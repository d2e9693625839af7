// Every message at every version in its range: filled with non-default values, encoded,
// decoded; fields of that version must come back equal, fields outside it must be neither
// written (the decoder consumes exactly the bytes written) nor read (they keep defaults).
#include <doctest/doctest.h>

#include <algorithm>

#include "proto/api.h"
#include "proto/messages.h"
#include "test_support.h"

namespace klog::proto {
namespace {

using test::FillAll;
using test::VersionRender;

template <class Msg>
void CheckRoundTrip(int16_t version) {
  CAPTURE(MessageContext(Msg::kApiKey, version, Msg::kIsRequest));
  Msg orig;
  FillAll(orig);
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeMessage(orig, version, &w);

  Msg dec;
  Reader r(buf);
  Decoder d(&r, version, IsFlexible(Msg::kApiKey, version));
  d.Struct(dec);
  REQUIRE_MESSAGE(r.ok(), r.error());
  CHECK(r.remaining() == 0);
  CHECK(VersionRender::Of(dec, version, VersionRender::kPresent) ==
        VersionRender::Of(orig, version, VersionRender::kPresent));
  std::string absent = VersionRender::Of(dec, version, VersionRender::kAbsent);
  CHECK_MESSAGE(absent.find("CHANGED") == std::string::npos, absent);

  // Re-encoding what was decoded gives the same bytes.
  std::vector<uint8_t> again;
  Writer w2(&again);
  EncodeMessage(dec, version, &w2);
  CHECK(again == buf);
}

// Decoding every strict prefix of a valid body fails with a message naming the message.
template <class Msg>
void CheckTruncations(int16_t version) {
  Msg orig;
  FillAll(orig);
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeMessage(orig, version, &w);
  std::string context = MessageContext(Msg::kApiKey, version, Msg::kIsRequest) + ": ";
  for (size_t n = 0; n < buf.size(); ++n) {
    Msg m;
    Status s = DecodeMessage(std::span<const uint8_t>(buf.data(), n), version, &m);
    REQUIRE_MESSAGE(!s.ok(), "prefix of " << n << " bytes decoded");
    REQUIRE(s.message().rfind(context, 0) == 0);
  }
}

// Random byte corruption of a valid body either decodes or fails with a message; under the
// sanitizer build this also shows no read goes past the frame.
template <class Msg>
void CheckCorruptions(int16_t version) {
  Msg orig;
  FillAll(orig);
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeMessage(orig, version, &w);
  if (buf.empty()) return;
  uint32_t seed = 0x9e3779b9u ^ static_cast<uint32_t>(version);
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> bad = buf;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1664525u + 1013904223u;
      bad[(seed >> 8) % bad.size()] = static_cast<uint8_t>(seed >> 24);
    }
    Msg m;
    Status s = DecodeMessage(bad, version, &m);
    if (!s.ok()) REQUIRE(!s.message().empty());
  }
}

template <class Req, class Resp>
void CheckApi(int16_t lo, int16_t hi) {
  for (int16_t v = lo; v <= hi; ++v) {
    CheckRoundTrip<Req>(v);
    CheckRoundTrip<Resp>(v);
    CheckTruncations<Req>(v);
    CheckTruncations<Resp>(v);
    CheckCorruptions<Req>(v);
    CheckCorruptions<Resp>(v);
  }
}

TEST_CASE("ApiVersions v0-3 round trip, v3 flexible") {
  CheckApi<ApiVersionsRequest, ApiVersionsResponse>(0, 3);
}
TEST_CASE("Metadata v0-9 round trip") { CheckApi<MetadataRequest, MetadataResponse>(0, 9); }
TEST_CASE("Produce v0-7 round trip") { CheckApi<ProduceRequest, ProduceResponse>(0, 7); }
TEST_CASE("Fetch v4-12 round trip") { CheckApi<FetchRequest, FetchResponse>(4, 12); }
TEST_CASE("ListOffsets v0-3 round trip") {
  CheckApi<ListOffsetsRequest, ListOffsetsResponse>(0, 3);
}
TEST_CASE("CreateTopics v0-4 round trip") {
  CheckApi<CreateTopicsRequest, CreateTopicsResponse>(0, 4);
}
TEST_CASE("DeleteTopics v0-3 round trip") {
  CheckApi<DeleteTopicsRequest, DeleteTopicsResponse>(0, 3);
}
TEST_CASE("DescribeConfigs v0-2 round trip") {
  CheckApi<DescribeConfigsRequest, DescribeConfigsResponse>(0, 2);
}
TEST_CASE("CreatePartitions v0-1 round trip") {
  CheckApi<CreatePartitionsRequest, CreatePartitionsResponse>(0, 1);
}

TEST_CASE("FindCoordinator v0-2 round trip") {
  CheckApi<FindCoordinatorRequest, FindCoordinatorResponse>(0, 2);
}
TEST_CASE("JoinGroup v0-5 round trip") { CheckApi<JoinGroupRequest, JoinGroupResponse>(0, 5); }
TEST_CASE("SyncGroup v0-3 round trip") { CheckApi<SyncGroupRequest, SyncGroupResponse>(0, 3); }
TEST_CASE("Heartbeat v0-3 round trip") { CheckApi<HeartbeatRequest, HeartbeatResponse>(0, 3); }
TEST_CASE("LeaveGroup v0-3 round trip, v3 batch") {
  CheckApi<LeaveGroupRequest, LeaveGroupResponse>(0, 3);
}
TEST_CASE("OffsetCommit v0-7 round trip") {
  CheckApi<OffsetCommitRequest, OffsetCommitResponse>(0, 7);
}
TEST_CASE("OffsetFetch v0-5 round trip") {
  CheckApi<OffsetFetchRequest, OffsetFetchResponse>(0, 5);
}
TEST_CASE("ListGroups v0-2 round trip, empty request body") {
  CheckApi<ListGroupsRequest, ListGroupsResponse>(0, 2);
}
TEST_CASE("DescribeGroups v0-4 round trip") {
  CheckApi<DescribeGroupsRequest, DescribeGroupsResponse>(0, 4);
}
TEST_CASE("DeleteGroups v0-1 round trip") {
  CheckApi<DeleteGroupsRequest, DeleteGroupsResponse>(0, 1);
}

TEST_CASE("OffsetFetch v2+ null topics (all offsets) survive a round trip; v1 cannot be null") {
  OffsetFetchRequest req;
  req.group_id = "g";
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeMessage(req, 2, &w);
  OffsetFetchRequest dec;
  dec.topics.emplace();
  REQUIRE(DecodeMessage(buf, 2, &dec).ok());
  CHECK(!dec.topics.has_value());
  OffsetFetchRequest v1;
  CHECK(!DecodeMessage(buf, 1, &v1).ok());
}

TEST_CASE("JoinGroup member metadata bytes keep embedded zero bytes") {
  JoinGroupRequest req;
  req.group_id = "g";
  req.rebalance_timeout_ms = 5;
  req.protocols.push_back({"range", Bytes{std::string("\0\1\0\2", 4)}});
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeMessage(req, 5, &w);
  JoinGroupRequest dec;
  REQUIRE(DecodeMessage(buf, 5, &dec).ok());
  REQUIRE(dec.protocols.size() == 1);
  CHECK(dec.protocols[0].metadata.data == std::string("\0\1\0\2", 4));
  CHECK(dec.rebalance_timeout_ms == 5);
  JoinGroupRequest v0;
  std::vector<uint8_t> b0;
  Writer w0(&b0);
  EncodeMessage(req, 0, &w0);
  REQUIRE(DecodeMessage(b0, 0, &v0).ok());
  CHECK(v0.rebalance_timeout_ms == -1);  // v0 has none: the coordinator uses the session's
}

TEST_CASE("AlterConfigs v0-1 round trip") {
  CheckApi<AlterConfigsRequest, AlterConfigsResponse>(0, 1);
}
TEST_CASE("IncrementalAlterConfigs v0 round trip") {
  CheckApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(0, 0);
}
TEST_CASE("DeleteRecords v0-1 round trip") {
  CheckApi<DeleteRecordsRequest, DeleteRecordsResponse>(0, 1);
}

TEST_CASE("OffsetForLeaderEpoch v2-4 round trip") {
  CheckApi<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(2, 4);
}

TEST_CASE("every registry entry has message structs tested above") {
  // The table and the test list must not drift apart: every key served is one of these.
  std::vector<int16_t> tested = {kProduce,
                                 kFetch,
                                 kListOffsets,
                                 kMetadata,
                                 kApiVersions,
                                 kCreateTopics,
                                 kDeleteTopics,
                                 kDescribeConfigs,
                                 kCreatePartitions,
                                 kOffsetCommit,
                                 kOffsetFetch,
                                 kFindCoordinator,
                                 kJoinGroup,
                                 kHeartbeat,
                                 kLeaveGroup,
                                 kSyncGroup,
                                 kDescribeGroups,
                                 kListGroups,
                                 kDeleteGroups,
                                 kAlterConfigs,
                                 kIncrementalAlterConfigs,
                                 kDeleteRecords,
                                 kOffsetForLeaderEpoch};
  for (const ApiEntry& e : ApiTable()) {
    CAPTURE(e.name);
    CHECK(std::find(tested.begin(), tested.end(), e.key) != tested.end());
  }
  CHECK(ApiTable().size() == tested.size());
}

TEST_CASE("fields outside a version are filled but absent from its encoding") {
  // Sanity check of the method above: the filler really changes fields v0 lacks, and the
  // renderer notices a change.
  MetadataResponse m;
  FillAll(m);
  std::string absent = VersionRender::Of(m, 0, VersionRender::kAbsent);
  CHECK(absent.find("controller_id=CHANGED") != std::string::npos);
  CHECK(absent.find("offline_replicas=CHANGED") != std::string::npos);
  std::vector<uint8_t> v0, v1;
  Writer w0(&v0), w1(&v1);
  EncodeMessage(m, 0, &w0);
  EncodeMessage(m, 1, &w1);
  CHECK(v1.size() > v0.size());
}

}  // namespace
}  // namespace klog::proto
