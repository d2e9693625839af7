// Metadata (key 3), v0-9; v9 is flexible. v7 adds each partition's leader_epoch, v8 the
// authorized-operations fields (klog has no ACLs: always INT32_MIN, "not provided").
// Fields: Appendix A.
// Request topics: v0 empty means all topics; v1+ null means all and empty means none (§4.3).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct MetadataRequestTopic {
  std::string name;

  template <class V>
  void Fields(V& v) {
    v("name", name);
  }
};

struct MetadataRequest {
  static constexpr int16_t kApiKey = 3;
  static constexpr bool kIsRequest = true;
  std::optional<std::vector<MetadataRequestTopic>> topics;  // null: all topics (v1+)
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;

  template <class V>
  void Fields(V& v) {
    v("topics", topics, {.nullable_from = 1});
    v("allow_auto_topic_creation", allow_auto_topic_creation, {.from = 4});
    v("include_cluster_authorized_operations", include_cluster_authorized_operations,
      {.from = 8, .to = 10});
    v("include_topic_authorized_operations", include_topic_authorized_operations, {.from = 8});
  }
};

struct MetadataBroker {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;

  template <class V>
  void Fields(V& v) {
    v("node_id", node_id);
    v("host", host);
    v("port", port);
    v("rack", rack, {.from = 1, .nullable_from = 1});
  }
};

struct MetadataPartition {
  int16_t error_code = 0;
  int32_t partition_index = 0;
  int32_t leader_id = 0;
  std::vector<int32_t> replica_nodes;
  std::vector<int32_t> isr_nodes;
  std::vector<int32_t> offline_replicas;
  // v7+. Last member (out of wire order) so that brace-initialised partitions keep their
  // meaning.
  int32_t leader_epoch = -1;

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("partition_index", partition_index);
    v("leader_id", leader_id);
    v("leader_epoch", leader_epoch, {.from = 7});
    v("replica_nodes", replica_nodes);
    v("isr_nodes", isr_nodes);
    v("offline_replicas", offline_replicas, {.from = 5});
  }
};

// The authorized-operations value meaning "not provided" (Kafka's default).
inline constexpr int32_t kAuthorizedOperationsOmitted = std::numeric_limits<int32_t>::min();

struct MetadataTopic {
  int16_t error_code = 0;
  std::string name;
  bool is_internal = false;
  std::vector<MetadataPartition> partitions;
  int32_t topic_authorized_operations = kAuthorizedOperationsOmitted;

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("name", name);
    v("is_internal", is_internal, {.from = 1});
    v("partitions", partitions);
    v("topic_authorized_operations", topic_authorized_operations, {.from = 8});
  }
};

struct MetadataResponse {
  static constexpr int16_t kApiKey = 3;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<MetadataBroker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<MetadataTopic> topics;
  int32_t cluster_authorized_operations = kAuthorizedOperationsOmitted;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 3});
    v("brokers", brokers);
    v("cluster_id", cluster_id, {.from = 2, .nullable_from = 2});
    v("controller_id", controller_id, {.from = 1});
    v("topics", topics);
    v("cluster_authorized_operations", cluster_authorized_operations, {.from = 8, .to = 10});
  }
};

}  // namespace klog::proto
