// HandleListOffsets (broker/handlers/list_offsets.cpp) driven with decoded
// requests against a broker on a temporary data directory: latest (-1) is
// the high watermark, earliest (-2) the log start, a timestamp finds the
// first record at or after it (with that record's timestamp) or -1/-1, v0
// answers in old_style_offsets, and unknown partitions are
// UNKNOWN_TOPIC_OR_PARTITION.
#include <doctest/doctest.h>

#include <vector>

#include "broker_fixture.h"
#include "klog/log.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleListOffsets;
using klog::broker::handlers::HandleProduce;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
using klog::test::MakeBatch;
using klog::test::ProduceOne;
namespace proto = klog::proto;

namespace {

proto::ListOffsetsPartitionResponse Ask(DirectConnection& c, const std::string& topic,
                                        int32_t partition, int64_t timestamp, int16_t version = 3) {
  proto::ListOffsetsRequest req;
  req.topics.push_back({topic, {{partition, timestamp, 1}}});
  auto resp = c.Call<proto::ListOffsetsResponse>(HandleListOffsets, req, version);
  CHECK(resp.throttle_time_ms == 0);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].name == topic);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  CHECK(resp.topics[0].partitions[0].partition_index == partition);
  return resp.topics[0].partitions[0];
}

// Topic "t": offsets 0-2 at timestamps 1000-1002, offsets 3-4 at 2000-2001.
void Fill(DirectConnection& c) {
  c.f.CreateTopic("t", 1);
  for (const std::vector<uint8_t>& b : {MakeBatch(0, 3, 1000), MakeBatch(3, 2, 2000)}) {
    auto resp = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 0, b), 7);
    REQUIRE(resp.responses[0].partition_responses[0].error_code == proto::kNone);
  }
}

}  // namespace

TEST_CASE("list offsets: latest is the high watermark and earliest the log start") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::ListOffsetsPartitionResponse latest = Ask(c, "t", 0, -1);
  CHECK(latest.error_code == proto::kNone);
  CHECK(latest.offset == 5);
  CHECK(latest.timestamp == -1);
  CHECK(Ask(c, "t", 0, -2).offset == 0);
  // After the log start moves, earliest follows it.
  auto p = f.broker->partitions().Get("t", 0);
  REQUIRE(p.ok());
  bool done = false;
  f.broker->partitions().Maintain(
      "t", 0,
      [](klog::LogWriter* w) {
        klog::RetentionResult result;
        return w->TruncateBefore(3, &result);
      },
      [&done](const klog::Status& s) {
        CHECK(s.ok());
        done = true;
      });
  REQUIRE(f.PumpUntil([&done] { return done; }));
  CHECK(Ask(c, "t", 0, -2).offset == 3);
  CHECK(Ask(c, "t", 0, -1).offset == 5);
}

TEST_CASE("list offsets by timestamp finds the first record at or after it") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::ListOffsetsPartitionResponse exact = Ask(c, "t", 0, 1001);
  CHECK(exact.error_code == proto::kNone);
  CHECK(exact.offset == 1);
  CHECK(exact.timestamp == 1001);
  proto::ListOffsetsPartitionResponse between = Ask(c, "t", 0, 1500);
  CHECK(between.offset == 3);
  CHECK(between.timestamp == 2000);
  CHECK(Ask(c, "t", 0, 0).offset == 0);
}

TEST_CASE("list offsets by a timestamp after every record is offset -1, timestamp -1") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::ListOffsetsPartitionResponse none = Ask(c, "t", 0, 99999);
  CHECK(none.error_code == proto::kNone);
  CHECK(none.offset == -1);
  CHECK(none.timestamp == -1);
}

TEST_CASE("list offsets v0 answers in old_style_offsets") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  CHECK(Ask(c, "t", 0, -1, 0).old_style_offsets == std::vector<int64_t>{5});
  CHECK(Ask(c, "t", 0, -2, 0).old_style_offsets == std::vector<int64_t>{0});
  CHECK(Ask(c, "t", 0, 99999, 0).old_style_offsets.empty());
}

TEST_CASE("list offsets of an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::ListOffsetsPartitionResponse missing = Ask(c, "nope", 0, -1);
  CHECK(missing.error_code == proto::kUnknownTopicOrPartition);
  CHECK(missing.offset == -1);
  CHECK(Ask(c, "t", 1, -2).error_code == proto::kUnknownTopicOrPartition);
}
