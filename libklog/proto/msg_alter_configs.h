// AlterConfigs (key 33), v0-1, and IncrementalAlterConfigs (key 44), v0 (both
// flexible from 2 and 1). resource_type 2 is a topic, 4 a broker. Fields
// from Kafka's AlterConfigsRequest.json and IncrementalAlterConfigsRequest.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct AlterConfigsEntry {
  std::string name;
  std::optional<std::string> value;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("value", value, {.nullable_from = 0});
  }
};

struct AlterConfigsResource {
  int8_t resource_type = 0;
  std::string resource_name;
  std::vector<AlterConfigsEntry> configs;

  template <class V>
  void Fields(V& v) {
    v("resource_type", resource_type);
    v("resource_name", resource_name);
    v("configs", configs);
  }
};

struct AlterConfigsRequest {
  static constexpr int16_t kApiKey = 33;
  static constexpr bool kIsRequest = true;
  std::vector<AlterConfigsResource> resources;
  bool validate_only = false;

  template <class V>
  void Fields(V& v) {
    v("resources", resources);
    v("validate_only", validate_only);
  }
};

// One resource's answer; the same in both APIs' responses.
struct AlterConfigsResult {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("error_message", error_message, {.nullable_from = 0});
    v("resource_type", resource_type);
    v("resource_name", resource_name);
  }
};

struct AlterConfigsResponse {
  static constexpr int16_t kApiKey = 33;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<AlterConfigsResult> responses;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms);
    v("responses", responses);
  }
};

// config_operation: 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT.
struct IncrementalAlterConfigsEntry {
  std::string name;
  int8_t config_operation = 0;
  std::optional<std::string> value;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("config_operation", config_operation);
    v("value", value, {.nullable_from = 0});
  }
};

struct IncrementalAlterConfigsResource {
  int8_t resource_type = 0;
  std::string resource_name;
  std::vector<IncrementalAlterConfigsEntry> configs;

  template <class V>
  void Fields(V& v) {
    v("resource_type", resource_type);
    v("resource_name", resource_name);
    v("configs", configs);
  }
};

struct IncrementalAlterConfigsRequest {
  static constexpr int16_t kApiKey = 44;
  static constexpr bool kIsRequest = true;
  std::vector<IncrementalAlterConfigsResource> resources;
  bool validate_only = false;

  template <class V>
  void Fields(V& v) {
    v("resources", resources);
    v("validate_only", validate_only);
  }
};

struct IncrementalAlterConfigsResponse {
  static constexpr int16_t kApiKey = 44;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<AlterConfigsResult> responses;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms);
    v("responses", responses);
  }
};

}  // namespace klog::proto
