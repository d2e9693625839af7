// The consumer-group handlers (broker/handlers/find_coordinator.cpp,
// join_group.cpp, sync_group.cpp, heartbeat.cpp, leave_group.cpp,
// offset_commit.cpp, offset_fetch.cpp, list_groups.cpp, describe_groups.cpp,
// delete_groups.cpp) driven with decoded requests against a broker on a
// temporary data directory, for one member at a time: this node as the
// coordinator; a member joining (its id assigned at once: klog never asks
// for MEMBER_ID_REQUIRED, which KIP-394 leaves to the broker), the leader's
// assignment coming back from SyncGroup, generations counted, heartbeats
// and leaving with their error codes; offsets committed then fetched (with
// their metadata), -1 for what was never committed; listing, describing
// and deleting groups. A single member's JoinGroup and SyncGroup complete
// at once; offset commits answer after their write, which Receive pumps.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "broker_fixture.h"
#include "proto/errors.h"

using klog::broker::handlers::HandleDeleteGroups;
using klog::broker::handlers::HandleDescribeGroups;
using klog::broker::handlers::HandleFindCoordinator;
using klog::broker::handlers::HandleHeartbeat;
using klog::broker::handlers::HandleJoinGroup;
using klog::broker::handlers::HandleLeaveGroup;
using klog::broker::handlers::HandleListGroups;
using klog::broker::handlers::HandleOffsetCommit;
using klog::broker::handlers::HandleOffsetFetch;
using klog::broker::handlers::HandleSyncGroup;
using klog::test::BrokerFixture;
using klog::test::DirectConnection;
namespace proto = klog::proto;

namespace {

// Sessions far longer than any test: no member expires while one runs.
constexpr int32_t kSessionMs = 60000;

// A broker whose __consumer_offsets gets 3 partitions (fewer files to create).
void SmallOffsetsTopic(klog::broker::BrokerConfig& c) { c.offsets_topic_partitions = 3; }

proto::JoinGroupResponse Join(DirectConnection& c, const std::string& group,
                              const std::string& member_id = "", int16_t version = 5) {
  proto::JoinGroupRequest req;
  req.group_id = group;
  req.session_timeout_ms = kSessionMs;
  req.rebalance_timeout_ms = kSessionMs;
  req.member_id = member_id;
  req.protocol_type = "consumer";
  req.protocols.push_back({"range", proto::Bytes{"range-metadata"}});
  req.protocols.push_back({"roundrobin", proto::Bytes{"rr-metadata"}});
  return c.Call<proto::JoinGroupResponse>(HandleJoinGroup, req, version);
}

proto::SyncGroupResponse Sync(DirectConnection& c, const std::string& group, int32_t generation,
                              const std::string& member_id, const std::string& assignment) {
  proto::SyncGroupRequest req;
  req.group_id = group;
  req.generation_id = generation;
  req.member_id = member_id;
  req.assignments.push_back({member_id, proto::Bytes{assignment}});
  return c.Call<proto::SyncGroupResponse>(HandleSyncGroup, req, 3);
}

int16_t Heartbeat(DirectConnection& c, const std::string& group, int32_t generation,
                  const std::string& member_id) {
  proto::HeartbeatRequest req;
  req.group_id = group;
  req.generation_id = generation;
  req.member_id = member_id;
  return c.Call<proto::HeartbeatResponse>(HandleHeartbeat, req, 3).error_code;
}

int16_t Leave(DirectConnection& c, const std::string& group, const std::string& member_id) {
  proto::LeaveGroupRequest req;
  req.group_id = group;
  req.member_id = member_id;
  return c.Call<proto::LeaveGroupResponse>(HandleLeaveGroup, req, 1).error_code;
}

proto::DescribedGroup DescribeGroup(DirectConnection& c, const std::string& group) {
  proto::DescribeGroupsRequest req;
  req.groups = {group};
  auto resp = c.Call<proto::DescribeGroupsResponse>(HandleDescribeGroups, req, 4);
  REQUIRE(resp.groups.size() == 1);
  CHECK(resp.groups[0].group_id == group);
  return resp.groups[0];
}

// A member alone in `group`, joined and synced: its id and generation.
std::pair<std::string, int32_t> StableMember(DirectConnection& c, const std::string& group) {
  proto::JoinGroupResponse joined = Join(c, group);
  REQUIRE(joined.error_code == proto::kNone);
  auto synced = Sync(c, group, joined.generation_id, joined.member_id, "assigned");
  REQUIRE(synced.error_code == proto::kNone);
  return {joined.member_id, joined.generation_id};
}

// OffsetCommit v7 of partitions of "t", each (partition, offset, metadata).
proto::OffsetCommitResponse Commit(
    DirectConnection& c, const std::string& group,
    const std::vector<std::tuple<int32_t, int64_t, std::string>>& offsets, int32_t generation = -1,
    const std::string& member_id = "", const std::string& topic = "t") {
  proto::OffsetCommitRequest req;
  req.group_id = group;
  req.generation_id_or_member_epoch = generation;
  req.member_id = member_id;
  proto::OffsetCommitRequestTopic& t = req.topics.emplace_back();
  t.name = topic;
  for (const auto& [p, offset, metadata] : offsets) {
    proto::OffsetCommitRequestPartition& part = t.partitions.emplace_back();
    part.partition_index = p;
    part.committed_offset = offset;
    part.committed_leader_epoch = 2;
    part.committed_metadata = metadata;
  }
  auto resp = c.Call<proto::OffsetCommitResponse>(HandleOffsetCommit, req, 7);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].name == topic);
  REQUIRE(resp.topics[0].partitions.size() == offsets.size());
  return resp;
}

