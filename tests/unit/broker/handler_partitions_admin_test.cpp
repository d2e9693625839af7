// HandleCreatePartitions and HandleDeleteRecords
// (broker/handlers/create_partitions.cpp, delete_records.cpp) driven with
// decoded requests against a broker on a temporary data directory: a topic
// grown to more partitions, seen by Metadata and writable at once; every
// refusal with its error code (same or lower count, unknown, internal or
// repeated topic, a wrong assignment) and validate_only growing nothing. The
// log start moved by DeleteRecords, as ListOffsets and Fetch then report it;
// -1 meaning the high watermark; offsets out of range and unknown partitions.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "broker_fixture.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleCreatePartitions;
using klog::broker::handlers::HandleDeleteRecords;
using klog::broker::handlers::HandleFetch;
using klog::broker::handlers::HandleListOffsets;
using klog::broker::handlers::HandleMetadata;
using klog::broker::handlers::HandleProduce;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
using klog::test::MakeBatch;
using klog::test::ProduceOne;
namespace proto = klog::proto;

namespace {

proto::CreatePartitionsTopic Grow(const std::string& name, int32_t count) {
  proto::CreatePartitionsTopic t;
  t.name = name;
  t.count = count;
  return t;
}

proto::CreatePartitionsResponse CreatePartitions(DirectConnection& c,
                                                 std::vector<proto::CreatePartitionsTopic> topics,
                                                 bool validate_only = false) {
  proto::CreatePartitionsRequest req;
  req.topics = std::move(topics);
  req.validate_only = validate_only;
  auto resp = c.Call<proto::CreatePartitionsResponse>(HandleCreatePartitions, req, 1);
  CHECK(resp.throttle_time_ms == 0);
  REQUIRE(resp.results.size() == req.topics.size());
  for (size_t i = 0; i < req.topics.size(); ++i) CHECK(resp.results[i].name == req.topics[i].name);
  return resp;
}

int16_t GrowOne(DirectConnection& c, proto::CreatePartitionsTopic t, bool validate_only = false) {
  return CreatePartitions(c, {std::move(t)}, validate_only).results[0].error_code;
}

// The partition count Metadata v6 reports for `topic` (never auto-created).
size_t MetadataPartitions(DirectConnection& c, const std::string& topic) {
  proto::MetadataRequest req;
  req.topics.emplace();
  req.topics->push_back({topic});
  req.allow_auto_topic_creation = false;
  auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, req, 6);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].error_code == proto::kNone);
  return resp.topics[0].partitions.size();
}

int32_t Stored(BrokerFixture& f, const std::string& topic) {
  auto info = f.broker->data_dir().DescribeTopic(topic);
  REQUIRE(info.ok());
  return info->partitions;
}

int16_t ProduceTo(DirectConnection& c, const std::string& topic, int32_t partition,
                  const std::vector<uint8_t>& batch) {
  auto resp = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne(topic, partition, batch), 7);
  return resp.responses[0].partition_responses[0].error_code;
}

// Topic "t", one partition: offsets 0-2, 3-4 and 5-6 in three batches.
void Fill(DirectConnection& c) {
  c.f.CreateTopic("t", 1);
  for (const std::vector<uint8_t>& b :
       {MakeBatch(0, 3, 1000), MakeBatch(3, 2, 2000), MakeBatch(5, 2, 3000)}) {
    REQUIRE(ProduceTo(c, "t", 0, b) == proto::kNone);
  }
}

proto::DeleteRecordsPartitionResult DeleteBefore(DirectConnection& c, const std::string& topic,
                                                 int32_t partition, int64_t offset) {
  proto::DeleteRecordsRequest req;
  req.topics.push_back({topic, {{partition, offset}}});
  req.timeout_ms = 1000;
  auto resp = c.Call<proto::DeleteRecordsResponse>(HandleDeleteRecords, req, 1);
  CHECK(resp.throttle_time_ms == 0);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].name == topic);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  CHECK(resp.topics[0].partitions[0].partition_index == partition);
  return resp.topics[0].partitions[0];
}

// ListOffsets v3 of `timestamp` (-1 latest, -2 earliest) for partition 0 of "t".
int64_t ListedOffset(DirectConnection& c, int64_t timestamp) {
  proto::ListOffsetsRequest req;
  req.topics.push_back({"t", {{0, timestamp, 1}}});
  auto resp = c.Call<proto::ListOffsetsResponse>(HandleListOffsets, req, 3);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  REQUIRE(resp.topics[0].partitions[0].error_code == proto::kNone);
  return resp.topics[0].partitions[0].offset;
}

