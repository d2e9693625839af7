#include "broker/handlers/handlers.h"

#include <vector>

namespace klog::broker::handlers {
namespace {

struct HandlerEntry {
  int16_t api_key;
  HandlerFn fn;
};

// Every API klog-serve answers.
constexpr HandlerEntry kHandlers[] = {
    {proto::kProduce, HandleProduce},
    {proto::kFetch, HandleFetch},
    {proto::kListOffsets, HandleListOffsets},
    {proto::kMetadata, HandleMetadata},
    {proto::kOffsetCommit, HandleOffsetCommit},
    {proto::kOffsetFetch, HandleOffsetFetch},
    {proto::kFindCoordinator, HandleFindCoordinator},
    {proto::kJoinGroup, HandleJoinGroup},
    {proto::kHeartbeat, HandleHeartbeat},
    {proto::kLeaveGroup, HandleLeaveGroup},
    {proto::kSyncGroup, HandleSyncGroup},
    {proto::kDescribeGroups, HandleDescribeGroups},
    {proto::kListGroups, HandleListGroups},
    {proto::kApiVersions, HandleApiVersions},
    {proto::kCreateTopics, HandleCreateTopics},
    {proto::kDeleteTopics, HandleDeleteTopics},
    {proto::kDescribeConfigs, HandleDescribeConfigs},
    {proto::kCreatePartitions, HandleCreatePartitions},
    {proto::kAlterConfigs, HandleAlterConfigs},
    {proto::kIncrementalAlterConfigs, HandleIncrementalAlterConfigs},
    {proto::kDeleteRecords, HandleDeleteRecords},
    {proto::kOffsetForLeaderEpoch, HandleOffsetForLeaderEpoch},
    {proto::kDeleteGroups, HandleDeleteGroups},
};

std::vector<proto::ApiEntry> BuildServed() {
  std::vector<proto::ApiEntry> served;
  for (const proto::ApiEntry& e : proto::ApiTable()) {
    if (FindHandler(e.key) != nullptr) served.push_back(e);
  }
  return served;
}

}  // namespace

HandlerFn FindHandler(int16_t api_key) {
  for (const HandlerEntry& h : kHandlers) {
    if (h.api_key == api_key) return h.fn;
  }
  return nullptr;
}

std::span<const proto::ApiEntry> ServedApis() {
  static const std::vector<proto::ApiEntry> served = BuildServed();
  return served;
}

}  // namespace klog::broker::handlers
