// The API versions this client speaks, and the choice of one version per API
// for a broker from its ApiVersions answer: the highest version both sides
// support (kafka-protocol.md §1). No I/O.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "proto/msg_api_versions.h"

namespace klog::client {

struct ClientApi {
  int16_t key;
  const char* name;
  int16_t min_version;
  int16_t max_version;
  int16_t flexible_from;  // first flexible version (may be above max_version)
};

// Every API the client sends, sorted by key.
std::span<const ClientApi> ClientApis();
// The entry for `key`, or nullptr.
const ClientApi* FindClientApi(int16_t key);
// "Fetch", or "api key N" for a key the client does not send.
std::string ApiName(int16_t key);
// True when `version` of `key` uses the flexible encoding (request header v2, compact
// types, tagged fields); false for a key the client does not know.
bool IsFlexibleVersion(int16_t key, int16_t version);
// The response header of `version` of `key` has a tagged-field section: flexible
// versions, except ApiVersions.
bool HasTaggedResponseHeader(int16_t key, int16_t version);

// The ApiVersions version to try first, and the one to fall back to when a broker answers
// it with UNSUPPORTED_VERSION (then its answer is encoded as v0).
inline constexpr int16_t kApiVersionsFirst = 3;
inline constexpr int16_t kApiVersionsFallback = 0;

// The versions negotiated with one broker: for each client API, the highest version in both
// the client's range and the broker's, or none.
class ApiVersionMap {
 public:
  ApiVersionMap() = default;
  static ApiVersionMap FromResponse(const proto::ApiVersionsResponse& resp);

  // The version to use for `key`, or -1 when the broker and the client share none.
  int16_t Pick(int16_t key) const;
  // "Fetch v4-11 (broker: v0-3)" style text for an error when Pick() is -1.
  std::string Describe(int16_t key) const;

 private:
  struct Range {
    int16_t min;
    int16_t max;
  };
  std::map<int16_t, Range> broker_;  // what the broker advertised, per key
};

}  // namespace klog::client