int16_t CommitError(DirectConnection& c, const std::string& group, int32_t generation,
                    const std::string& member_id) {
  return Commit(c, group, {{0, 1, ""}}, generation, member_id).topics[0].partitions[0].error_code;
}

// OffsetFetch v5 of partitions of "t" (all of the group's when `partitions` is null).
proto::OffsetFetchResponse FetchOffsets(DirectConnection& c, const std::string& group,
                                        std::optional<std::vector<int32_t>> partitions) {
  proto::OffsetFetchRequest req;
  req.group_id = group;
  if (partitions) req.topics = std::vector<proto::OffsetFetchRequestTopic>{{"t", *partitions}};
  auto resp = c.Call<proto::OffsetFetchResponse>(HandleOffsetFetch, req, 5);
  CHECK(resp.error_code == proto::kNone);
  return resp;
}

std::vector<std::string> ListedGroups(DirectConnection& c) {
  auto resp = c.Call<proto::ListGroupsResponse>(HandleListGroups, proto::ListGroupsRequest{}, 2);
  CHECK(resp.error_code == proto::kNone);
  std::vector<std::string> names;
  for (const proto::ListedGroup& g : resp.groups) names.push_back(g.group_id);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<proto::DeletableGroupResult> DeleteGroups(DirectConnection& c,
                                                      std::vector<std::string> names) {
  proto::DeleteGroupsRequest req;
  req.groups_names = std::move(names);
  auto resp = c.Call<proto::DeleteGroupsResponse>(HandleDeleteGroups, req, 1);
  REQUIRE(resp.results.size() == req.groups_names.size());
  return resp.results;
}

}  // namespace

TEST_CASE("find coordinator names this node at its advertised address") {
  BrokerFixture f([](klog::broker::BrokerConfig& c) { c.node_id = 6; });
  f.broker->SetBoundAddress({"127.0.0.1", 9999});
  DirectConnection c(f);
  for (int16_t version : {0, 1, 2}) {
    CAPTURE(version);
    proto::FindCoordinatorRequest req;
    req.key = "g";
    auto resp = c.Call<proto::FindCoordinatorResponse>(HandleFindCoordinator, req, version);
    CHECK(resp.error_code == proto::kNone);
    CHECK(resp.node_id == 6);
    CHECK(resp.host == "127.0.0.1");
    CHECK(resp.port == 9999);
  }
  // There is no transaction coordinator.
  proto::FindCoordinatorRequest txn;
  txn.key = "tx";
  txn.key_type = 1;
  auto resp = c.Call<proto::FindCoordinatorResponse>(HandleFindCoordinator, txn, 2);
  CHECK(resp.error_code == proto::kCoordinatorNotAvailable);
  CHECK(resp.node_id == -1);
}

