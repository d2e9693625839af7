// Produce (key 0), v0-7. Appendix A lists v3-7 (RecordBatch v2); v0-2 have the same layout
// without transactional_id, and their records are a legacy MessageSet that klog refuses
// (UNSUPPORTED_VERSION per partition, see api.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct ProducePartitionData {
  int32_t index = 0;
  Records records;  // a view into the request frame

  template <class V>
  void Fields(V& v) {
    v("index", index);
    v("records", records, {.nullable_from = 0});
  }
};

struct ProduceTopicData {
  std::string name;
  std::vector<ProducePartitionData> partition_data;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partition_data", partition_data);
  }
};

// acks: 0 means the broker sends no response at all (§2.4); 1 and -1 (all) get one.
struct ProduceRequest {
  static constexpr int16_t kApiKey = 0;
  static constexpr bool kIsRequest = true;
  std::optional<std::string> transactional_id;
  int16_t acks = -1;
  int32_t timeout_ms = 0;
  std::vector<ProduceTopicData> topic_data;

  template <class V>
  void Fields(V& v) {
    v("transactional_id", transactional_id, {.from = 3, .nullable_from = 3});
    v("acks", acks);
    v("timeout_ms", timeout_ms);
    v("topic_data", topic_data);
  }
};

struct ProducePartitionResponse {
  int32_t index = 0;
  int16_t error_code = 0;
  int64_t base_offset = -1;
  int64_t log_append_time_ms = -1;
  int64_t log_start_offset = -1;

  template <class V>
  void Fields(V& v) {
    v("index", index);
    v("error_code", error_code);
    v("base_offset", base_offset);
    v("log_append_time_ms", log_append_time_ms, {.from = 2});
    v("log_start_offset", log_start_offset, {.from = 5});
  }
};

struct ProduceTopicResponse {
  std::string name;
  std::vector<ProducePartitionResponse> partition_responses;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partition_responses", partition_responses);
  }
};

// throttle_time_ms is the LAST field of the Produce response (§2.4).
struct ProduceResponse {
  static constexpr int16_t kApiKey = 0;
  static constexpr bool kIsRequest = false;
  std::vector<ProduceTopicResponse> responses;
  int32_t throttle_time_ms = 0;

  template <class V>
  void Fields(V& v) {
    v("responses", responses);
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
  }
};

}  // namespace klog::proto
