#include "proto/api.h"

#include "proto/errors.h"

namespace klog::proto {

namespace {

// Ranges from kafka-protocol.md §2.2; flexible_from from Kafka's schema files.
constexpr ApiEntry kApis[] = {
    {kProduce, "Produce", 0, 7, 9},
    {kFetch, "Fetch", 4, 12, 12},
    {kListOffsets, "ListOffsets", 0, 3, 6},
    {kMetadata, "Metadata", 0, 9, 9},
    {kOffsetCommit, "OffsetCommit", 0, 7, 8},
    {kOffsetFetch, "OffsetFetch", 0, 5, 6},
    {kFindCoordinator, "FindCoordinator", 0, 2, 3},
    {kJoinGroup, "JoinGroup", 0, 5, 6},
    {kHeartbeat, "Heartbeat", 0, 3, 4},
    {kLeaveGroup, "LeaveGroup", 0, 3, 4},
    {kSyncGroup, "SyncGroup", 0, 3, 4},
    {kDescribeGroups, "DescribeGroups", 0, 4, 5},
    {kListGroups, "ListGroups", 0, 2, 3},
    {kApiVersions, "ApiVersions", 0, 3, 3},
    {kCreateTopics, "CreateTopics", 0, 4, 5},
    {kDeleteTopics, "DeleteTopics", 0, 3, 4},
    {kDeleteRecords, "DeleteRecords", 0, 1, 2},
    {kOffsetForLeaderEpoch, "OffsetForLeaderEpoch", 2, 4, 4},
    {kDescribeConfigs, "DescribeConfigs", 0, 2, 4},
    {kAlterConfigs, "AlterConfigs", 0, 1, 2},
    {kCreatePartitions, "CreatePartitions", 0, 1, 2},
    {kDeleteGroups, "DeleteGroups", 0, 1, 2},
    {kIncrementalAlterConfigs, "IncrementalAlterConfigs", 0, 0, 1},
};

// Produce v0-2 carry the legacy MessageSet format, which this layer does not decode.
constexpr int16_t kMinDecodableProduce = 3;

}  // namespace

std::span<const ApiEntry> ApiTable() { return kApis; }

const ApiEntry* FindApi(int16_t key) {
  for (const ApiEntry& e : kApis) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

int16_t MinDecodableVersion(int16_t key) {
  if (key == kProduce) return kMinDecodableProduce;
  const ApiEntry* e = FindApi(key);
  return e ? e->min_version : 0;
}

bool IsSupported(int16_t key, int16_t version) {
  const ApiEntry* e = FindApi(key);
  return e != nullptr && version >= e->min_version && version <= e->max_version;
}

bool IsFlexible(int16_t api_key, int16_t version) {
  const ApiEntry* e = FindApi(api_key);
  return e != nullptr && version >= e->flexible_from;
}

ApiVersionsResponse BuildApiVersionsResponse(std::span<const ApiEntry> served,
                                             bool legacy_produce_min) {
  ApiVersionsResponse resp;
  resp.api_keys.reserve(served.size());
  for (const ApiEntry& e : served) {
    int16_t min = e.key == kProduce && !legacy_produce_min ? kMinDecodableProduce : e.min_version;
    resp.api_keys.push_back({e.key, min, e.max_version});
  }
  return resp;
}

bool IsLibrdkafka(std::string_view software_name, std::string_view software_version) {
  return software_name == "librdkafka" ||
         software_version.find("rdkafka") != std::string_view::npos;
}

void EncodeApiVersionsUnsupported(int32_t correlation_id, const ApiEntry& api_versions, Writer* w) {
  ApiVersionsResponse resp;
  resp.error_code = kUnsupportedVersion;
  resp.api_keys.push_back({kApiVersions, api_versions.min_version, api_versions.max_version});
  size_t start = w->size();
  w->Int32(0);  // size, patched below
  w->Int32(correlation_id);
  EncodeMessage(resp, 0, w);
  w->PatchInt32(start, static_cast<int32_t>(w->size() - start - 4));
}

void EncodeApiVersionsUnsupported(int32_t correlation_id, Writer* w) {
  EncodeApiVersionsUnsupported(correlation_id, *FindApi(kApiVersions), w);
}

}  // namespace klog::proto
