// ApiVersions (key 18), v0-3; v3 is flexible. Fields: kafka-protocol.md Appendix A.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct ApiVersionsRequest {
  static constexpr int16_t kApiKey = 18;
  static constexpr bool kIsRequest = true;
  std::string client_software_name;
  std::string client_software_version;

  template <class V>
  void Fields(V& v) {
    v("client_software_name", client_software_name, {.from = 3});
    v("client_software_version", client_software_version, {.from = 3});
  }
};

struct ApiVersionsKey {
  int16_t api_key = 0;
  int16_t min_version = 0;
  int16_t max_version = 0;

  template <class V>
  void Fields(V& v) {
    v("api_key", api_key);
    v("min_version", min_version);
    v("max_version", max_version);
  }
};

// The optional v3 tagged fields (supported/finalized features) are never sent.
struct ApiVersionsResponse {
  static constexpr int16_t kApiKey = 18;
  static constexpr bool kIsRequest = false;
  int16_t error_code = 0;
  std::vector<ApiVersionsKey> api_keys;
  int32_t throttle_time_ms = 0;

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("api_keys", api_keys);
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
  }
};

}  // namespace klog::proto
