// The client against a real broker: klog-serve's Server on its own thread
// (../broker/broker_fixture.h), the client on the test's loop. Metadata learns node ids,
// raw batches go in with Produce and come back byte for byte from Fetch (only the fields
// the broker stamps differ), and the versions negotiated are the highest both support.
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "../broker/broker_fixture.h"
#include "client/client.h"
#include "client_test_util.h"
#include "klog/record.h"

namespace client = klog::client;
namespace proto = klog::proto;
using klog::Status;
using klog::test::MakeBatch;
using klog::test::RunningServer;
using klog::test::TestLoop;

namespace {

// Runs one call and returns its outcome.
template <class Resp, class Start>
std::pair<Status, client::Reply<Resp>> Await(TestLoop& loop, Start start) {
  std::optional<std::pair<Status, client::Reply<Resp>>> out;
  Status s =
      start([&](Status st, client::Reply<Resp> r) { out.emplace(std::move(st), std::move(r)); });
  REQUIRE_MESSAGE(s.ok(), s.message());
  REQUIRE(loop.RunUntil([&] { return out.has_value(); }, 10000));
  return std::move(*out);
}

std::vector<uint8_t> Produced(std::vector<uint8_t> batch, std::span<const uint8_t> fetched) {
  klog::BatchHeader h;
  REQUIRE(klog::ParseBatchHeader(fetched, &h).ok());
  klog::StampBatch(batch, h.base_offset, h.leader_epoch);
  return batch;
}

}  // namespace

TEST_CASE("against klog-serve: metadata, produce raw batches, fetch them back byte for byte") {
  RunningServer server;
  TestLoop loop;
  client::ClientOptions o;
  o.bootstrap = {"127.0.0.1:" + std::to_string(server.f.server->bound().port)};
  auto created = client::Client::Create(loop.get(), o);
  REQUIRE(created.ok());
  client::Client& c = **created;

  proto::MetadataRequest mreq;
  mreq.topics.emplace();
  mreq.topics->push_back({"orders"});
  auto [ms, meta] = Await<proto::MetadataResponse>(
      loop, [&](auto cb) { return c.Metadata(client::kAnyBroker, mreq, cb); });
  REQUIRE_MESSAGE(ms.ok(), ms.message());
  REQUIRE(meta.body.brokers.size() == 1);
  CHECK(c.node_ids() == std::vector<int32_t>{0});

  std::vector<uint8_t> first = MakeBatch(0, 3, 1000);
  std::vector<uint8_t> second = MakeBatch(0, 2, 2000);
  for (const auto* batch : {&first, &second}) {
    proto::ProduceRequest preq = klog::test::ProduceOne("orders", 0, *batch, -1);
    auto [ps, pr] =
        Await<proto::ProduceResponse>(loop, [&](auto cb) { return c.Produce(0, preq, cb); });
    REQUIRE_MESSAGE(ps.ok(), ps.message());
    CHECK(pr.body.responses.at(0).partition_responses.at(0).error_code == 0);
  }

  proto::FetchRequest freq;
  freq.topics.push_back({"orders", {{0, -1, 0, -1, 1 << 20}}});
  auto [fs, fr] = Await<proto::FetchResponse>(loop, [&](auto cb) { return c.Fetch(0, freq, cb); });
  REQUIRE_MESSAGE(fs.ok(), fs.message());
  const proto::FetchPartitionData& p = fr.body.responses.at(0).partitions.at(0);
  CHECK(p.error_code == 0);
  CHECK(p.high_watermark == 5);
  std::span<const uint8_t> raw = p.records.bytes;
  REQUIRE(raw.size() == first.size() + second.size());
  std::span<const uint8_t> got1 = raw.subspan(0, first.size());
  std::span<const uint8_t> got2 = raw.subspan(first.size());
  CHECK(Produced(first, got1) == std::vector<uint8_t>(got1.begin(), got1.end()));
  CHECK(Produced(second, got2) == std::vector<uint8_t>(got2.begin(), got2.end()));

  proto::ListOffsetsRequest lreq;
  lreq.topics.push_back({"orders", {{0, -1, 1}}});
  auto [ls, lr] =
      Await<proto::ListOffsetsResponse>(loop, [&](auto cb) { return c.ListOffsets(0, lreq, cb); });
  REQUIRE(ls.ok());
  CHECK(lr.body.topics.at(0).partitions.at(0).offset == 5);

  proto::DescribeConfigsRequest dreq;
  dreq.resources.push_back({2, "orders", std::nullopt});
  auto [ds, dr] = Await<proto::DescribeConfigsResponse>(
      loop, [&](auto cb) { return c.DescribeConfigs(0, dreq, cb); });
  REQUIRE(ds.ok());
  CHECK(dr.body.results.at(0).error_code == 0);
  CHECK(!dr.body.results.at(0).configs.empty());

  const client::Connection* conn = c.link(0)->connection();
  REQUIRE(conn != nullptr);
  CHECK(conn->api_versions_version() == 3);
  CHECK(conn->versions().Pick(proto::kProduce) == 7);
  CHECK(conn->versions().Pick(proto::kFetch) == 12);
  CHECK(conn->versions().Pick(proto::kListOffsets) == 3);
  CHECK(conn->versions().Pick(proto::kMetadata) == 9);
  CHECK(conn->versions().Pick(proto::kDescribeConfigs) == 2);
}

