#include "broker/handlers.h"

#include <vector>

namespace klog::broker {
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
    {proto::kApiVersions, HandleApiVersions},
    {proto::kCreateTopics, HandleCreateTopics},
    {proto::kDeleteTopics, HandleDeleteTopics},
    {proto::kDescribeConfigs, HandleDescribeConfigs},
    {proto::kCreatePartitions, HandleCreatePartitions},
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

}  // namespace klog::broker
