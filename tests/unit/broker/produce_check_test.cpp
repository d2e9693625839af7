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
#include "protocol/errors.h"

using klog::Status;
using klog::broker::AppendErrorCode;
using klog::broker::BatchCheckFor;
using klog::broker::CheckProduceBatches;
using klog::broker::ReadErrorCode;
namespace proto = klog::proto;

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
  CHECK(BatchCheckFor(config, plain)(*keyless, 0).ok());
  Status refused = BatchCheckFor(config, compacted)(*keyless, 0);
  CHECK(refused.code() == Status::Code::kInvalidArgument);
  CHECK(AppendErrorCode(refused) == proto::kInvalidRecord);
}

TEST_CASE("the append check applies max.message.bytes, else the broker's limit, and the CRC") {
  std::vector<uint8_t> batch = klog::test::MakeBatch(0, 10, 1000, 200);  // ~2 KB of records
  klog::broker::BrokerConfig config;
  klog::TopicInfo small{"t", 1, {{"max.message.bytes", "1000"}}};
  klog::TopicInfo plain{"t", 1, {}};
  CHECK(BatchCheckFor(config, small)(batch, 0).code() == Status::Code::kTooLarge);
  CHECK(BatchCheckFor(config, plain)(batch, 0).ok());
  config.message_max_bytes = 1000;
  CHECK(BatchCheckFor(config, plain)(batch, 0).code() == Status::Code::kTooLarge);
  config.message_max_bytes = 1 << 20;
  batch[klog::batch::kCrcPos] ^= 0xff;
  Status damaged = BatchCheckFor(config, plain)(batch, 0);
  CHECK(damaged.IsCorruption());
  CHECK(AppendErrorCode(damaged) == proto::kCorruptMessage);
}

TEST_CASE("Produce's framing check names what is wrong with its Kafka code") {
  std::string why;
  CHECK(CheckProduceBatches({}, 1 << 20, 7, &why) == proto::kCorruptMessage);
  CHECK(why == "no record batch");
  std::vector<uint8_t> batch = klog::test::MakeBatch(0, 2, 1000);
  CHECK(CheckProduceBatches(batch, 1 << 20, 7, &why) == proto::kNone);
  CHECK(CheckProduceBatches(batch, 10, 7, &why) == proto::kMessageTooLarge);
  std::vector<uint8_t> torn(batch.begin(), batch.end() - 1);
  CHECK(CheckProduceBatches(torn, 1 << 20, 7, &why) == proto::kCorruptMessage);
}