TEST_CASE("against klog-serve: OffsetForLeaderEpoch v4 answers per partition") {
  RunningServer server;
  TestLoop loop;
  client::ClientOptions o;
  o.bootstrap = {"127.0.0.1:" + std::to_string(server.f.server->bound().port)};
  auto created = client::Client::Create(loop.get(), o);
  REQUIRE(created.ok());
  proto::OffsetForLeaderEpochRequest req;
  req.replica_id = -1;
  req.topics.push_back({"orders", {{0, -1, 0}}});
  auto [s, r] = Await<proto::OffsetForLeaderEpochResponse>(
      loop, [&](auto cb) { return (*created)->OffsetForLeaderEpoch(client::kAnyBroker, req, cb); });
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  REQUIRE(r.body.topics.size() == 1);
  REQUIRE(r.body.topics[0].partitions.size() == 1);
  const auto& p = r.body.topics[0].partitions[0];
  CHECK(p.partition == 0);
  // No such topic on a fresh broker: UNKNOWN_TOPIC_OR_PARTITION, in a decoded v4 answer.
  CHECK(p.error_code == 3);
}

TEST_CASE("kAnyBroker: a bootstrap broker that refuses is passed over for the next, from then on") {
  RunningServer server;
  TestLoop loop;
  client::ClientOptions o;
  uint16_t port = server.f.server->bound().port;
  o.bootstrap = {"127.0.0.1:1", "127.0.0.1:" + std::to_string(port)};
  o.reconnect_backoff_ms = 1;
  auto created = client::Client::Create(loop.get(), o);
  REQUIRE(created.ok());
  client::Client& c = **created;
  for (int i = 0; i < 2; i++) {
    auto [ms, meta] = Await<proto::MetadataResponse>(loop, [&](auto cb) {
      return c.Metadata(client::kAnyBroker, proto::MetadataRequest{}, cb);
    });
    REQUIRE_MESSAGE(ms.ok(), ms.message());
    CHECK(c.link(client::kAnyBroker)->address().port == port);
  }

  // Every one refusing: the call fails with the last one's error.
  o.bootstrap = {"127.0.0.1:1", "127.0.0.1:2"};
  auto refused = client::Client::Create(loop.get(), o);
  REQUIRE(refused.ok());
  auto [s, unused] = Await<proto::MetadataResponse>(loop, [&](auto cb) {
    return (*refused)->Metadata(client::kAnyBroker, proto::MetadataRequest{}, cb);
  });
  CHECK(!s.ok());
  CHECK(s.message().find("127.0.0.1:2") != std::string::npos);
}
