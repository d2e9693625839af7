// Group membership: the state machine described in coordinator.h.
#include "broker/groups/coordinator.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "broker/broker.h"
#include "broker/diagnostics.h"
#include "broker/groups/detail.h"
#include "proto/errors.h"

namespace klog::broker::groups {
namespace {

// Kafka's group.min/max.session.timeout.ms are 6000 and 1800000; klog allows
// shorter sessions (tests, local use).
constexpr int32_t kMinSessionMs = 1000;
constexpr int32_t kMaxSessionMs = 1800000;

std::string UuidIsh() {
  static std::mt19937_64 rng(std::random_device{}());
  uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", uint32_t(a >> 32),
                uint32_t(a >> 16) & 0xffff, uint32_t(a) & 0xffff, uint32_t(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

// The protocols every member of `g` supports (all of `m`'s if it is alone).
std::set<std::string> CommonProtocols(const Group& g) {
  std::set<std::string> common;
  bool first = true;
  for (const auto& [id, m] : g.members) {
    std::set<std::string> mine;
    for (const auto& p : m.protocols) mine.insert(p.first);
    if (first) {
      common = std::move(mine);
      first = false;
      continue;
    }
    std::set<std::string> both;
    for (const std::string& n : common) {
      if (mine.count(n)) both.insert(n);
    }
    common = std::move(both);
  }
  return common;
}

// Each member votes for its first protocol among the common ones; the most
// votes wins (ties: the one the leader prefers).
std::string SelectProtocol(const Group& g) {
  std::set<std::string> common = CommonProtocols(g);
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members) {
    for (const auto& p : m.protocols) {
      if (common.count(p.first)) {
        ++votes[p.first];
        break;
      }
    }
  }
  std::string best;
  int best_votes = -1;
  const GroupMember& leader =
      g.members.count(g.leader) ? g.members.at(g.leader) : g.members.begin()->second;
  for (const auto& p : leader.protocols) {
    auto it = votes.find(p.first);
    if (it != votes.end() && it->second > best_votes) {
      best = p.first;
      best_votes = it->second;
    }
  }
  return best;
}

// The error a JoinGroup gets before any state changes, or NONE.
int16_t JoinError(const Group* g, const proto::JoinGroupRequest& req, bool stopping) {
  if (stopping) return proto::kCoordinatorNotAvailable;
  if (req.group_id.empty()) return proto::kInvalidGroupId;
  if (req.session_timeout_ms < kMinSessionMs || req.session_timeout_ms > kMaxSessionMs) {
    return proto::kInvalidSessionTimeout;
  }
  if (req.protocol_type.empty() || req.protocols.empty()) {
    return proto::kInconsistentGroupProtocol;
  }
  if (g == nullptr) return req.member_id.empty() ? proto::kNone : proto::kUnknownMemberId;
  if (g->members.empty()) return proto::kNone;
  if (req.protocol_type != g->protocol_type) return proto::kInconsistentGroupProtocol;
  std::set<std::string> common = CommonProtocols(*g);
  bool any = std::any_of(req.protocols.begin(), req.protocols.end(),
                         [&](const auto& p) { return common.count(p.name) > 0; });
  return any ? proto::kNone : proto::kInconsistentGroupProtocol;
}

}  // namespace

using detail::MetadataFor;
using detail::SendError;

const char* GroupStateName(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Dead";
}

void GroupCoordinator::Attach(uv_loop_t* loop) {
  loop_ = loop;
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
  // The timer alone never keeps the loop running (connections do).
  uv_unref(reinterpret_cast<uv_handle_t*>(&timer_));
}

uint64_t GroupCoordinator::Now() const { return uv_now(loop_); }

Group* GroupCoordinator::Find(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

void GroupCoordinator::Arm(uint64_t deadline) {
  if (stopping_ || (timer_armed_ && deadline >= timer_at_)) return;
  timer_armed_ = true;
  timer_at_ = deadline;
  uint64_t now = Now();
  uv_timer_start(&timer_, OnTimer, deadline > now ? deadline - now : 0, 0);
}

void GroupCoordinator::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<GroupCoordinator*>(timer->data);
  self->timer_armed_ = false;
  self->ExpireDeadlines();
}

// Removes members whose session ran out and completes rebalances whose
// timeout passed, then re-arms the timer at the next deadline.
void GroupCoordinator::ExpireDeadlines() {
  uint64_t now = Now();
  for (auto& [gid, g] : groups_) {
    if (g.state == GroupState::kPreparingRebalance && now >= g.rebalance_deadline) {
      std::vector<std::string> late;
      for (auto& [id, m] : g.members) {
        if (!m.join) late.push_back(id);
      }
      for (const std::string& id : late) {
        diagnostics().Info("group '" + gid + "': member " + id +
                           " did not rejoin in time, removed");
        if (g.members[id].instance_id) g.instances.erase(*g.members[id].instance_id);
        g.members.erase(id);
      }
      CompleteJoin(g);
    }
    std::vector<std::string> expired;
    for (auto& [id, m] : g.members) {
      if (!m.join && !m.sync && m.session_deadline <= now) expired.push_back(id);
    }
    for (const std::string& id : expired) {
      diagnostics().Info("group '" + gid + "': member " + id + " session timed out, removed");
      RemoveMember(g, id, proto::kUnknownMemberId);
    }
  }
  uint64_t next = UINT64_MAX;
  for (auto& [gid, g] : groups_) {
    if (g.state == GroupState::kPreparingRebalance) next = std::min(next, g.rebalance_deadline);
    for (auto& [id, m] : g.members) {
      if (!m.join && !m.sync) next = std::min(next, m.session_deadline);
    }
  }
  if (next != UINT64_MAX) Arm(next);
}

void GroupCoordinator::Touch(Group&, GroupMember& m) {
  m.session_deadline = Now() + uint64_t(m.session_timeout_ms);
  Arm(m.session_deadline);
}

void GroupCoordinator::Join(proto::JoinGroupRequest req, const std::string& client_id,
                            const std::string& host, Responder reply) {
  Group* g = Find(req.group_id);
  int16_t err = JoinError(g, req, stopping_);
  if (err != proto::kNone) return SendError<proto::JoinGroupResponse>(reply, err);
  if (req.rebalance_timeout_ms < 0) req.rebalance_timeout_ms = req.session_timeout_ms;
  if (g == nullptr) {
    g = &groups_[req.group_id];
    g->id = req.group_id;
  }
  // A static member that rejoins without its member id gets the one it had.
  if (req.member_id.empty() && req.group_instance_id) {
    auto it = g->instances.find(*req.group_instance_id);
    if (it != g->instances.end()) req.member_id = it->second;
  } else if (!req.member_id.empty() && req.group_instance_id) {
    auto it = g->instances.find(*req.group_instance_id);
    if (it != g->instances.end() && it->second != req.member_id) {
      return SendError<proto::JoinGroupResponse>(reply, proto::kFencedInstanceId);
    }
  }
  if (req.member_id.empty()) {
    std::string id = (client_id.empty() ? "member" : client_id) + "-" + UuidIsh();
    GroupMember& m = g->members[id];
    m.member_id = id;
    m.instance_id = req.group_instance_id;
    if (m.instance_id) g->instances[*m.instance_id] = id;
    m.client_id = client_id;
    m.client_host = host;
    g->protocol_type = req.protocol_type;
    diagnostics().Debug("group '" + g->id + "': new member " + id);
    return JoinKnown(*g, m, req, std::move(reply));
  }
  auto it = g->members.find(req.member_id);
  if (it == g->members.end()) {
    return SendError<proto::JoinGroupResponse>(reply, proto::kUnknownMemberId);
  }
  JoinKnown(*g, it->second, req, std::move(reply));
}

// A member (new or known) asks to be part of the next generation.
void GroupCoordinator::JoinKnown(Group& g, GroupMember& m, proto::JoinGroupRequest& req,
                                 Responder reply) {
  std::vector<std::pair<std::string, std::string>> protocols;
  for (auto& p : req.protocols) protocols.emplace_back(p.name, std::move(p.metadata.data));
  bool changed = protocols != m.protocols;
  m.protocols = std::move(protocols);
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  bool settled = g.state == GroupState::kStable || g.state == GroupState::kCompletingRebalance;
  if (settled && !changed && m.member_id != g.leader) {
    // A follower rejoining with the same metadata: the current generation stands.
    proto::JoinGroupResponse resp;
    resp.generation_id = g.generation;
    resp.protocol_name = g.protocol;
    resp.leader = g.leader;
    resp.member_id = m.member_id;
    Touch(g, m);
    return reply.Send(resp);
  }
  // A retried JoinGroup replaces a held one, which must be answered first:
  // responses leave a connection in request order.
  if (m.join) SendError<proto::JoinGroupResponse>(*m.join, proto::kRebalanceInProgress);
  m.join.emplace(std::move(reply));
  if (g.state != GroupState::kPreparingRebalance) {
    PrepareRebalance(g);
  } else {
    g.rebalance_deadline = std::max(g.rebalance_deadline, Now() + uint64_t(m.rebalance_timeout_ms));
    MaybeCompleteJoin(g);
  }
}

void GroupCoordinator::PrepareRebalance(Group& g) {
  if (g.state == GroupState::kCompletingRebalance) {
    for (auto& [id, m] : g.members) {
      if (m.sync) {
        SendError<proto::SyncGroupResponse>(*m.sync, proto::kRebalanceInProgress);
        m.sync.reset();
      }
    }
  }
  for (auto& [id, m] : g.members) m.assignment.clear();
  g.state = GroupState::kPreparingRebalance;
  int32_t longest = 0;
  for (auto& [id, m] : g.members) longest = std::max(longest, m.rebalance_timeout_ms);
  g.rebalance_deadline = Now() + uint64_t(longest);
  diagnostics().Debug("group '" + g.id + "': preparing rebalance (generation " +
                      std::to_string(g.generation) + ")");
  Arm(g.rebalance_deadline);
  MaybeCompleteJoin(g);
}

void GroupCoordinator::MaybeCompleteJoin(Group& g) {
  if (g.state != GroupState::kPreparingRebalance) return;
  for (auto& [id, m] : g.members) {
    if (!m.join) return;
  }
  CompleteJoin(g);
}

// Every remaining member has rejoined: start the next generation and answer
// the held JoinGroups (the leader with every member's metadata).
void GroupCoordinator::CompleteJoin(Group& g) {
  ++g.generation;
  if (g.members.empty()) {
    g.state = GroupState::kEmpty;
    g.protocol.clear();
    g.leader.clear();
    return;
  }
  if (!g.members.count(g.leader)) g.leader = g.members.begin()->first;
  g.protocol = SelectProtocol(g);
  g.state = GroupState::kCompletingRebalance;
  diagnostics().Info("group '" + g.id + "': generation " + std::to_string(g.generation) + " with " +
                     std::to_string(g.members.size()) + " member(s), protocol " + g.protocol +
                     ", leader " + g.leader);
  for (auto& [id, m] : g.members) {
    Touch(g, m);
    if (!m.join) continue;
    proto::JoinGroupResponse resp;
    resp.generation_id = g.generation;
    resp.protocol_name = g.protocol;
    resp.leader = g.leader;
    resp.member_id = id;
    if (id == g.leader) {
      for (auto& [oid, o] : g.members) {
        const std::string* md = MetadataFor(o, g.protocol);
        resp.members.push_back({oid, o.instance_id, proto::Bytes{md ? *md : std::string()}});
      }
    }
    Responder r = std::move(*m.join);
    m.join.reset();
    r.Send(resp);
  }
}

Diagnostics& GroupCoordinator::diagnostics() const { return broker_->diagnostics(); }

}  // namespace klog::broker::groups
