// Fetch (key 1), v4-12; v12 is flexible and adds last_fetched_epoch and the tagged
// diverging_epoch (KIP-595 truncate-on-fetch). Fields: Appendix A; response rules that break
// clients when wrong are in §4.6 (records length 0 not null, replica -1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct FetchPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;
  int64_t fetch_offset = 0;
  int64_t log_start_offset = -1;
  int32_t partition_max_bytes = 0;
  // v12: the epoch of the fetcher's last batch, -1 none. Last member (out of wire order) so
  // that brace-initialised partitions of older versions keep their meaning.
  int32_t last_fetched_epoch = -1;

  template <class V>
  void Fields(V& v) {
    v("partition", partition);
    v("current_leader_epoch", current_leader_epoch, {.from = 9});
    v("fetch_offset", fetch_offset);
    v("last_fetched_epoch", last_fetched_epoch, {.from = 12});
    v("log_start_offset", log_start_offset, {.from = 5});
    v("partition_max_bytes", partition_max_bytes);
  }
};

struct FetchTopic {
  std::string topic;
  std::vector<FetchPartition> partitions;

  template <class V>
  void Fields(V& v) {
    v("topic", topic);
    v("partitions", partitions);
  }
};

struct FetchForgottenTopic {
  std::string topic;
  std::vector<int32_t> partitions;

  template <class V>
  void Fields(V& v) {
    v("topic", topic);
    v("partitions", partitions);
  }
};

struct FetchRequest {
  static constexpr int16_t kApiKey = 1;
  static constexpr bool kIsRequest = true;
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;  // 0 read_uncommitted, 1 read_committed
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<FetchTopic> topics;
  std::vector<FetchForgottenTopic> forgotten_topics_data;
  std::string rack_id;

  template <class V>
  void Fields(V& v) {
    v("replica_id", replica_id);
    v("max_wait_ms", max_wait_ms);
    v("min_bytes", min_bytes);
    v("max_bytes", max_bytes, {.from = 3});
    v("isolation_level", isolation_level, {.from = 4});
    v("session_id", session_id, {.from = 7});
    v("session_epoch", session_epoch, {.from = 7});
    v("topics", topics);
    v("forgotten_topics_data", forgotten_topics_data, {.from = 7});
    v("rack_id", rack_id, {.from = 11});
  }
};

struct FetchAbortedTransaction {
  int64_t producer_id = 0;
  int64_t first_offset = 0;

  template <class V>
  void Fields(V& v) {
    v("producer_id", producer_id);
    v("first_offset", first_offset);
  }
};

// Fetch v12 tagged structs: {epoch, end_offset} (DivergingEpoch), {leader_id, leader_epoch}
// (CurrentLeader), {end_offset, epoch} (SnapshotId).
struct FetchEpochEndOffset {
  int32_t epoch = -1;
  int64_t end_offset = -1;

  template <class V>
  void Fields(V& v) {
    v("epoch", epoch);
    v("end_offset", end_offset);
  }
};

struct FetchLeaderIdAndEpoch {
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;

  template <class V>
  void Fields(V& v) {
    v("leader_id", leader_id);
    v("leader_epoch", leader_epoch);
  }
};

struct FetchSnapshotId {
  int64_t end_offset = -1;
  int32_t epoch = -1;

  template <class V>
  void Fields(V& v) {
    v("end_offset", end_offset);
    v("epoch", epoch);
  }
};

struct FetchPartitionData {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  int64_t high_watermark = 0;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  // Defaults to an empty (not null) array, which every client reads.
  std::optional<std::vector<FetchAbortedTransaction>> aborted_transactions{std::in_place};
  int32_t preferred_read_replica = -1;  // v11: must stay -1 (§4.6)
  Records records;                      // length 0, not null, when there is no data
  // v12 tagged fields, sent only when set; klog sets only diverging_epoch.
  std::optional<FetchEpochEndOffset> diverging_epoch;
  std::optional<FetchLeaderIdAndEpoch> current_leader;
  std::optional<FetchSnapshotId> snapshot_id;

  template <class V>
  void Fields(V& v) {
    v("partition_index", partition_index);
    v("error_code", error_code);
    v("high_watermark", high_watermark);
    v("last_stable_offset", last_stable_offset, {.from = 4});
    v("log_start_offset", log_start_offset, {.from = 5});
    v("diverging_epoch", diverging_epoch, {.from = 12, .tag = 0});
    v("current_leader", current_leader, {.from = 12, .tag = 1});
    v("snapshot_id", snapshot_id, {.from = 12, .tag = 2});
    v("aborted_transactions", aborted_transactions, {.from = 4, .nullable_from = 4});
    v("preferred_read_replica", preferred_read_replica, {.from = 11});
    v("records", records, {.nullable_from = 0});
  }
};

struct FetchTopicResponse {
  std::string topic;
  std::vector<FetchPartitionData> partitions;

  template <class V>
  void Fields(V& v) {
    v("topic", topic);
    v("partitions", partitions);
  }
};

struct FetchResponse {
  static constexpr int16_t kApiKey = 1;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t session_id = 0;
  std::vector<FetchTopicResponse> responses;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("error_code", error_code, {.from = 7});
    v("session_id", session_id, {.from = 7});
    v("responses", responses);
  }
};

}  // namespace klog::proto
