// Committed consumer offsets: OffsetCommit (key 8, v0-7) and OffsetFetch (key 9, v0-5).
// None of these versions is flexible (OffsetFetch is from v6, so the range stops at 5).
// Fields: kafka-protocol.md Appendix A.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct OffsetCommitRequestPartition {
  int32_t partition_index = 0;
  int64_t committed_offset = 0;
  int32_t committed_leader_epoch = -1;
  int64_t commit_timestamp = -1;  // v1 only; -1 means "now"
  std::optional<std::string> committed_metadata;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("committed_offset", committed_offset);
    v("committed_leader_epoch", committed_leader_epoch, {.from = 6});
    v("commit_timestamp", commit_timestamp, {.from = 1, .to = 1});
    v("committed_metadata", committed_metadata, {.nullable_from = 0});
  }
};

struct OffsetCommitRequestTopic {
  std::string name;
  std::vector<OffsetCommitRequestPartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

// generation -1 with an empty member id is a "simple" commit, outside group management
// (v0 always is one).
struct OffsetCommitRequest {
  static constexpr int16_t kApiKey = 8;
  static constexpr bool kIsRequest = true;
  std::string group_id;
  int32_t generation_id_or_member_epoch = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;
  std::vector<OffsetCommitRequestTopic> topics;

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("generation_id_or_member_epoch", generation_id_or_member_epoch, {.from = 1});
    v("member_id", member_id, {.from = 1});
    v("group_instance_id", group_instance_id, {.from = 7, .nullable_from = 7});
    v("retention_time_ms", retention_time_ms, {.from = 2, .to = 4});
    v("topics", topics);
  }
};

struct OffsetCommitResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("error_code", error_code);
  }
};

struct OffsetCommitResponseTopic {
  std::string name;
  std::vector<OffsetCommitResponsePartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

struct OffsetCommitResponse {
  static constexpr int16_t kApiKey = 8;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<OffsetCommitResponseTopic> topics;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 3});
    v("topics", topics);
  }
};

struct OffsetFetchRequestTopic {
  std::string name;
  std::vector<int32_t> partition_indexes;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partition_indexes", partition_indexes);
  }
};

struct OffsetFetchRequest {
  static constexpr int16_t kApiKey = 9;
  static constexpr bool kIsRequest = true;
  std::string group_id;
  std::optional<std::vector<OffsetFetchRequestTopic>> topics;  // null (v2+): every offset

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("topics", topics, {.nullable_from = 2});
  }
};

struct OffsetFetchResponsePartition {
  int32_t partition_index = 0;
  int64_t committed_offset = -1;  // -1: nothing committed
  int32_t committed_leader_epoch = -1;
  std::optional<std::string> metadata;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("committed_offset", committed_offset);
    v("committed_leader_epoch", committed_leader_epoch, {.from = 5});
    v("metadata", metadata, {.nullable_from = 0});
    v("error_code", error_code);
  }
};

struct OffsetFetchResponseTopic {
  std::string name;
  std::vector<OffsetFetchResponsePartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("partitions", partitions);
  }
};

struct OffsetFetchResponse {
  static constexpr int16_t kApiKey = 9;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<OffsetFetchResponseTopic> topics;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 3});
    v("topics", topics);
    v("error_code", error_code, {.from = 2});
  }
};

}  // namespace klog::proto
