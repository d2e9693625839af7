// HandleFetch (broker/handlers/fetch.cpp) driven with decoded requests
// against a broker on a temporary data directory: the stored batches
// returned whole from the fetch offset, the offsets a client reads (high
// watermark, last stable offset, log start), the error per partition
// (unknown topic, offset out of range), the byte limits that still return
// one whole batch, and the long poll woken by an append or ended by its
// timeout.
#include <doctest/doctest.h>

#include <poll.h>

#include <chrono>
#include <vector>

#include "broker_fixture.h"
#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/record.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleFetch;
using klog::broker::handlers::HandleProduce;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
using klog::test::MakeBatch;
using klog::test::ProduceOne;
namespace proto = klog::proto;

namespace {

constexpr int16_t kVersion = 11;

proto::FetchRequest FetchOne(const std::string& topic, int32_t partition, int64_t offset,
                             int32_t partition_max_bytes = 1 << 20) {
  proto::FetchRequest req;
  req.topics.push_back({topic, {{partition, -1, offset, -1, partition_max_bytes, -1}}});
  return req;
}

const proto::FetchPartitionData& Only(const proto::FetchResponse& resp) {
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  return resp.responses[0].partitions[0];
}

std::vector<uint8_t> Bytes(const proto::FetchPartitionData& p) {
  return std::vector<uint8_t>(p.records.bytes.begin(), p.records.bytes.end());
}

// A topic "t" with one partition holding `batches`, appended in order.
void Fill(DirectConnection& c, const std::vector<std::vector<uint8_t>>& batches) {
  c.f.CreateTopic("t", 1);
  for (const std::vector<uint8_t>& b : batches) {
    auto resp = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 0, b), 7);
    REQUIRE(resp.responses[0].partition_responses[0].error_code == proto::kNone);
  }
}

// `b` as stored at offset `base`: the broker stamps each batch's base offset.
std::vector<uint8_t> At(std::vector<uint8_t> b, int64_t base) {
  klog::PutBE64(b.data() + klog::batch::kBaseOffsetPos, uint64_t(base));
  return b;
}

std::vector<uint8_t> Concat(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  std::vector<uint8_t> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

TEST_CASE("fetch returns the stored batches from the offset, with the partition's offsets") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000);
  std::vector<uint8_t> second = At(MakeBatch(3, 2, 2000), 3);
  Fill(c, {first, second});
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 0), kVersion);
  CHECK(resp.throttle_time_ms == 0);
  CHECK(resp.error_code == proto::kNone);
  CHECK(resp.session_id == 0);
  CHECK(resp.responses[0].topic == "t");
  const proto::FetchPartitionData& p = Only(resp);
  CHECK(p.error_code == proto::kNone);
  CHECK(p.high_watermark == 5);
  CHECK(p.last_stable_offset == 5);
  CHECK(p.log_start_offset == 0);
  CHECK(p.preferred_read_replica == -1);
  REQUIRE(p.aborted_transactions.has_value());
  CHECK(p.aborted_transactions->empty());
  CHECK(Bytes(p) == Concat(first, second));
  // An offset inside the second batch starts with that whole batch.
  auto later = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 4), kVersion);
  CHECK(Bytes(Only(later)) == second);
}

TEST_CASE("fetch at the log end returns no records and is not an error") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c, {MakeBatch(0, 2, 1000)});
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 2), kVersion);
  CHECK(Only(resp).error_code == proto::kNone);
  CHECK(Only(resp).records.bytes.empty());
  CHECK(!Only(resp).records.is_null);
  CHECK(Only(resp).high_watermark == 2);
}

TEST_CASE("fetch past the log end is OFFSET_OUT_OF_RANGE with the partition's offsets") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c, {MakeBatch(0, 2, 1000)});
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 50), kVersion);
  CHECK(Only(resp).error_code == proto::kOffsetOutOfRange);
  CHECK(Only(resp).records.bytes.empty());
  CHECK(Only(resp).high_watermark == 2);
  CHECK(Only(resp).log_start_offset == 0);
}

TEST_CASE("fetch from an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, offsets -1") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c, {MakeBatch(0, 2, 1000)});
  for (auto [topic, partition] : {std::pair<std::string, int32_t>{"nope", 0}, {"t", 3}}) {
    CAPTURE(topic);
    auto resp = c.Call<proto::FetchResponse>(HandleFetch, FetchOne(topic, partition, 0), kVersion);
    CHECK(Only(resp).error_code == proto::kUnknownTopicOrPartition);
    CHECK(Only(resp).high_watermark == -1);
    CHECK(Only(resp).log_start_offset == -1);
  }
}

