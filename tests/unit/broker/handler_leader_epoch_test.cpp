// Leader epochs through the handlers (issue 11, the server side): Fetch's
// current_leader_epoch fencing (FENCED_LEADER_EPOCH 74 below the
// partition's epoch, UNKNOWN_LEADER_EPOCH 75 above) and v12's
// DivergingEpoch; OffsetForLeaderEpoch for a known epoch, an uncached one,
// one above the latest, one below the first entry and an unknown
// partition; Metadata v7+ leader_epoch, never lower than before; and the
// ApiVersions ranges, with Produce from 0 for librdkafka only.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "broker_fixture.h"
#include "klog/batch_format.h"
#include "klog/coding.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleApiVersions;
using klog::broker::handlers::HandleFetch;
using klog::broker::handlers::HandleMetadata;
using klog::broker::handlers::HandleOffsetForLeaderEpoch;
using klog::broker::handlers::HandleProduce;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
using klog::test::MakeBatch;
using klog::test::ProduceOne;
namespace proto = klog::proto;

namespace {

void Produce(DirectConnection& c, int count) {
  auto resp =
      c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 0, MakeBatch(0, count, 1)), 7);
  REQUIRE(resp.responses[0].partition_responses[0].error_code == proto::kNone);
}

void SetEpoch(BrokerFixture& f, int32_t epoch) {
  bool done = false;
  klog::Status result;
  f.broker->partitions().Maintain(
      "t", 0, [epoch](klog::LogWriter* w) { return w->SetLeaderEpoch(epoch); },
      [&](const klog::Status& s) {
        result = s;
        done = true;
      });
  REQUIRE(f.PumpUntil([&] { return done; }));
  REQUIRE(result.ok());
}

// Topic "t", one partition: epoch 0 at offset 0 (3 records), epoch 3 at 3
// (2 records), epoch 5 at 5 (1 record); the log ends at 6.
void ThreeEpochs(BrokerFixture& f, DirectConnection& c) {
  f.CreateTopic("t", 1);
  Produce(c, 3);
  SetEpoch(f, 3);
  Produce(c, 2);
  SetEpoch(f, 5);
  Produce(c, 1);
}

proto::FetchRequest FetchAt(int64_t offset, int32_t current_epoch, int32_t last_fetched = -1) {
  proto::FetchRequest req;
  proto::FetchPartition p;
  p.partition = 0;
  p.current_leader_epoch = current_epoch;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  p.last_fetched_epoch = last_fetched;
  req.topics.push_back({"t", {p}});
  return req;
}

const proto::FetchPartitionData& Only(const proto::FetchResponse& resp) {
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  return resp.responses[0].partitions[0];
}

proto::EpochEndOffsetData AskEpoch(DirectConnection& c, const std::string& topic, int32_t partition,
                                   int32_t epoch, int32_t current = -1, int16_t version = 4) {
  proto::OffsetForLeaderEpochRequest req;
  req.replica_id = -1;
  req.topics.push_back({topic, {{partition, current, epoch}}});
  auto resp = c.Call<proto::OffsetForLeaderEpochResponse>(HandleOffsetForLeaderEpoch, req, version);
  REQUIRE(resp.topics.size() == 1);
  REQUIRE(resp.topics[0].partitions.size() == 1);
  CHECK(resp.topics[0].topic == topic);
  CHECK(resp.topics[0].partitions[0].partition == partition);
  return resp.topics[0].partitions[0];
}

}  // namespace

TEST_CASE("fetch with a stale current_leader_epoch is FENCED_LEADER_EPOCH, a newer one UNKNOWN") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  for (int16_t v : {9, 11, 12}) {
    CAPTURE(v);
    const auto stale = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(0, 3), v));
    CHECK(stale.error_code == proto::kFencedLeaderEpoch);
    CHECK(stale.records.bytes.empty());
    CHECK(stale.high_watermark == -1);
    const auto ahead = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(0, 6), v));
    CHECK(ahead.error_code == proto::kUnknownLeaderEpoch);
    CHECK(ahead.records.bytes.empty());
    for (int32_t ok_epoch : {5, -1}) {
      const auto good = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(0, ok_epoch), v));
      CHECK(good.error_code == proto::kNone);
      CHECK(good.high_watermark == 6);
      CHECK(!good.records.bytes.empty());
    }
  }
}

