// The wire side of the partition layer: the Kafka error code for each Status
// a partition returns (partition_errors.h), and the checks Produce gives its
// appends (produce_check.h): keys required on a compacted topic, the topic's
// max.message.bytes, damaged bytes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../storage/storage_test_util.h"
#include "broker/config.h"
#include "broker/handlers/partition_errors.h"
#include "broker/handlers/produce_check.h"
#include "klog/batch_format.h"
#include "klog/record.h"
#include "klog/topic.h"
#include "proto/errors.h"

using klog::Status;
using klog::broker::handlers::AppendErrorCode;
using klog::broker::handlers::BatchCheckFor;
using klog::broker::handlers::CheckProduceBatches;
using klog::broker::handlers::ReadErrorCode;
namespace proto = klog::proto;

namespace {

// Runs an append check on one whole batch, with its header parsed as a
// BatchList would hold it.
Status RunCheck(const klog::partition::AppendCheck& check, std::span<const uint8_t> batch) {
  klog::BatchHeader header;
  REQUIRE(klog::ParseBatchHeader(batch, &header).ok());
  return check(batch, header, 0);
}

}  // namespace

TEST_CASE(
    "a read's Status maps to NONE, UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE or storage") {
  CHECK(ReadErrorCode(Status::Ok()) == proto::kNone);
  CHECK(ReadErrorCode(Status::NotFound("x")) == proto::kUnknownTopicOrPartition);
  CHECK(ReadErrorCode(Status::InvalidArgument("x")) == proto::kOffsetOutOfRange);
  CHECK(ReadErrorCode(Status::Corruption("x")) == proto::kKafkaStorageError);
  CHECK(ReadErrorCode(Status::IOError("x")) == proto::kKafkaStorageError);
  CHECK(ReadErrorCode(Status::Busy("x")) == proto::kKafkaStorageError);
}

TEST_CASE("an append's Status maps to the Produce error codes") {
  CHECK(AppendErrorCode(Status::Ok()) == proto::kNone);
  CHECK(AppendErrorCode(Status::NotFound("x")) == proto::kUnknownTopicOrPartition);
  CHECK(AppendErrorCode(Status::TooLarge("x")) == proto::kMessageTooLarge);
  CHECK(AppendErrorCode(Status::InvalidArgument("x")) == proto::kInvalidRecord);
  CHECK(AppendErrorCode(Status::Corruption("x")) == proto::kCorruptMessage);
  CHECK(AppendErrorCode(Status::IOError("x")) == proto::kKafkaStorageError);
  CHECK(AppendErrorCode(Status::Unsupported("x")) == proto::kKafkaStorageError);
}

TEST_CASE("the append check requires keys on a compacted topic only") {
  klog::BatchBuilder b;
  b.Reset(1000);
  b.Add(std::nullopt, std::string_view("v"));
  auto keyless = b.Finish();
  REQUIRE(keyless.ok());
  klog::broker::BrokerConfig config;
  klog::TopicInfo plain{"t", 1, {}};
  klog::TopicInfo compacted{"c", 1, {{"cleanup.policy", "compact"}}};
  CHECK(RunCheck(BatchCheckFor(config, plain), *keyless).ok());
  Status refused = RunCheck(BatchCheckFor(config, compacted), *keyless);
  CHECK(refused.code() == Status::Code::kInvalidArgument);
  CHECK(AppendErrorCode(refused) == proto::kInvalidRecord);
}

TEST_CASE("the append check applies max.message.bytes, else the broker's limit, and the CRC") {
  std::vector<uint8_t> batch = klog::test::MakeBatch(0, 10, 1000, 200);  // ~2 KB of records
  klog::broker::BrokerConfig config;
  klog::TopicInfo small{"t", 1, {{"max.message.bytes", "1000"}}};
  klog::TopicInfo plain{"t", 1, {}};
  CHECK(RunCheck(BatchCheckFor(config, small), batch).code() == Status::Code::kTooLarge);
  CHECK(RunCheck(BatchCheckFor(config, plain), batch).ok());
  config.message_max_bytes = 1000;
  CHECK(RunCheck(BatchCheckFor(config, plain), batch).code() == Status::Code::kTooLarge);
  config.message_max_bytes = 1 << 20;
  batch[klog::batch::kCrcPos] ^= 0xff;
  Status damaged = RunCheck(BatchCheckFor(config, plain), batch);
  CHECK(damaged.IsCorruption());
  CHECK(AppendErrorCode(damaged) == proto::kCorruptMessage);
}

TEST_CASE("Produce's framing check names what is wrong with its Kafka code") {
  std::string why;
  std::vector<klog::BatchHeader> headers;
  CHECK(CheckProduceBatches({}, 1 << 20, 7, &headers, &why) == proto::kCorruptMessage);
  CHECK(why == "no record batch");
  std::vector<uint8_t> batch = klog::test::MakeBatch(0, 2, 1000);
  CHECK(CheckProduceBatches(batch, 10, 7, &headers, &why) == proto::kMessageTooLarge);
  std::vector<uint8_t> torn(batch.begin(), batch.end() - 1);
  CHECK(CheckProduceBatches(torn, 1 << 20, 7, &headers, &why) == proto::kCorruptMessage);
  // The headers of sound batches come back, one per batch, for the append.
  std::vector<uint8_t> more = klog::test::MakeBatch(0, 3, 2000);
  batch.insert(batch.end(), more.begin(), more.end());
  headers.clear();
  CHECK(CheckProduceBatches(batch, 1 << 20, 7, &headers, &why) == proto::kNone);
  REQUIRE(headers.size() == 2);
  CHECK(headers[0].records_count == 2);
  CHECK(headers[1].records_count == 3);
  CHECK(headers[0].size() + headers[1].size() == int64_t(batch.size()));
}