TEST_CASE("partition_max_bytes smaller than the first batch still returns that whole batch") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000, 100);
  std::vector<uint8_t> second = At(MakeBatch(3, 3, 2000, 100), 3);
  Fill(c, {first, second});
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 0, 10), kVersion);
  CHECK(Only(resp).error_code == proto::kNone);
  CHECK(Bytes(Only(resp)) == first);  // one batch whole, never a part of one, nor two
}

TEST_CASE("max_bytes smaller than the first batch returns one whole batch, then nothing more") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000, 100);
  std::vector<uint8_t> second = At(MakeBatch(3, 3, 2000, 100), 3);
  Fill(c, {first, second});
  proto::FetchRequest req = FetchOne("t", 0, 0);
  req.topics[0].partitions.push_back({0, -1, 3, -1, 1 << 20});  // the same partition again
  req.max_bytes = 10;
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, req, kVersion);
  REQUIRE(resp.responses[0].partitions.size() == 2);
  CHECK(Bytes(resp.responses[0].partitions[0]) == first);
  CHECK(resp.responses[0].partitions[1].error_code == proto::kNone);
  CHECK(resp.responses[0].partitions[1].records.bytes.empty());  // the budget is spent
  // With room for both, the second entry gets its own copy of the second batch.
  req.max_bytes = 1 << 20;
  auto both = c.Call<proto::FetchResponse>(HandleFetch, req, kVersion);
  CHECK(Bytes(both.responses[0].partitions[0]) == Concat(first, second));
  CHECK(Bytes(both.responses[0].partitions[1]) == second);
}

TEST_CASE("a long-poll fetch is answered by the append that gives it min_bytes") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c, {});
  proto::FetchRequest req = FetchOne("t", 0, 0);
  req.min_bytes = 1;
  req.max_wait_ms = 10000;
  c.Start(HandleFetch, req, kVersion, 1);
  CHECK(c.Silent(30));  // waiting
  std::vector<uint8_t> batch = MakeBatch(0, 2, 1000);
  c.Start(HandleProduce, ProduceOne("t", 0, batch), 7, 2);
  auto start = std::chrono::steady_clock::now();
  auto fetched = c.Receive<proto::FetchResponse>(kVersion, 1);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(Bytes(Only(fetched)) == batch);
  CHECK(Only(fetched).high_watermark == 2);
  auto produced = c.Receive<proto::ProduceResponse>(7, 2);
  CHECK(produced.responses[0].partition_responses[0].base_offset == 0);
}

TEST_CASE("a long-poll fetch with nothing to read answers empty when max_wait_ms ends") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c, {});
  proto::FetchRequest req = FetchOne("t", 0, 0);
  req.min_bytes = 1;
  req.max_wait_ms = 100;
  auto start = std::chrono::steady_clock::now();
  c.Start(HandleFetch, req, kVersion, 1);
  auto resp = c.Receive<proto::FetchResponse>(kVersion, 1);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(90));
  CHECK(Only(resp).error_code == proto::kNone);
  CHECK(Only(resp).records.bytes.empty());
  CHECK(Only(resp).high_watermark == 0);
}

TEST_CASE("a long-poll fetch with an erroring partition answers at once") {
  BrokerFixture f;
  DirectConnection c(f);
  Fill(c, {});
  proto::FetchRequest req = FetchOne("t", 0, 0);
  req.topics.push_back({"nope", {{0, -1, 0, -1, 1 << 20, -1}}});
  req.min_bytes = 1;
  req.max_wait_ms = 10000;
  auto start = std::chrono::steady_clock::now();
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, req, kVersion);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(resp.responses.size() == 2);
  CHECK(resp.responses[1].partitions[0].error_code == proto::kUnknownTopicOrPartition);
}

TEST_CASE("fetch limits of zero still return the first partition's first batch whole") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000);
  Fill(c, {first, MakeBatch(3, 2, 2000)});
  proto::FetchRequest req = FetchOne("t", 0, 0, 0);
  req.max_bytes = 0;
  auto resp = c.Call<proto::FetchResponse>(HandleFetch, req, kVersion);
  CHECK(Only(resp).error_code == proto::kNone);
  CHECK(Bytes(Only(resp)) == first);
}

TEST_CASE("fetch before v10 of a zstd batch is UNSUPPORTED_COMPRESSION_TYPE, v10 returns it") {
  BrokerFixture f;
  DirectConnection c(f);
  klog::BatchBuilder b;
  b.Reset(1000);
  for (int i = 0; i < 20; ++i) b.Add(std::string_view("k"), std::string_view("compressible"));
  auto zstd = b.Finish(klog::Compression::kZstd);
  REQUIRE(zstd.ok());
  std::vector<uint8_t> batch(zstd->begin(), zstd->end());
  Fill(c, {batch});
  auto old = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 0), 9);
  CHECK(Only(old).error_code == proto::kUnsupportedCompressionType);
  CHECK(Only(old).records.bytes.empty());
  auto v10 = c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 0), 10);
  CHECK(Only(v10).error_code == proto::kNone);
  CHECK(Bytes(Only(v10)) == batch);
}

