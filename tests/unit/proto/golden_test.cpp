// Byte-exact checks against kafka-protocol.md Appendix B and hand-computed encodings.
#include <doctest/doctest.h>

#include "proto/api.h"
#include "proto/errors.h"
#include "proto/headers.h"
#include "proto/messages.h"
#include "test_support.h"

namespace klog::proto {
namespace {

using test::Hex;
using test::ToHex;

template <class Msg>
std::string Encoded(const Msg& m, int16_t version) {
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeMessage(m, version, &w);
  return ToHex(buf);
}

std::string Compact(const std::string& hex) { return ToHex(Hex(hex)); }

TEST_CASE("ApiVersions v3 response matches Appendix B byte for byte") {
  const ApiEntry served[] = {{kApiVersions, "ApiVersions", 0, 3, 3},
                             {kMetadata, "Metadata", 0, 6, 9}};
  ApiVersionsResponse resp = BuildApiVersionsResponse(served);
  RequestHeader req;
  req.api_key = kApiVersions;
  req.api_version = 3;
  req.correlation_id = 7;
  std::vector<uint8_t> buf;
  Writer w(&buf);
  size_t start = BeginResponseFrame(&w, req);
  EncodeMessage(resp, 3, &w);
  EndResponseFrame(&w, start);
  CHECK(ToHex(buf) == Compact("0000001a 00000007 0000 03 0012 0000 0003 00 0003 0000 0006 00"
                              "00000000 00"));
}

TEST_CASE("ApiVersions above the served range gets the v0 UNSUPPORTED_VERSION bytes") {
  const ApiEntry api_versions = {kApiVersions, "ApiVersions", 0, 2, 3};
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeApiVersionsUnsupported(7, api_versions, &w);
  CHECK(ToHex(buf) == Compact("00000010 00000007 0023 00000001 0012 0000 0002"));
}

TEST_CASE("the table's own ApiVersions range is used by the short form") {
  std::vector<uint8_t> buf;
  Writer w(&buf);
  EncodeApiVersionsUnsupported(9, &w);
  CHECK(ToHex(buf) == Compact("00000010 00000009 0023 00000001 0012 0000 0003"));
}

TEST_CASE("request header v1 (non-flexible Metadata v4) decodes and leaves the body") {
  auto frame = Hex("0003 0004 0000002a 0007 72646b61666b61  ffffffff 01");
  RequestHeader h;
  std::span<const uint8_t> body;
  REQUIRE(DecodeRequestHeader(frame, &h, &body).ok());
  CHECK(h.api_key == 3);
  CHECK(h.api_version == 4);
  CHECK(h.correlation_id == 42);
  CHECK(h.client_id == "rdkafka");
  CHECK(!h.client_id_null);
  CHECK(body.size() == 5);
  MetadataRequest req;
  REQUIRE(DecodeMessage(body, 4, &req).ok());
  CHECK(!req.topics.has_value());
  CHECK(req.allow_auto_topic_creation);
}

TEST_CASE("request header v2 (ApiVersions v3) skips tagged fields, client_id stays int16") {
  // Header tags: one field, tag 5, two bytes. Body: compact strings "librdkafka", "2.0.2".
  auto frame =
      Hex("0012 0003 00000001 0007 72646b61666b61 01 05 02 aabb"
          "0b 6c696272646b61666b61 06 322e302e32 00");
  RequestHeader h;
  std::span<const uint8_t> body;
  REQUIRE(DecodeRequestHeader(frame, &h, &body).ok());
  CHECK(h.api_key == 18);
  CHECK(h.api_version == 3);
  CHECK(h.correlation_id == 1);
  CHECK(h.client_id == "rdkafka");
  ApiVersionsRequest req;
  REQUIRE(DecodeMessage(body, 3, &req).ok());
  CHECK(req.client_software_name == "librdkafka");
  CHECK(req.client_software_version == "2.0.2");
}

TEST_CASE("null client_id and truncated header") {
  auto frame = Hex("0003 0000 00000005 ffff 00000000");
  RequestHeader h;
  std::span<const uint8_t> body;
  REQUIRE(DecodeRequestHeader(frame, &h, &body).ok());
  CHECK(h.client_id_null);
  CHECK(h.client_id.empty());
  auto shortframe = Hex("0003 0000 0000");
  Status s = DecodeRequestHeader(shortframe, &h, &body);
  CHECK(!s.ok());
  CHECK(s.message().rfind("request header: ", 0) == 0);
}

TEST_CASE("response header is v0 for ApiVersions even when flexible, v1 otherwise") {
  CHECK(ResponseHeaderVersion(kApiVersions, 3) == 0);
  CHECK(ResponseHeaderVersion(kMetadata, 6) == 0);
  CHECK(ResponseHeaderVersion(kProduce, 9) == 1);
  RequestHeader req;
  req.api_key = kProduce;
  req.api_version = 9;
  req.correlation_id = 3;
  std::vector<uint8_t> buf;
  Writer w(&buf);
  size_t start = BeginResponseFrame(&w, req);
  EndResponseFrame(&w, start);
  CHECK(ToHex(buf) == Compact("00000005 00000003 00"));
}

MetadataResponse SmallMetadata() {
  MetadataResponse m;
  m.brokers.push_back({1, "h", 9092, std::nullopt});
  m.cluster_id = "c";
  m.controller_id = 1;
  MetadataTopic t;
  t.name = "t";
  t.partitions.push_back({0, 0, 1, {1}, {1}, {}, -1});
  m.topics.push_back(t);
  return m;
}

TEST_CASE("Metadata response v0, v1 and v4 match hand-computed bytes") {
  MetadataResponse m = SmallMetadata();
  const std::string partition = "0000 00000000 00000001 00000001 00000001 00000001 00000001";
  CHECK(Encoded(m, 0) == Compact("00000001 00000001 0001 68 00002384"
                                 "00000001 0000 0001 74 00000001" +
                                 partition));
  CHECK(Encoded(m, 1) == Compact("00000001 00000001 0001 68 00002384 ffff 00000001"
                                 "00000001 0000 0001 74 00 00000001" +
                                 partition));
  CHECK(Encoded(m, 4) == Compact("00000000 00000001 00000001 0001 68 00002384 ffff 0001 63 00000001"
                                 "00000001 0000 0001 74 00 00000001" +
                                 partition));
  // v5 adds the (empty) offline_replicas array at the end of each partition.
  CHECK(Encoded(m, 5) == Encoded(m, 4) + "00000000");
}

TEST_CASE("Metadata request: v0 has no null topics, v1+ null means all, v4 adds auto-create") {
  MetadataRequest all;
  all.allow_auto_topic_creation = false;
  CHECK(Encoded(all, 0) == "00000000");  // null cannot be sent in v0: empty means all
  CHECK(Encoded(all, 1) == "ffffffff");
  CHECK(Encoded(all, 4) == "ffffffff00");
  MetadataRequest one;
  one.topics.emplace().push_back({"t"});
  CHECK(Encoded(one, 0) == Compact("00000001 0001 74"));

  MetadataRequest dec;
  Status s = DecodeMessage(Hex("ffffffff"), 0, &dec);
  CHECK(s.message() == "Metadata v0 request: topics: null array in a non-nullable field");
  REQUIRE(DecodeMessage(Hex("ffffffff"), 1, &dec).ok());
  CHECK(!dec.topics.has_value());
}

TEST_CASE("Produce response keeps throttle_time_ms last; Fetch v11 empty partition") {
  ProduceResponse p;
  p.responses.push_back({"t", {{0, 0, 5, -1, 0}}});
  CHECK(Encoded(p, 7) == Compact("00000001 0001 74 00000001 00000000 0000 0000000000000005"
                                 "ffffffffffffffff 0000000000000000 00000000"));
  FetchResponse f;
  FetchTopicResponse t;
  t.topic = "t";
  t.partitions.emplace_back();
  f.responses.push_back(t);
  // records length 0 (never null), aborted_transactions empty, preferred_read_replica -1.
  CHECK(Encoded(f, 11) == Compact("00000000 0000 00000000 00000001 0001 74 00000001"
                                  "00000000 0000 0000000000000000 ffffffffffffffff ffffffffffffffff"
                                  "00000000 ffffffff 00000000"));
}

TEST_CASE("Produce v0 request decodes so v0-2 can be refused per partition") {
  // acks 1, timeout 5000, topic "t", partition 0, a 3-byte MessageSet stand-in.
  auto body = Hex("0001 00001388 00000001 0001 74 00000001 00000000 00000003 aabbcc");
  ProduceRequest req;
  REQUIRE(DecodeMessage(body, 0, &req).ok());
  CHECK(!req.transactional_id.has_value());
  CHECK(req.topic_data[0].partition_data[0].records.bytes.size() == 3);
  ProduceResponse resp;
  resp.responses.push_back({"t", {{0, kUnsupportedVersion, -1, -1, -1}}});
  CHECK(Encoded(resp, 0) == Compact("00000001 0001 74 00000001 00000000 0023 ffffffffffffffff"));
  CHECK(Encoded(resp, 1) == Encoded(resp, 0) + "00000000");
}

TEST_CASE("error names come from Appendix C") {
  CHECK(std::string(ErrorName(kUnsupportedVersion)) == "UNSUPPORTED_VERSION");
  CHECK(std::string(ErrorName(kUnknownTopicOrPartition)) == "UNKNOWN_TOPIC_OR_PARTITION");
  CHECK(std::string(ErrorName(-1)) == "UNKNOWN_SERVER_ERROR");
  CHECK(std::string(ErrorName(4242)) == "UNKNOWN_ERROR_CODE");
}

TEST_CASE("registry: ranges, flexible versions and Produce v0-2 not decodable") {
  const ApiEntry* produce = FindApi(kProduce);
  REQUIRE(produce != nullptr);
  CHECK(produce->min_version == 0);
  CHECK(produce->max_version == 7);
  CHECK(MinDecodableVersion(kProduce) == 3);
  CHECK(MinDecodableVersion(kFetch) == 4);
  CHECK(IsSupported(kFetch, 12));
  CHECK(!IsSupported(kFetch, 13));
  CHECK(IsFlexible(kFetch, 12));
  CHECK(IsFlexible(kMetadata, 9));
  CHECK(!IsFlexible(kMetadata, 8));
  CHECK(IsSupported(kOffsetForLeaderEpoch, 2));
  CHECK(!IsSupported(kOffsetForLeaderEpoch, 1));
  CHECK(IsFlexible(kOffsetForLeaderEpoch, 4));
  CHECK(!IsSupported(kFetch, 3));
  CHECK(!IsSupported(99, 0));
  CHECK(FindApi(99) == nullptr);
  CHECK(IsFlexible(kApiVersions, 3));
  CHECK(!IsFlexible(kApiVersions, 2));
  CHECK(!IsFlexible(99, 50));
  for (const ApiEntry& e : ApiTable()) {
    CAPTURE(e.name);
    CHECK(e.min_version <= e.max_version);
    // Flexible versions are served only where they are needed (§2.3, issue 11).
    bool flexible_ok = e.key == kApiVersions || e.key == kFetch || e.key == kMetadata ||
                       e.key == kOffsetForLeaderEpoch;
    CHECK(e.max_version < e.flexible_from + (flexible_ok ? 1 : 0));
  }
}

}  // namespace
}  // namespace klog::proto