proto::FetchPartitionData FetchAt(DirectConnection& c, int64_t offset) {
  proto::FetchRequest req;
  req.topics.push_back({"t", {{0, -1, offset, -1, 1 << 20, -1}}});
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, req, 11);
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  return resp.responses[0].partitions[0];
}

}  // namespace

TEST_CASE("create partitions grows a topic: stored, in Metadata and writable at once") {
  BrokerFixture f;
  f.broker->SetBoundAddress({"127.0.0.1", 9999});
  f.CreateTopic("t", 2);
  DirectConnection c(f);
  CHECK(MetadataPartitions(c, "t") == 2);  // cached before the grow
  CHECK(ProduceTo(c, "t", 4, MakeBatch(0, 1, 1000)) == proto::kUnknownTopicOrPartition);
  auto resp = CreatePartitions(c, {Grow("t", 5)});
  CHECK(resp.results[0].error_code == proto::kNone);
  CHECK(!resp.results[0].error_message.has_value());
  CHECK(Stored(f, "t") == 5);
  CHECK(MetadataPartitions(c, "t") == 5);
  CHECK(ProduceTo(c, "t", 4, MakeBatch(0, 1, 1000)) == proto::kNone);
}

TEST_CASE("create partitions: the same or a lower count is INVALID_PARTITIONS") {
  BrokerFixture f;
  f.CreateTopic("t", 3);
  DirectConnection c(f);
  CHECK(GrowOne(c, Grow("t", 3)) == proto::kInvalidPartitions);
  CHECK(GrowOne(c, Grow("t", 2)) == proto::kInvalidPartitions);
  CHECK(GrowOne(c, Grow("t", 0)) == proto::kInvalidPartitions);
  CHECK(Stored(f, "t") == 3);
}

TEST_CASE("create partitions: unknown topic, internal topic, a topic named twice") {
  BrokerFixture f;
  f.CreateTopic("t", 1);
  f.CreateTopic("__consumer_offsets", 1, {{"cleanup.policy", "compact"}});
  DirectConnection c(f);
  CHECK(GrowOne(c, Grow("nope", 2)) == proto::kUnknownTopicOrPartition);
  CHECK(GrowOne(c, Grow("__consumer_offsets", 2)) == proto::kInvalidTopicException);
  CHECK(Stored(f, "__consumer_offsets") == 1);
  auto twice = CreatePartitions(c, {Grow("t", 2), Grow("t", 3)});
  CHECK(twice.results[0].error_code == proto::kInvalidRequest);
  CHECK(twice.results[1].error_code == proto::kInvalidRequest);
  CHECK(Stored(f, "t") == 1);
  CHECK(!f.broker->data_dir().DescribeTopic("nope").ok());
}

TEST_CASE("create partitions: an assignment must give [this node] to each new partition") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.node_id = 4; });
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  proto::CreatePartitionsTopic short_list = Grow("t", 3);
  short_list.assignments = std::vector<proto::CreatePartitionsAssignment>{{{4}}};
  CHECK(GrowOne(c, short_list) == proto::kInvalidReplicaAssignment);
  proto::CreatePartitionsTopic elsewhere = Grow("t", 2);
  elsewhere.assignments = std::vector<proto::CreatePartitionsAssignment>{{{1}}};
  CHECK(GrowOne(c, elsewhere) == proto::kInvalidReplicaAssignment);
  CHECK(Stored(f, "t") == 1);
  proto::CreatePartitionsTopic good = Grow("t", 3);
  good.assignments = std::vector<proto::CreatePartitionsAssignment>{{{4}}, {{4}}};
  CHECK(GrowOne(c, good) == proto::kNone);
  CHECK(Stored(f, "t") == 3);
}

TEST_CASE("create partitions with validate_only checks everything and grows nothing") {
  BrokerFixture f;
  f.CreateTopic("t", 2);
  DirectConnection c(f);
  auto resp = CreatePartitions(c, {Grow("t", 4), Grow("nope", 2)}, true);
  CHECK(resp.results[0].error_code == proto::kNone);
  CHECK(resp.results[1].error_code == proto::kUnknownTopicOrPartition);
  CHECK(GrowOne(c, Grow("t", 1), true) == proto::kInvalidPartitions);
  CHECK(Stored(f, "t") == 2);
  CHECK(ProduceTo(c, "t", 3, MakeBatch(0, 1, 1000)) == proto::kUnknownTopicOrPartition);
}

