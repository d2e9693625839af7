#include "client/versions.h"

#include <algorithm>

#include "proto/api.h"

namespace klog::client {

namespace {

// Produce 3+ carries RecordBatch v2; ListOffsets 1+ and Metadata 1+ have the single-offset
// and null-means-all forms; Fetch 4+ has the log start offset and isolation level.
// flexible_from from Kafka's schema files.
constexpr ClientApi kApis[] = {
    {proto::kProduce, "Produce", 3, 7, 9},
    {proto::kFetch, "Fetch", 4, 12, 12},
    {proto::kListOffsets, "ListOffsets", 1, 3, 6},
    {proto::kMetadata, "Metadata", 1, 9, 9},
    {proto::kApiVersions, "ApiVersions", 0, 3, 3},
    {proto::kOffsetForLeaderEpoch, "OffsetForLeaderEpoch", 2, 4, 4},
    {proto::kDescribeConfigs, "DescribeConfigs", 0, 2, 4},
};

}  // namespace

std::span<const ClientApi> ClientApis() { return kApis; }

const ClientApi* FindClientApi(int16_t key) {
  for (const ClientApi& a : kApis) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

std::string ApiName(int16_t key) {
  const ClientApi* a = FindClientApi(key);
  return a != nullptr ? a->name : "api key " + std::to_string(key);
}

bool IsFlexibleVersion(int16_t key, int16_t version) {
  const ClientApi* a = FindClientApi(key);
  return a != nullptr && version >= a->flexible_from;
}

bool HasTaggedResponseHeader(int16_t key, int16_t version) {
  return key != proto::kApiVersions && IsFlexibleVersion(key, version);
}

ApiVersionMap ApiVersionMap::FromResponse(const proto::ApiVersionsResponse& resp) {
  ApiVersionMap m;
  for (const proto::ApiVersionsKey& k : resp.api_keys) {
    m.broker_[k.api_key] = Range{k.min_version, k.max_version};
  }
  return m;
}

int16_t ApiVersionMap::Pick(int16_t key) const {
  const ClientApi* a = FindClientApi(key);
  auto it = broker_.find(key);
  if (a == nullptr || it == broker_.end()) return -1;
  int16_t lo = std::max(a->min_version, it->second.min);
  int16_t hi = std::min(a->max_version, it->second.max);
  return lo <= hi ? hi : -1;
}

std::string ApiVersionMap::Describe(int16_t key) const {
  const ClientApi* a = FindClientApi(key);
  std::string text = ApiName(key);
  if (a != nullptr) {
    text += " v" + std::to_string(a->min_version) + "-" + std::to_string(a->max_version);
  }
  auto it = broker_.find(key);
  if (it == broker_.end()) return text + " (broker: not offered)";
  return text + " (broker: v" + std::to_string(it->second.min) + "-" +
         std::to_string(it->second.max) + ")";
}

}  // namespace klog::client
