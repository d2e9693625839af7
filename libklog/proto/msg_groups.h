// Consumer-group membership: FindCoordinator (key 10, v0-2), JoinGroup (11, v0-5),
// Heartbeat (12, v0-3), LeaveGroup (13, v0-3), SyncGroup (14, v0-3), DescribeGroups
// (15, v0-4), ListGroups (16, v0-2) and DeleteGroups (42, v0-1). None of these versions is
// flexible. Fields: kafka-protocol.md Appendix A.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/schema.h"

namespace klog::proto {

struct FindCoordinatorRequest {
  static constexpr int16_t kApiKey = 10;
  static constexpr bool kIsRequest = true;
  std::string key;  // the group id (key_type 0) or transactional id (key_type 1)
  int8_t key_type = 0;

  template <class V>
  void Fields(V& v) {
    v("key", key);
    v("key_type", key_type, {.from = 1});
  }
};

struct FindCoordinatorResponse {
  static constexpr int16_t kApiKey = 10;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("error_code", error_code);
    v("error_message", error_message, {.from = 1, .nullable_from = 1});
    v("node_id", node_id);
    v("host", host);
    v("port", port);
  }
};

struct JoinGroupRequestProtocol {
  std::string name;  // an assignor ("range", "roundrobin")
  Bytes metadata;

  template <class V>
  void Fields(V& v) {
    v("name", name);
    v("metadata", metadata);
  }
};

// v0 has no rebalance timeout: the session timeout serves as both (rebalance_timeout_ms
// stays -1 after decoding a v0 request).
struct JoinGroupRequest {
  static constexpr int16_t kApiKey = 11;
  static constexpr bool kIsRequest = true;
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<JoinGroupRequestProtocol> protocols;

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("session_timeout_ms", session_timeout_ms);
    v("rebalance_timeout_ms", rebalance_timeout_ms, {.from = 1});
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.from = 5, .nullable_from = 5});
    v("protocol_type", protocol_type);
    v("protocols", protocols);
  }
};

struct JoinGroupResponseMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;

  template <class V>
  void Fields(V& v) {
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.from = 5, .nullable_from = 5});
    v("metadata", metadata);
  }
};

struct JoinGroupResponse {
  static constexpr int16_t kApiKey = 11;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<JoinGroupResponseMember> members;  // filled for the leader only

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 2});
    v("error_code", error_code);
    v("generation_id", generation_id);
    v("protocol_name", protocol_name);
    v("leader", leader);
    v("member_id", member_id);
    v("members", members);
  }
};

struct SyncGroupRequestAssignment {
  std::string member_id;
  Bytes assignment;

  template <class V>
  void Fields(V& v) {
    v("member_id", member_id);
    v("assignment", assignment);
  }
};

struct SyncGroupRequest {
  static constexpr int16_t kApiKey = 14;
  static constexpr bool kIsRequest = true;
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<SyncGroupRequestAssignment> assignments;  // from the leader only

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("generation_id", generation_id);
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.from = 3, .nullable_from = 3});
    v("assignments", assignments);
  }
};

struct SyncGroupResponse {
  static constexpr int16_t kApiKey = 14;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  Bytes assignment;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("error_code", error_code);
    v("assignment", assignment);
  }
};

struct HeartbeatRequest {
  static constexpr int16_t kApiKey = 12;
  static constexpr bool kIsRequest = true;
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("generation_id", generation_id);
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.from = 3, .nullable_from = 3});
  }
};

struct HeartbeatResponse {
  static constexpr int16_t kApiKey = 12;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("error_code", error_code);
  }
};

struct LeaveGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;

  template <class V>
  void Fields(V& v) {
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.nullable_from = 3});
  }
};

// v0-2 name one member (member_id); v3 lists members (a batch).
struct LeaveGroupRequest {
  static constexpr int16_t kApiKey = 13;
  static constexpr bool kIsRequest = true;
  std::string group_id;
  std::string member_id;
  std::vector<LeaveGroupMember> members;

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("member_id", member_id, {.to = 2});
    v("members", members, {.from = 3});
  }
};

struct LeaveGroupMemberResponse {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.nullable_from = 3});
    v("error_code", error_code);
  }
};

struct LeaveGroupResponse {
  static constexpr int16_t kApiKey = 13;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<LeaveGroupMemberResponse> members;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("error_code", error_code);
    v("members", members, {.from = 3});
  }
};

struct ListGroupsRequest {
  static constexpr int16_t kApiKey = 16;
  static constexpr bool kIsRequest = true;

  template <class V>
  void Fields(V&) {}
};

struct ListedGroup {
  std::string group_id;
  std::string protocol_type;  // "consumer", or "" for a group that only has offsets

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("protocol_type", protocol_type);
  }
};

struct ListGroupsResponse {
  static constexpr int16_t kApiKey = 16;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<ListedGroup> groups;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("error_code", error_code);
    v("groups", groups);
  }
};

struct DescribeGroupsRequest {
  static constexpr int16_t kApiKey = 15;
  static constexpr bool kIsRequest = true;
  std::vector<std::string> groups;
  bool include_authorized_operations = false;

  template <class V>
  void Fields(V& v) {
    v("groups", groups);
    v("include_authorized_operations", include_authorized_operations, {.from = 3});
  }
};

struct DescribedGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Bytes member_metadata;
  Bytes member_assignment;

  template <class V>
  void Fields(V& v) {
    v("member_id", member_id);
    v("group_instance_id", group_instance_id, {.from = 4, .nullable_from = 4});
    v("client_id", client_id);
    v("client_host", client_host);
    v("member_metadata", member_metadata);
    v("member_assignment", member_assignment);
  }
};

struct DescribedGroup {
  int16_t error_code = 0;
  std::string group_id;
  std::string group_state;  // "Empty", "PreparingRebalance", ..., "Dead"
  std::string protocol_type;
  std::string protocol_data;  // the chosen protocol (assignor), when Stable
  std::vector<DescribedGroupMember> members;
  int32_t authorized_operations = INT32_MIN;  // "not requested"

  template <class V>
  void Fields(V& v) {
    v("error_code", error_code);
    v("group_id", group_id);
    v("group_state", group_state);
    v("protocol_type", protocol_type);
    v("protocol_data", protocol_data);
    v("members", members);
    v("authorized_operations", authorized_operations, {.from = 3});
  }
};

struct DescribeGroupsResponse {
  static constexpr int16_t kApiKey = 15;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<DescribedGroup> groups;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms, {.from = 1});
    v("groups", groups);
  }
};

struct DeleteGroupsRequest {
  static constexpr int16_t kApiKey = 42;
  static constexpr bool kIsRequest = true;
  std::vector<std::string> groups_names;

  template <class V>
  void Fields(V& v) {
    v("groups_names", groups_names);
  }
};

struct DeletableGroupResult {
  std::string group_id;
  int16_t error_code = 0;

  template <class V>
  void Fields(V& v) {
    v("group_id", group_id);
    v("error_code", error_code);
  }
};

struct DeleteGroupsResponse {
  static constexpr int16_t kApiKey = 42;
  static constexpr bool kIsRequest = false;
  int32_t throttle_time_ms = 0;
  std::vector<DeletableGroupResult> results;

  template <class V>
  void Fields(V& v) {
    v("throttle_time_ms", throttle_time_ms);
    v("results", results);
  }
};

}  // namespace klog::proto