TEST_CASE("a single member joins at once as leader, and its assignment comes back from sync") {
  BrokerFixture f;
  DirectConnection c(f);
  proto::JoinGroupResponse joined = Join(c, "g");
  CHECK(joined.error_code == proto::kNone);
  CHECK(!joined.member_id.empty());
  CHECK(joined.generation_id == 1);
  CHECK(joined.leader == joined.member_id);
  CHECK(joined.protocol_name == "range");
  REQUIRE(joined.members.size() == 1);
  CHECK(joined.members[0].member_id == joined.member_id);
  CHECK(joined.members[0].metadata.data == "range-metadata");
  proto::SyncGroupResponse synced = Sync(c, "g", 1, joined.member_id, "partitions 0-2");
  CHECK(synced.error_code == proto::kNone);
  CHECK(synced.assignment.data == "partitions 0-2");
  CHECK(Heartbeat(c, "g", 1, joined.member_id) == proto::kNone);
  proto::DescribedGroup d = DescribeGroup(c, "g");
  CHECK(d.error_code == proto::kNone);
  CHECK(d.group_state == "Stable");
  CHECK(d.protocol_type == "consumer");
  CHECK(d.protocol_data == "range");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].member_id == joined.member_id);
  CHECK(d.members[0].member_metadata.data == "range-metadata");
  CHECK(d.members[0].member_assignment.data == "partitions 0-2");
}

TEST_CASE("a member that rejoins starts the next generation; a stale one is ILLEGAL_GENERATION") {
  BrokerFixture f;
  DirectConnection c(f);
  auto [member, generation] = StableMember(c, "g");
  proto::JoinGroupResponse again = Join(c, "g", member);
  CHECK(again.error_code == proto::kNone);
  CHECK(again.member_id == member);
  CHECK(again.generation_id == generation + 1);
  CHECK(Heartbeat(c, "g", generation, member) == proto::kIllegalGeneration);
  CHECK(Sync(c, "g", generation, member, "old").error_code == proto::kIllegalGeneration);
  proto::SyncGroupResponse synced = Sync(c, "g", again.generation_id, member, "new");
  CHECK(synced.error_code == proto::kNone);
  CHECK(synced.assignment.data == "new");
  CHECK(Heartbeat(c, "g", again.generation_id, member) == proto::kNone);
  CHECK(Heartbeat(c, "g", again.generation_id + 1, member) == proto::kIllegalGeneration);
}

TEST_CASE("unknown members and groups are UNKNOWN_MEMBER_ID") {
  BrokerFixture f;
  DirectConnection c(f);
  auto [member, generation] = StableMember(c, "g");
  CHECK(Heartbeat(c, "g", generation, "stranger") == proto::kUnknownMemberId);
  CHECK(Heartbeat(c, "other", generation, member) == proto::kUnknownMemberId);
  CHECK(Sync(c, "g", generation, "stranger", "x").error_code == proto::kUnknownMemberId);
  CHECK(Join(c, "g", "stranger").error_code == proto::kUnknownMemberId);
  CHECK(Join(c, "new-group", "stranger").error_code == proto::kUnknownMemberId);
  CHECK(Leave(c, "g", "stranger") == proto::kUnknownMemberId);
  CHECK(Leave(c, "other", member) == proto::kUnknownMemberId);
  CHECK(Heartbeat(c, "g", generation, member) == proto::kNone);  // still in
}

