// Topic config changes shared by the AlterConfigs and IncrementalAlterConfigs
// handlers: the checks on the loop thread, the metadata rewrite on the thread
// pool (DataDir::AlterTopicConfigs, then Partitions::Load of the new
// description), then Partitions::Install and RefreshTopicOptions on the loop
// thread so open writers take the new options.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/handlers/handlers.h"
#include "proto/messages.h"

namespace klog::broker::handlers {

// One resource of a request, reduced to what changes.
struct ConfigChange {
  int8_t resource_type = 0;
  std::string name;
  bool replace_all = false;  // AlterConfigs: keys not in `set` are removed
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
  proto::AlterConfigsResult result;  // error_code set by the caller = refused already
};

// Checks each change (resource type, duplicate, topic exists, keys and
// values valid), applies the ones that pass unless `validate_only`, then
// calls `send` with the results on the loop thread.
void ApplyConfigChanges(RequestContext& ctx, std::vector<ConfigChange> changes, bool validate_only,
                        std::function<void(std::vector<proto::AlterConfigsResult>)> send);

}  // namespace klog::broker::handlers
