// The checks of Produce (and of the broker's own appends to
// __consumer_offsets): the framing of a partition's records, on the loop
// thread before they are queued, and every batch whole, records included,
// in the append job (Partition::Append's AppendCheck).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "broker/config.h"
#include "klog/record.h"
#include "klog/topic.h"
#include "partition/partition.h"

namespace klog::broker::handlers {

// Checks the records of one partition of a Produce request before they are
// queued: whole batches, magic 2, sane lengths, a record count that fits
// the last offset delta (and is not 0), each batch no larger than
// `max_batch_bytes`, and no zstd before Produce v7. Returns a Kafka error
// code (0 = fine) and sets *why. Appends each batch's parsed header to
// *headers, which then hold the records' BatchList headers (klog/batch_list.h):
// the only parse of the headers on the way to disk.
int16_t CheckProduceBatches(std::span<const uint8_t> records, int64_t max_batch_bytes,
                            int16_t produce_version, std::vector<BatchHeader>* headers,
                            std::string* why);

// The check of every batch appended to a partition of `topic`: BatchChecker
// (klog/batch_check.h: CRC, header rules and every record, decompressed
// within the topic's max.message.bytes, or the broker's message_max_bytes),
// with keys required if the topic is compacted. Its Status says what is
// wrong (Corruption: damaged bytes; InvalidArgument: a rule broken;
// TooLarge: records over the limit once decompressed); AppendErrorCode
// (partition_errors.h) maps it. Safe on any thread: each thread reuses
// its own checker.
partition::AppendCheck BatchCheckFor(const BrokerConfig& config, const TopicInfo& topic);

}  // namespace klog::broker::handlers
