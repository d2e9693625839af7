// Group membership after the join: SyncGroup, Heartbeat, LeaveGroup, member
// removal, shutdown and DescribeGroups (coordinator.h).
#include "broker/diagnostics.h"
#include "broker/groups/coordinator.h"
#include "broker/groups/detail.h"
#include "proto/errors.h"

namespace klog::broker::groups {

using detail::MetadataFor;
using detail::SendError;

void GroupCoordinator::Sync(proto::SyncGroupRequest req, Responder reply) {
  Group* g = Find(req.group_id);
  if (stopping_) return SendError<proto::SyncGroupResponse>(reply, proto::kCoordinatorNotAvailable);
  if (g == nullptr || !g->members.count(req.member_id)) {
    return SendError<proto::SyncGroupResponse>(reply, proto::kUnknownMemberId);
  }
  GroupMember& m = g->members.at(req.member_id);
  if (req.generation_id != g->generation) {
    return SendError<proto::SyncGroupResponse>(reply, proto::kIllegalGeneration);
  }
  if (g->state == GroupState::kPreparingRebalance) {
    return SendError<proto::SyncGroupResponse>(reply, proto::kRebalanceInProgress);
  }
  Touch(*g, m);
  if (g->state == GroupState::kStable) {
    proto::SyncGroupResponse resp;
    resp.assignment.data = m.assignment;
    return reply.Send(resp);
  }
  // CompletingRebalance: hold until the leader's assignment is in.
  if (m.sync) SendError<proto::SyncGroupResponse>(*m.sync, proto::kRebalanceInProgress);
  m.sync.emplace(std::move(reply));
  if (req.member_id != g->leader) return;
  for (auto& a : req.assignments) {
    auto it = g->members.find(a.member_id);
    if (it != g->members.end()) it->second.assignment = std::move(a.assignment.data);
  }
  CompleteSync(*g);
}

void GroupCoordinator::CompleteSync(Group& g) {
  g.state = GroupState::kStable;
  for (auto& [id, m] : g.members) {
    Touch(g, m);
    if (!m.sync) continue;
    proto::SyncGroupResponse resp;
    resp.assignment.data = m.assignment;
    Responder r = std::move(*m.sync);
    m.sync.reset();
    r.Send(resp);
  }
}

int16_t GroupCoordinator::Heartbeat(const proto::HeartbeatRequest& req) {
  Group* g = Find(req.group_id);
  if (stopping_) return proto::kCoordinatorNotAvailable;
  if (g == nullptr || !g->members.count(req.member_id)) return proto::kUnknownMemberId;
  GroupMember& m = g->members.at(req.member_id);
  if (req.generation_id != g->generation) return proto::kIllegalGeneration;
  Touch(*g, m);
  if (g->state == GroupState::kPreparingRebalance) return proto::kRebalanceInProgress;
  return proto::kNone;
}

int16_t GroupCoordinator::Leave(const std::string& group_id, const std::string& member_id,
                                const std::optional<std::string>& instance_id) {
  Group* g = Find(group_id);
  if (g == nullptr) return proto::kUnknownMemberId;
  std::string id = member_id;
  if (instance_id) {
    auto it = g->instances.find(*instance_id);
    if (it == g->instances.end()) return proto::kUnknownMemberId;
    if (!id.empty() && id != it->second) return proto::kFencedInstanceId;
    id = it->second;
  }
  if (!g->members.count(id)) return proto::kUnknownMemberId;
  diagnostics().Info("group '" + group_id + "': member " + id + " left");
  RemoveMember(*g, id, proto::kUnknownMemberId);
  return proto::kNone;
}

// Drops a member; its held requests get `held_error`. The rest of the group
// rebalances (or the pending rebalance may now be complete).
void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, int16_t held_error) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  GroupMember& m = it->second;
  if (m.join) SendError<proto::JoinGroupResponse>(*m.join, held_error);
  if (m.sync) SendError<proto::SyncGroupResponse>(*m.sync, held_error);
  if (m.instance_id) g.instances.erase(*m.instance_id);
  g.members.erase(it);
  if (g.state == GroupState::kPreparingRebalance) {
    MaybeCompleteJoin(g);
  } else if (g.state == GroupState::kStable || g.state == GroupState::kCompletingRebalance) {
    PrepareRebalance(g);
  }
}

void GroupCoordinator::Shutdown() {
  stopping_ = true;
  if (loop_ != nullptr) uv_timer_stop(&timer_);
  for (auto& [gid, g] : groups_) {
    for (auto& [id, m] : g.members) {
      if (m.join) SendError<proto::JoinGroupResponse>(*m.join, proto::kCoordinatorNotAvailable);
      if (m.sync) SendError<proto::SyncGroupResponse>(*m.sync, proto::kCoordinatorNotAvailable);
      m.join.reset();
      m.sync.reset();
    }
  }
}

proto::DescribedGroup GroupCoordinator::Describe(const std::string& group_id) const {
  proto::DescribedGroup out;
  out.group_id = group_id;
  auto it = groups_.find(group_id);
  if (it == groups_.end()) {
    out.group_state = GroupStateName(GroupState::kDead);
    return out;
  }
  const Group& g = it->second;
  out.group_state = GroupStateName(g.state);
  out.protocol_type = g.protocol_type;
  bool stable = g.state == GroupState::kStable;
  if (stable) out.protocol_data = g.protocol;
  for (const auto& [id, m] : g.members) {
    proto::DescribedGroupMember dm;
    dm.member_id = id;
    dm.group_instance_id = m.instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    if (stable) {
      const std::string* md = MetadataFor(m, g.protocol);
      dm.member_metadata.data = md ? *md : std::string();
      dm.member_assignment.data = m.assignment;
    }
    out.members.push_back(std::move(dm));
  }
  return out;
}

}  // namespace klog::broker::groups
