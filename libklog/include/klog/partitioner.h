// Java-compatible key partitioning: toPositive(murmur2(key)) % partitions, as
// the Java client, kafka-python and kafkajs place keyed records.
#pragma once

#include <cstdint>
#include <string_view>

namespace klog {

// Kafka's murmur2 (seed 0x9747b28c), returned as the unsigned 32-bit value.
uint32_t Murmur2(std::string_view key);

// Partition for a non-null key among `partitions` (> 0).
int32_t PartitionForKey(std::string_view key, int32_t partitions);

}  // namespace klog
