// OffsetForLeaderEpoch (key 23), v2-4; v4 is flexible. Fields: Appendix A. A fetcher asks,
// per partition, where `leader_epoch` ended in the leader's log (KIP-101/279), to find
// where its own copy diverged.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct OffsetForLeaderPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;  // fencing, as in Fetch; -1 unchecked
  int32_t leader_epoch = 0;           // the epoch whose end offset is asked for

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
  int32_t replica_id = -2;  // v3+: -1 a consumer, -2 a debugging tool, >= 0 a follower
  std::vector<OffsetForLeaderTopic> topics;

  template <class V>
  void Fields(V& v) {
    v("replica_id", replica_id, {.from = 3});
    v("topics", topics);
  }
};

struct EpochEndOffsetData {
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
  std::vector<EpochEndOffsetData> partitions;

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