TEST_CASE("delete records moves the log start: ListOffsets and Fetch follow it") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::DeleteRecordsPartitionResult r = DeleteBefore(c, "t", 0, 3);
  CHECK(r.error_code == proto::kNone);
  CHECK(r.low_watermark == 3);
  CHECK(ListedOffset(c, -2) == 3);
  CHECK(ListedOffset(c, -1) == 7);
  proto::FetchPartitionData below = FetchAt(c, 2);
  CHECK(below.error_code == proto::kOffsetOutOfRange);
  CHECK(below.records.bytes.empty());
  CHECK(below.log_start_offset == 3);
  proto::FetchPartitionData at = FetchAt(c, 3);
  CHECK(at.error_code == proto::kNone);
  CHECK(at.log_start_offset == 3);
  CHECK(!at.records.bytes.empty());
  // Deleting below the log start again leaves it where it is.
  CHECK(DeleteBefore(c, "t", 0, 1).low_watermark == 3);
  CHECK(ListedOffset(c, -2) == 3);
}

TEST_CASE("delete records inside a batch: the log start is that offset") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::DeleteRecordsPartitionResult r = DeleteBefore(c, "t", 0, 4);
  CHECK(r.error_code == proto::kNone);
  CHECK(r.low_watermark == 4);
  CHECK(ListedOffset(c, -2) == 4);
  CHECK(FetchAt(c, 3).error_code == proto::kOffsetOutOfRange);
  CHECK(FetchAt(c, 4).error_code == proto::kNone);
}

TEST_CASE("delete records: -1 is the high watermark, above it OFFSET_OUT_OF_RANGE") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::DeleteRecordsPartitionResult beyond = DeleteBefore(c, "t", 0, 8);
  CHECK(beyond.error_code == proto::kOffsetOutOfRange);
  CHECK(beyond.low_watermark == -1);
  CHECK(DeleteBefore(c, "t", 0, -5).error_code == proto::kOffsetOutOfRange);
  CHECK(ListedOffset(c, -2) == 0);  // nothing moved
  proto::DeleteRecordsPartitionResult all = DeleteBefore(c, "t", 0, -1);
  CHECK(all.error_code == proto::kNone);
  CHECK(all.low_watermark == 7);
  CHECK(ListedOffset(c, -2) == 7);
  CHECK(ListedOffset(c, -1) == 7);
  CHECK(FetchAt(c, 6).error_code == proto::kOffsetOutOfRange);
  // The log goes on from the high watermark.
  CHECK(ProduceTo(c, "t", 0, MakeBatch(0, 1, 4000)) == proto::kNone);
  CHECK(ListedOffset(c, -1) == 8);
}

TEST_CASE("delete records: unknown topic or partition, internal topic") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  f.CreateTopic("__consumer_offsets", 1, {{"cleanup.policy", "compact"}});
  CHECK(DeleteBefore(c, "nope", 0, 0).error_code == proto::kUnknownTopicOrPartition);
  CHECK(DeleteBefore(c, "t", 1, 0).error_code == proto::kUnknownTopicOrPartition);
  CHECK(DeleteBefore(c, "t", -1, 0).error_code == proto::kUnknownTopicOrPartition);
  CHECK(DeleteBefore(c, "__consumer_offsets", 0, -1).error_code == proto::kInvalidTopicException);
  CHECK(ListedOffset(c, -2) == 0);
}

TEST_CASE("delete records answers every partition of one request, in order") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c);
  proto::DeleteRecordsRequest req;
  req.topics.push_back({"t", {{0, 2}, {5, 0}}});
  req.topics.push_back({"nope", {{0, 0}}});
  auto resp = c.Call<proto::DeleteRecordsResponse>(HandleDeleteRecords, req, 0);
  REQUIRE(resp.topics.size() == 2);
  REQUIRE(resp.topics[0].partitions.size() == 2);
  CHECK(resp.topics[0].partitions[0].partition_index == 0);
  CHECK(resp.topics[0].partitions[0].error_code == proto::kNone);
  CHECK(resp.topics[0].partitions[0].low_watermark == 2);
  CHECK(resp.topics[0].partitions[1].partition_index == 5);
  CHECK(resp.topics[0].partitions[1].error_code == proto::kUnknownTopicOrPartition);
  CHECK(resp.topics[1].name == "nope");
  CHECK(resp.topics[1].partitions[0].error_code == proto::kUnknownTopicOrPartition);
  CHECK(ListedOffset(c, -2) == 2);
}