TEST_CASE("join group refuses an empty group id, a bad session timeout, no protocols") {
  BrokerFixture f;
  DirectConnection c(f);
  CHECK(Join(c, "").error_code == proto::kInvalidGroupId);
  proto::JoinGroupRequest req;
  req.group_id = "g";
  req.session_timeout_ms = 10;
  req.protocol_type = "consumer";
  req.protocols.push_back({"range", proto::Bytes{}});
  CHECK(c.Call<proto::JoinGroupResponse>(HandleJoinGroup, req, 5).error_code ==
        proto::kInvalidSessionTimeout);
  req.session_timeout_ms = kSessionMs;
  req.protocols.clear();
  CHECK(c.Call<proto::JoinGroupResponse>(HandleJoinGroup, req, 5).error_code ==
        proto::kInconsistentGroupProtocol);
  CHECK(DescribeGroup(c, "g").group_state == "Dead");
}

TEST_CASE("a member that leaves is gone: the group is Empty, its heartbeat UNKNOWN_MEMBER_ID") {
  BrokerFixture f;
  DirectConnection c(f);
  auto [member, generation] = StableMember(c, "g");
  CHECK(Leave(c, "g", member) == proto::kNone);
  CHECK(Heartbeat(c, "g", generation, member) == proto::kUnknownMemberId);
  proto::DescribedGroup d = DescribeGroup(c, "g");
  CHECK(d.group_state == "Empty");
  CHECK(d.members.empty());
  // v3 leaves a batch, with an error per member.
  std::string second = StableMember(c, "g").first;
  proto::LeaveGroupRequest req;
  req.group_id = "g";
  req.members = {{second, std::nullopt}, {"stranger", std::nullopt}};
  auto resp = c.Call<proto::LeaveGroupResponse>(HandleLeaveGroup, req, 3);
  CHECK(resp.error_code == proto::kNone);
  REQUIRE(resp.members.size() == 2);
  CHECK(resp.members[0].member_id == second);
  CHECK(resp.members[0].error_code == proto::kNone);
  CHECK(resp.members[1].error_code == proto::kUnknownMemberId);
  CHECK(DescribeGroup(c, "g").members.empty());
}

TEST_CASE("committed offsets are fetched back with their metadata; others are -1") {
  BrokerFixture f(SmallOffsetsTopic);
  f.CreateTopic("t", 3);
  DirectConnection c(f);
  auto committed = Commit(c, "g", {{0, 42, "first"}, {2, 7, ""}});
  CHECK(committed.topics[0].partitions[0].partition_index == 0);
  CHECK(committed.topics[0].partitions[0].error_code == proto::kNone);
  CHECK(committed.topics[0].partitions[1].error_code == proto::kNone);
  proto::OffsetFetchResponse fetched = FetchOffsets(c, "g", std::vector<int32_t>{0, 1, 2});
  REQUIRE(fetched.topics.size() == 1);
  CHECK(fetched.topics[0].name == "t");
  const auto& parts = fetched.topics[0].partitions;
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].partition_index == 0);
  CHECK(parts[0].committed_offset == 42);
  CHECK(parts[0].committed_leader_epoch == 2);
  CHECK(parts[0].metadata == "first");
  CHECK(parts[0].error_code == proto::kNone);
  CHECK(parts[1].partition_index == 1);
  CHECK(parts[1].committed_offset == -1);  // never committed
  CHECK(parts[1].committed_leader_epoch == -1);
  CHECK(parts[1].error_code == proto::kNone);
  CHECK(parts[2].committed_offset == 7);
  // A later commit replaces the offset.
  Commit(c, "g", {{0, 50, "second"}});
  auto again = FetchOffsets(c, "g", std::vector<int32_t>{0});
  CHECK(again.topics[0].partitions[0].committed_offset == 50);
  CHECK(again.topics[0].partitions[0].metadata == "second");
}

