#include "broker/handlers/partition_errors.h"

#include "proto/errors.h"

namespace klog::broker::handlers {

int16_t ReadErrorCode(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return proto::kNone;
    case Status::Code::kNotFound:
      return proto::kUnknownTopicOrPartition;
    case Status::Code::kInvalidArgument:
      return proto::kOffsetOutOfRange;
    default:
      return proto::kKafkaStorageError;
  }
}

int16_t AppendErrorCode(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk:
      return proto::kNone;
    case Status::Code::kNotFound:
      return proto::kUnknownTopicOrPartition;
    case Status::Code::kTooLarge:
      return proto::kMessageTooLarge;
    case Status::Code::kInvalidArgument:
      return proto::kInvalidRecord;
    case Status::Code::kCorruption:
      return proto::kCorruptMessage;
    default:
      return proto::kKafkaStorageError;
  }
}

int16_t LeaderEpochErrorCode(int32_t requested, int32_t current) {
  if (requested < 0) return proto::kNone;
  if (requested < current) return proto::kFencedLeaderEpoch;
  if (requested > current) return proto::kUnknownLeaderEpoch;
  return proto::kNone;
}

}  // namespace klog::broker::handlers
