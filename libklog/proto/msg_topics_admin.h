// Topic administration: CreateTopics (key 19, v0-4), DeleteTopics (key 20, v0-3) and
// CreatePartitions (key 37, v0-1). None of these versions is flexible. Fields: Appendix A.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct CreatableReplicaAssignment {
  int32_t partition_index = 0;
  std::vector<int32_t> broker_ids;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("broker_ids", broker_ids);
  }
};

struct CreatableTopicConfig {
  std::string name;
  std::optional<std::string> value;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("value", value, {.nullable_from = 0});
  }
};

// num_partitions / replication_factor are -1 when the broker default applies.
struct CreatableTopic {
  std::string name;
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
  std::vector<CreatableReplicaAssignment> assignments;
  std::vector<CreatableTopicConfig> configs;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("num_partitions", num_partitions);
    v("replication_factor", replication_factor);
    v("assignments", assignments);
    v("configs", configs);
  }
};

struct CreateTopicsRequest {
  static constexpr int16_t kApiKey = 19;
  static constexpr bool kIsRequest = true;
  std::vector<CreatableTopic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;

  template <class V>
  void Fields(V& v) {
    v("topics", topics);
    v("timeout_ms", timeout_ms);
    v("validate_only", validate_only, {.from = 1});
  }
};

struct CreatableTopicResult {
  std::string name;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("error_code", error_code);
    v("error_message", error_message, {.from = 1, .nullable_from = 1});
  }
};

struct CreateTopicsResponse {
  static constexpr int16_t kApiKey = 19;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<CreatableTopicResult> topics;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 2});
    v("topics", topics);
  }
};

struct DeleteTopicsRequest {
  static constexpr int16_t kApiKey = 20;
  static constexpr bool kIsRequest = true;
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 60000;

  template <class V>
  void Fields(V& v) {
    v("topic_names", topic_names);
    v("timeout_ms", timeout_ms);
  }
};

struct DeletableTopicResult {
  std::string name;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("error_code", error_code);
  }
};

struct DeleteTopicsResponse {
  static constexpr int16_t kApiKey = 20;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<DeletableTopicResult> responses;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("responses", responses);
  }
};

struct CreatePartitionsAssignment {
  std::vector<int32_t> broker_ids;

  template <class V>
  void Fields(V& v) {
    v("broker_ids", broker_ids);
  }
};

struct CreatePartitionsTopic {
  std::string name;
  int32_t count = 0;  // the new total number of partitions
  std::optional<std::vector<CreatePartitionsAssignment>> assignments;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("count", count);
    v("assignments", assignments, {.nullable_from = 0});
  }
};

struct CreatePartitionsRequest {
  static constexpr int16_t kApiKey = 37;
  static constexpr bool kIsRequest = true;
  std::vector<CreatePartitionsTopic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;

  template <class V>
  void Fields(V& v) {
    v("topics", topics);
    v("timeout_ms", timeout_ms);
    v("validate_only", validate_only);
  }
};

struct CreatePartitionsTopicResult {
  std::string name;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("error_code", error_code);
    v("error_message", error_message, {.nullable_from = 0});
  }
};

struct CreatePartitionsResponse {
  static constexpr int16_t kApiKey = 37;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<CreatePartitionsTopicResult> results;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms);
    v("results", results);
  }
};

}  // namespace klog::proto