TEST_CASE("offset fetch: an unknown group is -1; null topics return every committed offset") {
  BrokerFixture f(SmallOffsetsTopic);
  f.CreateTopic("t", 3);
  DirectConnection c(f);
  proto::OffsetFetchResponse none = FetchOffsets(c, "nobody", std::vector<int32_t>{0});
  REQUIRE(none.topics.size() == 1);
  REQUIRE(none.topics[0].partitions.size() == 1);
  CHECK(none.topics[0].partitions[0].committed_offset == -1);
  CHECK(none.topics[0].partitions[0].error_code == proto::kNone);
  CHECK(FetchOffsets(c, "nobody", std::nullopt).topics.empty());
  Commit(c, "g", {{1, 11, ""}, {2, 22, ""}});
  proto::OffsetFetchResponse all = FetchOffsets(c, "g", std::nullopt);
  REQUIRE(all.topics.size() == 1);
  CHECK(all.topics[0].name == "t");
  REQUIRE(all.topics[0].partitions.size() == 2);
  CHECK(all.topics[0].partitions[0].partition_index == 1);
  CHECK(all.topics[0].partitions[0].committed_offset == 11);
  CHECK(all.topics[0].partitions[1].partition_index == 2);
  CHECK(all.topics[0].partitions[1].committed_offset == 22);
}

TEST_CASE("offset commit: unknown partition, and a member's generation is checked") {
  BrokerFixture f(SmallOffsetsTopic);
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  auto unknown = Commit(c, "g", {{0, 1, ""}}, -1, "", "nope");
  CHECK(unknown.topics[0].partitions[0].error_code == proto::kUnknownTopicOrPartition);
  CHECK(Commit(c, "g", {{5, 1, ""}}).topics[0].partitions[0].error_code ==
        proto::kUnknownTopicOrPartition);
  // A group nobody joined takes simple commits only (generation -1).
  CHECK(CommitError(c, "simple", 3, "") == proto::kIllegalGeneration);
  auto [member, generation] = StableMember(c, "g");
  CHECK(CommitError(c, "g", generation, member) == proto::kNone);
  CHECK(CommitError(c, "g", generation + 1, member) == proto::kIllegalGeneration);
  CHECK(CommitError(c, "g", generation, "stranger") == proto::kUnknownMemberId);
  CHECK(CommitError(c, "g", -1, "") == proto::kUnknownMemberId);  // the group has members
  CHECK(CommitError(c, "", -1, "") == proto::kInvalidGroupId);
  auto fetched = FetchOffsets(c, "g", std::vector<int32_t>{0});
  CHECK(fetched.topics[0].partitions[0].committed_offset == 1);
  CHECK(
      FetchOffsets(c, "simple", std::vector<int32_t>{0}).topics[0].partitions[0].committed_offset ==
      -1);
}

TEST_CASE("list groups names joined groups and groups with only offsets; describe the unknown") {
  BrokerFixture f(SmallOffsetsTopic);
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  CHECK(ListedGroups(c).empty());
  StableMember(c, "members");
  Commit(c, "offsets-only", {{0, 3, ""}});
  CHECK(ListedGroups(c) == std::vector<std::string>{"members", "offsets-only"});
  auto resp = c.Call<proto::ListGroupsResponse>(HandleListGroups, proto::ListGroupsRequest{}, 2);
  for (const proto::ListedGroup& g : resp.groups) {
    CHECK(g.protocol_type == (g.group_id == "members" ? "consumer" : ""));
  }
  proto::DescribedGroup unknown = DescribeGroup(c, "nobody");
  CHECK(unknown.error_code == proto::kNone);
  CHECK(unknown.group_state == "Dead");
  CHECK(unknown.members.empty());
}

TEST_CASE("delete groups: an empty group and its offsets go; others are refused") {
  BrokerFixture f(SmallOffsetsTopic);
  f.CreateTopic("t", 1);
  DirectConnection c(f);
  Commit(c, "done", {{0, 9, ""}});
  StableMember(c, "busy");
  auto results = DeleteGroups(c, {"done", "busy", "nobody", ""});
  CHECK(results[0].group_id == "done");
  CHECK(results[0].error_code == proto::kNone);
  CHECK(results[1].error_code == proto::kNonEmptyGroup);
  CHECK(results[2].error_code == proto::kGroupIdNotFound);
  CHECK(results[3].error_code == proto::kInvalidGroupId);
  CHECK(ListedGroups(c) == std::vector<std::string>{"busy"});
  CHECK(FetchOffsets(c, "done", std::vector<int32_t>{0}).topics[0].partitions[0].committed_offset ==
        -1);
  CHECK(DeleteGroups(c, {"done"})[0].error_code == proto::kGroupIdNotFound);
}
