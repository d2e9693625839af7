// DeleteRecords (key 21), v0-1 (flexible from 2). Fields from Kafka's
// DeleteRecordsRequest.json; v1 is v0 with throttling semantics only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct DeleteRecordsPartition {
  int32_t partition_index = 0;
  int64_t offset = 0;  // -1: the high watermark

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("offset", offset);
  }
};

struct DeleteRecordsTopic {
  std::string name;
  std::vector<DeleteRecordsPartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

struct DeleteRecordsRequest {
  static constexpr int16_t kApiKey = 21;
  static constexpr bool kIsRequest = true;
  std::vector<DeleteRecordsTopic> topics;
  int32_t timeout_ms = 0;

  template <class V>
  void Fields(V& v) {
    v("topics", topics);
    v("timeout_ms", timeout_ms);
  }
};

struct DeleteRecordsPartitionResult {
  int32_t partition_index = 0;
  int64_t low_watermark = -1;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("low_watermark", low_watermark);
    v("error_code", error_code);
  }
};

struct DeleteRecordsTopicResult {
  std::string name;
  std::vector<DeleteRecordsPartitionResult> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

struct DeleteRecordsResponse {
  static constexpr int16_t kApiKey = 21;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<DeleteRecordsTopicResult> topics;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms);
    v("topics", topics);
  }
};

}  // namespace klog::proto