TEST_CASE("fetch v12 stamps new batches with the partition's epoch and serves them") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  const auto p = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(5, 5, 5), 12));
  REQUIRE(p.records.bytes.size() > klog::batch::kLeaderEpochPos + 4);
  CHECK(klog::GetBE32(p.records.bytes.data() + klog::batch::kLeaderEpochPos) == 5);
  CHECK(!p.diverging_epoch.has_value());
}

TEST_CASE("fetch v12: a last_fetched_epoch that ended below the fetch offset diverges") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  // Epoch 3 ended at 5 here; a fetcher at 6 that last saw epoch 3 has a
  // batch this log does not.
  const auto past = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(6, -1, 3), 12));
  CHECK(past.error_code == proto::kNone);
  REQUIRE(past.diverging_epoch.has_value());
  CHECK(past.diverging_epoch->epoch == 3);
  CHECK(past.diverging_epoch->end_offset == 5);
  CHECK(past.records.bytes.empty());
  CHECK(past.high_watermark == 6);
  // Epoch 4 was never this log's: the largest epoch below it is 3, ending at 5.
  const auto unknown = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(4, 5, 4), 12));
  REQUIRE(unknown.diverging_epoch.has_value());
  CHECK(unknown.diverging_epoch->epoch == 3);
  CHECK(unknown.diverging_epoch->end_offset == 5);
  // Within its epoch: no divergence, the records are served.
  const auto fine = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(3, 5, 3), 12));
  CHECK(!fine.diverging_epoch.has_value());
  CHECK(!fine.records.bytes.empty());
  const auto at_end = Only(c.Call<proto::FetchResponse>(HandleFetch, FetchAt(5, 5, 3), 12));
  CHECK(!at_end.diverging_epoch.has_value());
}

TEST_CASE("offset for leader epoch: the latest ends at the log end, older ones at the next start") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  for (int16_t v : {2, 3, 4}) {
    CAPTURE(v);
    auto latest = AskEpoch(c, "t", 0, 5, -1, v);
    CHECK(latest.error_code == proto::kNone);
    CHECK(latest.leader_epoch == 5);
    CHECK(latest.end_offset == 6);
    auto older = AskEpoch(c, "t", 0, 3, 5, v);
    CHECK(older.error_code == proto::kNone);
    CHECK(older.leader_epoch == 3);
    CHECK(older.end_offset == 5);
    auto uncached = AskEpoch(c, "t", 0, 4, -1, v);
    CHECK(uncached.leader_epoch == 3);
    CHECK(uncached.end_offset == 5);
    auto first = AskEpoch(c, "t", 0, 0, -1, v);
    CHECK(first.leader_epoch == 0);
    CHECK(first.end_offset == 3);
  }
}

TEST_CASE("offset for leader epoch: above the latest is undefined, with no error") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  auto above = AskEpoch(c, "t", 0, 7);
  CHECK(above.error_code == proto::kNone);
  CHECK(above.leader_epoch == -1);
  CHECK(above.end_offset == -1);
}

TEST_CASE("offset for leader epoch: an epoch below the first entry ends at its start") {
  BrokerFixture f;
  DirectConnection c(f);
  f.CreateTopic("t", 1);
  SetEpoch(f, 2);
  Produce(c, 4);
  auto below = AskEpoch(c, "t", 0, 1);
  CHECK(below.error_code == proto::kNone);
  CHECK(below.leader_epoch == 1);
  CHECK(below.end_offset == 0);
  auto latest = AskEpoch(c, "t", 0, 2);
  CHECK(latest.leader_epoch == 2);
  CHECK(latest.end_offset == 4);
}

