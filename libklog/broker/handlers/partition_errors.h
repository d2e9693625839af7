// The Kafka error codes for the Status values of the partition layer
// (partition/partition.h, partition/partitions.h): the wire's view of what
// happened to a partition, in one place for every handler.
#pragma once

#include <cstdint>

#include "klog/status.h"

namespace klog::broker::handlers {

// For reads, offsets and maintenance (Fetch, ListOffsets, DeleteRecords):
// ok -> NONE; NotFound -> UNKNOWN_TOPIC_OR_PARTITION; InvalidArgument (an
// offset out of range) -> OFFSET_OUT_OF_RANGE; anything else (the files) ->
// KAFKA_STORAGE_ERROR.
int16_t ReadErrorCode(const Status& s);

// For appends (Produce): ok -> NONE; NotFound -> UNKNOWN_TOPIC_OR_PARTITION;
// TooLarge -> MESSAGE_TOO_LARGE; InvalidArgument (a rule broken) ->
// INVALID_RECORD; Corruption (damaged bytes) -> CORRUPT_MESSAGE; anything
// else -> KAFKA_STORAGE_ERROR.
int16_t AppendErrorCode(const Status& s);

// Leader epoch fencing (KIP-320) of a request that names the epoch it
// believes current (Fetch v9+, OffsetForLeaderEpoch v2+): -1 is not
// checked -> NONE; below the partition's `current` -> FENCED_LEADER_EPOCH
// (the client is behind); above it -> UNKNOWN_LEADER_EPOCH (this broker is
// behind; the client retries).
int16_t LeaderEpochErrorCode(int32_t requested, int32_t current);

}  // namespace klog::broker::handlers
