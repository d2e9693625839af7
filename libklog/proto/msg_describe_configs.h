// DescribeConfigs (key 32), v0-2 (flexible from 4). Fields: Appendix A. resource_type 2 is a
// topic, 4 a broker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct DescribeConfigsResource {
  int8_t resource_type = 0;
  std::string resource_name;
  std::optional<std::vector<std::string>> configuration_keys;  // null: all keys

  template <class V>
  void Fields(V& v) {
    v("resource_type", resource_type);
    v("resource_name", resource_name);
    v("configuration_keys", configuration_keys, {.nullable_from = 0});
  }
};

struct DescribeConfigsRequest {
  static constexpr int16_t kApiKey = 32;
  static constexpr bool kIsRequest = true;
  std::vector<DescribeConfigsResource> resources;
  bool include_synonyms = false;

  template <class V>
  void Fields(V& v) {
    v("resources", resources);
    v("include_synonyms", include_synonyms, {.from = 1});
  }
};

struct DescribeConfigsSynonym {
  std::string name;
  std::optional<std::string> value;
  int8_t source = 0;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("value", value, {.nullable_from = 0});
    v("source", source);
  }
};

struct DescribeConfigsEntry {
  std::string name;
  std::optional<std::string> value;
  bool read_only = false;
  bool is_default = false;  // v0 only; v1+ use config_source
  int8_t config_source = -1;
  bool is_sensitive = false;
  std::vector<DescribeConfigsSynonym> synonyms;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("value", value, {.nullable_from = 0});
    v("read_only", read_only);
    v("is_default", is_default, {.to = 0});
    v("config_source", config_source, {.from = 1});
    v("is_sensitive", is_sensitive);
    v("synonyms", synonyms, {.from = 1});
  }
};

struct DescribeConfigsResult {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;
  std::vector<DescribeConfigsEntry> configs;

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("error_message", error_message, {.nullable_from = 0});
    v("resource_type", resource_type);
    v("resource_name", resource_name);
    v("configs", configs);
  }
};

struct DescribeConfigsResponse {
  static constexpr int16_t kApiKey = 32;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<DescribeConfigsResult> results;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms);
    v("results", results);
  }
};

}  // namespace klog::proto
