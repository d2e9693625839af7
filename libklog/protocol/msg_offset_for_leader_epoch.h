// OffsetForLeaderEpoch (key 23), v2-4 (flexible from 4). For each partition, the end offset
// of the largest leader epoch at or below the asked one (cluster.md §3). ReplicaId is v3+
// (-1 for a consumer, -2 by default).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/schema.h"

namespace klog::proto {

struct OffsetForLeaderPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;
  int32_t leader_epoch = 0;

  template <class V>
  void Fields(V& v) {
    v("partition", partition);
    v("current_leader_epoch", current_leader_epoch, {.from = 2});
    v("leader_epoch", leader_epoch);
  }
};

struct OffsetForLeaderTopic {
  std::string topic;
  std::vector<OffsetForLeaderPartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("topic", topic);
    v("partitions", partitions);
  }
};

struct OffsetForLeaderEpochRequest {
  static constexpr int16_t kApiKey = 23;
  static constexpr bool kIsRequest = true;
  int32_t replica_id = -2;
  std::vector<OffsetForLeaderTopic> topics;

  template <class V>
  void Fields(V& v) {
    v("replica_id", replica_id, {.from = 3});
    v("topics", topics);
  }
};

struct EpochEndOffset {
  int16_t error_code = 0;
  int32_t partition = 0;
  int32_t leader_epoch = -1;
  int64_t end_offset = -1;

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("partition", partition);
    v("leader_epoch", leader_epoch, {.from = 1});
    v("end_offset", end_offset);
  }
};

struct OffsetForLeaderTopicResult {
  std::string topic;
  std::vector<EpochEndOffset> partitions;

  template <class V>
  void Fields(V& v) {
    v("topic", topic);
    v("partitions", partitions);
  }
};

struct OffsetForLeaderEpochResponse {
  static constexpr int16_t kApiKey = 23;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<OffsetForLeaderTopicResult> topics;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 2});
    v("topics", topics);
  }
};

}  // namespace klog::proto