TEST_CASE("offset for leader epoch: fencing, and unknown topics and partitions") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  CHECK(AskEpoch(c, "t", 0, 3, 4).error_code == proto::kFencedLeaderEpoch);
  CHECK(AskEpoch(c, "t", 0, 3, 6).error_code == proto::kUnknownLeaderEpoch);
  auto no_partition = AskEpoch(c, "t", 1, 3);
  CHECK(no_partition.error_code == proto::kUnknownTopicOrPartition);
  CHECK(no_partition.leader_epoch == -1);
  CHECK(no_partition.end_offset == -1);
  CHECK(AskEpoch(c, "nope", 0, 3).error_code == proto::kUnknownTopicOrPartition);
}

TEST_CASE("metadata v7+ publishes each partition's leader epoch, never a lower one") {
  BrokerFixture f;
  DirectConnection c(f);
  ThreeEpochs(f, c);
  proto::MetadataRequest req;
  req.topics.emplace();
  req.topics->push_back({"t"});
  for (int16_t v : {7, 8, 9}) {
    CAPTURE(v);
    auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, req, v);
    REQUIRE(resp.topics.size() == 1);
    REQUIRE(resp.topics[0].partitions.size() == 1);
    CHECK(resp.topics[0].partitions[0].leader_epoch == 5);
    CHECK(resp.topics[0].topic_authorized_operations == proto::kAuthorizedOperationsOmitted);
  }
  SetEpoch(f, 2);  // the writer goes back (a test-only move): Metadata does not
  auto resp = c.Call<proto::MetadataResponse>(HandleMetadata, req, 9);
  CHECK(resp.topics[0].partitions[0].leader_epoch == 5);
}

namespace {

proto::ApiVersionsKey Range(const proto::ApiVersionsResponse& resp, int16_t key) {
  auto it = std::find_if(resp.api_keys.begin(), resp.api_keys.end(),
                         [&](const proto::ApiVersionsKey& k) { return k.api_key == key; });
  REQUIRE(it != resp.api_keys.end());
  return *it;
}

proto::ApiVersionsResponse AskVersions(DirectConnection& c, const std::string& name,
                                       const std::string& version, int16_t api_version = 3) {
  proto::ApiVersionsRequest req;
  req.client_software_name = name;
  req.client_software_version = version;
  auto resp = c.Call<proto::ApiVersionsResponse>(HandleApiVersions, req, api_version);
  CHECK(resp.error_code == proto::kNone);
  return resp;
}

}  // namespace

TEST_CASE("api versions advertises what is served: Produce from v3, Fetch 12, Metadata 9") {
  BrokerFixture f;
  DirectConnection c(f);
  for (auto resp : {AskVersions(c, "kafka-go", "0.4"), AskVersions(c, "", "", 2)}) {
    CHECK(Range(resp, proto::kProduce).min_version == 3);
    CHECK(Range(resp, proto::kProduce).max_version == 7);
    CHECK(Range(resp, proto::kFetch).min_version == 4);
    CHECK(Range(resp, proto::kFetch).max_version == 12);
    CHECK(Range(resp, proto::kMetadata).max_version == 9);
    CHECK(Range(resp, proto::kOffsetForLeaderEpoch).min_version == 2);
    CHECK(Range(resp, proto::kOffsetForLeaderEpoch).max_version == 4);
  }
}

TEST_CASE("api versions tells librdkafka Produce 0-7, or it would not compress") {
  BrokerFixture f;
  DirectConnection c(f);
  for (auto resp : {AskVersions(c, "librdkafka", "2.0.2"),
                    AskVersions(c, "confluent-kafka-python", "1.7.0-rdkafka-2.0.2")}) {
    CHECK(Range(resp, proto::kProduce).min_version == 0);
    CHECK(Range(resp, proto::kProduce).max_version == 7);
    CHECK(Range(resp, proto::kFetch).max_version == 12);
  }
}
