// The API registry: one table of the Kafka API keys the protocol layer can decode and encode,
// with the version range advertised and the first flexible version. The broker dispatches on
// it and builds the ApiVersions response from it (kafka-protocol.md §2.2), so a key is added
// in exactly one place.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "proto/messages.h"
#include "proto/wire.h"

namespace klog::proto {

enum ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kOffsetForLeaderEpoch = 23,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kCreatePartitions = 37,
  kDeleteGroups = 42,
  kIncrementalAlterConfigs = 44,
};

struct ApiEntry {
  int16_t key;
  const char* name;     // "Metadata", as in Kafka's schema files
  int16_t min_version;  // advertised range
  int16_t max_version;
  int16_t flexible_from;  // first flexible version (may be above max_version)
};

// Every API this layer implements, sorted by key, with the versions a request may carry.
// Produce 0-2 are accepted but carry the legacy MessageSet format, which klog does not
// store: their bodies still decode with ProduceRequest (records is then a MessageSet view),
// so a handler answers each partition with UNSUPPORTED_VERSION in a ProduceResponse of that
// version. ApiVersions advertises them only to librdkafka (BuildApiVersionsResponse).
std::span<const ApiEntry> ApiTable();
// The entry for `key`, or nullptr when the key is not in the table.
const ApiEntry* FindApi(int16_t key);
// Lowest version whose records klog accepts (Produce: 3, RecordBatch v2; others: min_version).
int16_t MinDecodableVersion(int16_t key);
// True when key is in the table and version lies in its advertised range.
bool IsSupported(int16_t key, int16_t version);

// The ApiVersions response body listing `served` (a subset of ApiTable(), e.g. the keys the
// broker has handlers for), error NONE, throttle 0. Produce is listed from
// MinDecodableVersion (3), what is served, unless `legacy_produce_min`: then from 0.
// librdkafka (up to 2.x) turns gzip, snappy and lz4 off when the Produce range does not
// include v0 (confluentinc/librdkafka#4956); Kafka 4.0 keeps advertising 0 for that reason
// (KAFKA-18659) while refusing v0-2, and so does klog, for librdkafka only.
ApiVersionsResponse BuildApiVersionsResponse(std::span<const ApiEntry> served,
                                             bool legacy_produce_min = false);
// True for an ApiVersions v3 client that is librdkafka or a binding of it: the software
// name is "librdkafka", or the version names rdkafka (confluent-kafka-python sends
// "confluent-kafka-python" and "1.7.0-rdkafka-2.0.2").
bool IsLibrdkafka(std::string_view software_name, std::string_view software_version);

// Appends a whole frame (size, v0 header, v0 body) answering an ApiVersions request of a
// version above the highest served one: error UNSUPPORTED_VERSION and the single entry
// {18, min, max} taken from `api_versions` (the served ApiVersions entry), so the client
// retries with a lower version (Appendix B, §2.3).
void EncodeApiVersionsUnsupported(int32_t correlation_id, const ApiEntry& api_versions, Writer* w);
// Same, with the ApiVersions range from ApiTable().
void EncodeApiVersionsUnsupported(int32_t correlation_id, Writer* w);

}  // namespace klog::proto
