// ListOffsets (key 2), v0-3 (flexible from 6). Fields: Appendix A. Timestamp -1 asks for the
// latest offset, -2 for the earliest (§4.8).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct ListOffsetsPartition {
  int32_t partition_index = 0;
  int64_t timestamp = -1;
  int32_t max_num_offsets = 1;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("timestamp", timestamp);
    v("max_num_offsets", max_num_offsets, {.to = 0});
  }
};

struct ListOffsetsTopic {
  std::string name;
  std::vector<ListOffsetsPartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

struct ListOffsetsRequest {
  static constexpr int16_t kApiKey = 2;
  static constexpr bool kIsRequest = true;
  int32_t replica_id = -1;
  int8_t isolation_level = 0;
  std::vector<ListOffsetsTopic> topics;

  template <class V>
  void Fields(V& v) {
    v("replica_id", replica_id);
    v("isolation_level", isolation_level, {.from = 2});
    v("topics", topics);
  }
};

struct ListOffsetsPartitionResponse {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  std::vector<int64_t> old_style_offsets;  // v0 only
  int64_t timestamp = -1;
  int64_t offset = -1;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("error_code", error_code);
    v("old_style_offsets", old_style_offsets, {.to = 0});
    v("timestamp", timestamp, {.from = 1});
    v("offset", offset, {.from = 1});
  }
};

struct ListOffsetsTopicResponse {
  std::string name;
  std::vector<ListOffsetsPartitionResponse> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

struct ListOffsetsResponse {
  static constexpr int16_t kApiKey = 2;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<ListOffsetsTopicResponse> topics;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 2});
    v("topics", topics);
  }
};

}  // namespace klog::proto
