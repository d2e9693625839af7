// GroupCoordinator: the consumer groups of this broker, which is the
// coordinator of every group (a single node).
//
// Membership follows Kafka's classic, protocol-agnostic state machine:
//   Empty -> PreparingRebalance (a member joins or leaves) -> CompletingRebalance
//   (every known member has rejoined, or the rebalance timeout passed; the
//   generation is bumped and the leader gets every member's metadata) -> Stable
//   (the leader's SyncGroup brought the assignments) -> PreparingRebalance ...
// JoinGroup and follower SyncGroup requests are held (their Responders kept)
// until the group moves on. A member whose heartbeats stop for its session
// timeout is removed, unless a JoinGroup or SyncGroup of it is being held.
// Deadlines are kept in one libuv timer armed at the earliest of them; nothing
// polls.
//
// Offsets are kept in memory and persisted in the internal topic
// __consumer_offsets (klog-format(5)), as Kafka's own records: a commit is
// answered once its batch is appended and synced. LoadOffsets() rebuilds the
// map from that topic at start.
//
// Sources: coordinator.cpp (timer, JoinGroup, rebalance),
// members.cpp (SyncGroup, Heartbeat, LeaveGroup, DescribeGroups,
// shutdown), offsets.cpp (offsets and __consumer_offsets),
// offsets_load.cpp (LoadOffsets).
//
// Loop thread only. Responses go out through the Responders handed in.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/diagnostics.h"
#include "broker/net/responder.h"
#include "klog/offsets_record.h"
#include "klog/status.h"
#include "klog/topic.h"
#include "proto/msg_groups.h"
#include "proto/msg_offsets.h"

namespace klog::broker {
class Broker;
}  // namespace klog::broker

namespace klog::broker::groups {

// Groups answer through the connection's Responder.
using net::Responder;

inline constexpr const char* kOffsetsTopic = kConsumerOffsetsTopic;

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
// "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead" (Kafka's names).
const char* GroupStateName(GroupState state);

struct GroupMember {
  std::string member_id;
  std::optional<std::string> instance_id;  // static membership (group.instance.id)
  std::string client_id;
  std::string client_host;  // "/127.0.0.1", as Kafka shows it
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<std::pair<std::string, std::string>> protocols;  // name, metadata
  std::string assignment;
  uint64_t session_deadline = 0;  // uv_now() milliseconds
  std::optional<Responder> join;  // a JoinGroup being held
  std::optional<Responder> sync;  // a SyncGroup being held
};

// What a group committed for one partition: the value of its record in
// __consumer_offsets.
using CommittedOffset = OffsetCommitValue;

using TopicPartition = std::pair<std::string, int32_t>;

struct Group {
  std::string id;
  GroupState state = GroupState::kEmpty;
  std::string protocol_type;  // "" for a group that only ever committed offsets
  std::string protocol;       // the chosen assignor, once a generation has formed
  int32_t generation = 0;
  std::string leader;
  std::map<std::string, GroupMember> members;    // by member id
  std::map<std::string, std::string> instances;  // instance id -> member id
  uint64_t rebalance_deadline = 0;
  std::map<TopicPartition, CommittedOffset> offsets;
};

class GroupCoordinator {
 public:
  explicit GroupCoordinator(Broker* broker) : broker_(broker) {}
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // The loop whose timer tracks the deadlines. Call once, before use.
  void Attach(uv_loop_t* loop);
  // Reads every committed offset from __consumer_offsets (if it exists),
  // offsets_load.cpp. Blocking file reads: call before serving. It
  // never fails: records that do not decode are skipped and damaged or torn
  // batches dropped, each logged with file and position and counted in the
  // metrics; the offsets that could be read are loaded.
  void LoadOffsets();
  // Answers every held JoinGroup/SyncGroup with COORDINATOR_NOT_AVAILABLE
  // and stops the timer (broker shutdown). Later JoinGroup, SyncGroup and
  // Heartbeat requests get the same error; offset commits are still written
  // while the connections drain.
  void Shutdown();

  // Membership. `client_id` and `host` describe the requesting connection.
  void Join(proto::JoinGroupRequest req, const std::string& client_id, const std::string& host,
            Responder reply);
  void Sync(proto::SyncGroupRequest req, Responder reply);
  int16_t Heartbeat(const proto::HeartbeatRequest& req);
  // Removes one member (by member id, or by instance id when the member id
  // is empty). Returns the error for that member.
  int16_t Leave(const std::string& group_id, const std::string& member_id,
                const std::optional<std::string>& instance_id);

  // Inspection and deletion.
  const std::map<std::string, Group>& groups() const { return groups_; }
  proto::DescribedGroup Describe(const std::string& group_id) const;
  // Deletes the empty groups among `names` (their offsets get tombstones)
  // and calls `done` with one result per name, in order.
  void DeleteGroups(const std::vector<std::string>& names,
                    std::function<void(std::vector<proto::DeletableGroupResult>)> done);

  // Offsets (offsets.cpp).
  void CommitOffsets(const proto::OffsetCommitRequest& req, int16_t version,
                     std::function<void(proto::OffsetCommitResponse)> done);
  proto::OffsetFetchResponse FetchOffsets(const proto::OffsetFetchRequest& req) const;

  // The __consumer_offsets partition of a group: abs(Java hashCode) % count.
  static int32_t PartitionFor(const std::string& group_id, int32_t partitions);

 private:
  // The broker's event log.
  Diagnostics& diagnostics() const;
  Group* Find(const std::string& group_id);
  uint64_t Now() const;
  void Arm(uint64_t deadline);
  static void OnTimer(uv_timer_t* timer);
  void ExpireDeadlines();

  void JoinKnown(Group& g, GroupMember& m, proto::JoinGroupRequest& req, Responder reply);
  void PrepareRebalance(Group& g);
  void MaybeCompleteJoin(Group& g);
  void CompleteJoin(Group& g);
  void CompleteSync(Group& g);
  void RemoveMember(Group& g, const std::string& member_id, int16_t held_error);
  void Touch(Group& g, GroupMember& m);

  // Appends records (key, value or null) for `group_id` to its offsets
  // partition, creating the topic on first use; `done` gets a Kafka error.
  void AppendOffsetRecords(const std::string& group_id,
                           std::vector<std::pair<std::string, std::optional<std::string>>> recs,
                           std::function<void(int16_t)> done);
  void WithOffsetsTopic(std::function<void(int16_t error, int32_t partitions)> then);

  Broker* broker_;
  uv_loop_t* loop_ = nullptr;
  uv_timer_t timer_;
  bool timer_armed_ = false;
  uint64_t timer_at_ = 0;
  bool stopping_ = false;
  std::map<std::string, Group> groups_;
  uint64_t next_member_ = 0;
  // Callbacks waiting for __consumer_offsets to be created.
  std::vector<std::function<void(int16_t, int32_t)>> topic_waiters_;
};

// Applies one decoded record of __consumer_offsets to `groups`: a commit
// sets the offset, a tombstone deletes it; records of other kinds (group
// metadata) are ignored. Exposed for tests.
void ApplyOffsetRecord(const OffsetsRecord& r, std::map<std::string, Group>* groups);
// Java's String.hashCode of `s` read as UTF-8 (over its UTF-16 code units).
int32_t JavaStringHash(std::string_view s);

}  // namespace klog::broker::groups