TEST_CASE(
    "a fetch with records to read is read on the pool: nothing is sent before the loop runs") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> batch = MakeBatch(0, 3, 1000);
  Fill(c, {batch});
  c.Start(HandleFetch, FetchOne("t", 0, 0), kVersion, 1);
  // Read straight from the socket, without running the loop: an answer
  // built on the loop thread would be written already.
  pollfd pfd{c.client, POLLIN, 0};
  CHECK(poll(&pfd, 1, 50) == 0);
  auto resp = c.Receive<proto::FetchResponse>(kVersion, 1);
  CHECK(Bytes(Only(resp)) == batch);
  // A fetch at the high watermark has nothing to read: answered on the loop
  // thread at once.
  c.Start(HandleFetch, FetchOne("t", 0, 3), kVersion, 2);
  CHECK(poll(&pfd, 1, 5000) == 1);
  CHECK(Only(c.Receive<proto::FetchResponse>(kVersion, 2)).records.bytes.empty());
}

TEST_CASE("fetches of one partition at once each get their batches, and so do appends meanwhile") {
  BrokerFixture f;
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000);
  std::vector<uint8_t> second = At(MakeBatch(3, 2, 2000), 3);
  Fill(c, {first});
  // Three fetches before the loop runs: their reads are out on the pool at
  // the same time, each through a reader of its own.
  c.Start(HandleFetch, FetchOne("t", 0, 0), kVersion, 1);
  c.Start(HandleFetch, FetchOne("t", 0, 0), kVersion, 2);
  proto::FetchRequest waiting = FetchOne("t", 0, 3);
  waiting.min_bytes = 1;
  waiting.max_wait_ms = 10000;
  c.Start(HandleFetch, waiting, kVersion, 3);
  c.Start(HandleProduce, ProduceOne("t", 0, second), 7, 4);
  CHECK(Bytes(Only(c.Receive<proto::FetchResponse>(kVersion, 1))) == first);
  CHECK(Bytes(Only(c.Receive<proto::FetchResponse>(kVersion, 2))) == first);
  auto woken = c.Receive<proto::FetchResponse>(kVersion, 3);
  CHECK(Bytes(Only(woken)) == second);
  CHECK(Only(woken).high_watermark == 5);
  c.Receive<proto::ProduceResponse>(7, 4);
  // The readers came back and follow the log: a fetch of all of it.
  CHECK(Bytes(Only(c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 0), kVersion))) ==
        Concat(first, second));
}

TEST_CASE("a fetch of only what the last small append wrote is answered on the loop thread") {
  BrokerFixture f({}, /*exclusive=*/true);  // a directory others append to is re-listed
  DirectConnection c(f);
  std::vector<uint8_t> first = MakeBatch(0, 3, 1000);
  std::vector<uint8_t> second = At(MakeBatch(3, 2, 2000), 3);
  f.CreateTopic("t", 1);
  bool loaded = false;  // the broker owns the directory: its cache must learn of "t"
  f.broker->partitions().Preload("t", [&](const klog::Status& s) { loaded = s.ok(); });
  REQUIRE(f.PumpUntil([&] { return loaded; }));
  auto filled = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 0, first), 7);
  REQUIRE(filled.responses[0].partition_responses[0].error_code == proto::kNone);
  // A first read on the pool leaves a reader at offset 3.
  CHECK(Bytes(Only(c.Call<proto::FetchResponse>(HandleFetch, FetchOne("t", 0, 0), kVersion))) ==
        first);
  auto produced = c.Call<proto::ProduceResponse>(HandleProduce, ProduceOne("t", 0, second), 7);
  REQUIRE(produced.responses[0].partition_responses[0].error_code == proto::kNone);
  c.Start(HandleFetch, FetchOne("t", 0, 3), kVersion, 2);
  pollfd pfd{c.client, POLLIN, 0};
  CHECK(poll(&pfd, 1, 5000) == 1);  // written before the loop runs again
  CHECK(Bytes(Only(c.Receive<proto::FetchResponse>(kVersion, 2))) == second);
  // A fetch from further back goes to the pool.
  c.Start(HandleFetch, FetchOne("t", 0, 0), kVersion, 3);
  CHECK(poll(&pfd, 1, 50) == 0);
  CHECK(Bytes(Only(c.Receive<proto::FetchResponse>(kVersion, 3))) == Concat(first, second));
}
