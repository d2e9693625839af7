// HandleProduce (broker/handlers/produce.cpp) driven with decoded requests
// against a broker on a temporary data directory: base offsets and log start
// of appends, one error code per refused partition (unknown topic or
// partition, internal topic, bad acks, legacy versions, null records,
// over max.message.bytes, damaged batch), acks=0 answered with nothing.
#include <doctest/doctest.h>

#include <vector>

#include "broker_fixture.h"
#include "klog/batch_format.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleProduce;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
using klog::test::MakeBatch;
using klog::test::ProduceOne;
namespace proto = klog::proto;

namespace {

// The one partition answer of a one-partition Produce.
proto::ProducePartitionResponse ProduceTo(DirectConnection& c, const proto::ProduceRequest& req,
                                          int16_t version = 7) {
  auto resp = c.Call<proto::ProduceResponse>(HandleProduce, req, version);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partition_responses.size() == 1);
  CHECK(resp.responses[0].name == req.topic_data[0].name);
  CHECK(resp.responses[0].partition_responses[0].index ==
        req.topic_data[0].partition_data[0].index);
  CHECK(resp.throttle_time_ms == 0);
  return resp.responses[0].partition_responses[0];
}

}  // namespace

TEST_CASE("produce appends batches and answers their base offsets and the log start") {
  BrokerFixture f;
  f.CreateTopic("t", 2);
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000);
  std::vector<uint8_t> second = MakeBatch(3, 2, 2000);
  proto::ProducePartitionResponse a = ProduceTo(c, ProduceOne("t", 1, first, -1));
  CHECK(a.error_code == proto::kNone);
  CHECK(a.base_offset == 0);
  CHECK(a.log_start_offset == 0);
  CHECK(a.log_append_time_ms == -1);  // CreateTime topic
  proto::ProducePartitionResponse b = ProduceTo(c, ProduceOne("t", 1, second, 1));
  CHECK(b.error_code == proto::kNone);
  CHECK(b.base_offset == 3);
  auto p = f.broker->partitions().Get("t", 1);
  REQUIRE(p.ok());
  CHECK((*p)->high_watermark() == 5);
  // The other partition is untouched.
  CHECK(ProduceTo(c, ProduceOne("t", 0, second)).base_offset == 0);
}

TEST_CASE("produce to an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000);
  proto::ProducePartitionResponse missing = ProduceTo(c, ProduceOne("nope", 0, batch));
  CHECK(missing.error_code == proto::kUnknownTopicOrPartition);
  CHECK(missing.base_offset == -1);
  CHECK(ProduceTo(c, ProduceOne("t", 1, batch)).error_code == proto::kUnknownTopicOrPartition);
  CHECK(ProduceTo(c, ProduceOne("t", -1, batch)).error_code == proto::kUnknownTopicOrPartition);
}

TEST_CASE("produce to the internal topic or an invalid name is INVALID_TOPIC_EXCEPTION") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000);
  CHECK(ProduceTo(c, ProduceOne("__consumer_offsets", 0, batch)).error_code ==
        proto::kInvalidTopicException);
  CHECK(ProduceTo(c, ProduceOne("bad/name", 0, batch)).error_code == proto::kInvalidTopicException);
}

TEST_CASE("produce with acks other than 0, 1, -1 is INVALID_REQUIRED_ACKS and writes nothing") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000);
  CHECK(ProduceTo(c, ProduceOne("t", 0, batch, 2)).error_code == proto::kInvalidRequiredAcks);
  CHECK(ProduceTo(c, ProduceOne("t", 0, batch, 1)).base_offset == 0);
}

TEST_CASE("produce v0-2 (legacy message format) is UNSUPPORTED_VERSION per partition") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000);
  proto::ProducePartitionResponse r = ProduceTo(c, ProduceOne("t", 0, batch), 2);
  CHECK(r.error_code == proto::kUnsupportedVersion);
  CHECK(ProduceTo(c, ProduceOne("t", 0, batch), 3).base_offset == 0);
}

TEST_CASE("produce with null, damaged or oversized records names the error") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  f.CreateTopic("small", 1, {{"max.message.bytes", "100"}});
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 5, 1000, 50);
  proto::ProduceRequest null_records = ProduceOne("t", 0, {});
  null_records.topic_data[0].partition_data[0].records.is_null = true;
  CHECK(ProduceTo(c, null_records).error_code == proto::kCorruptMessage);
  CHECK(ProduceTo(c, ProduceOne("small", 0, batch)).error_code == proto::kMessageTooLarge);
  std::vector<uint8_t> damaged = batch;
  damaged[klog::batch::kCrcPos] ^= 0xff;
  CHECK(ProduceTo(c, ProduceOne("t", 0, damaged)).error_code == proto::kCorruptMessage);
  std::vector<uint8_t> torn(batch.begin(), batch.end() - 1);
  CHECK(ProduceTo(c, ProduceOne("t", 0, torn)).error_code == proto::kCorruptMessage);
  // None of them was written.
  CHECK(ProduceTo(c, ProduceOne("t", 0, batch)).base_offset == 0);
}

TEST_CASE("produce answers each partition of a mixed request on its own") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 2, 1000);
  proto::ProduceRequest req = ProduceOne("t", 0, batch);
  req.topic_data.push_back(ProduceOne("missing", 0, batch).topic_data[0]);
  req.topic_data[0].partition_data.push_back({5, {batch, false}});
  auto resp = c.Call<proto::ProduceResponse>(HandleProduce, req, 7);
  REQUIRE(resp.responses.size() == 2);
  REQUIRE(resp.responses[0].partition_responses.size() == 2);
  CHECK(resp.responses[0].partition_responses[0].error_code == proto::kNone);
  CHECK(resp.responses[0].partition_responses[1].index == 5);
  CHECK(resp.responses[0].partition_responses[1].error_code == proto::kUnknownTopicOrPartition);
  CHECK(resp.responses[1].name == "missing");
  CHECK(resp.responses[1].partition_responses[0].error_code == proto::kUnknownTopicOrPartition);
}

TEST_CASE("produce with acks=0 appends but sends no response") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 4, 1000);
  c.Start(HandleProduce, ProduceOne("t", 0, batch, 0), 7, 1);
  c.Start(HandleProduce, ProduceOne("t", 0, batch, 1), 7, 2);
  // The next frame is the answer to the second request: the first had none.
  auto resp = c.Receive<proto::ProduceResponse>(7, 2);
  CHECK(resp.responses[0].partition_responses[0].base_offset == 4);
  CHECK(c.Silent());
}
