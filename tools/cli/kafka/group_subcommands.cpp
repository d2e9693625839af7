#include "cli/kafka/group_subcommands.h"

namespace klog::cli::kafka {

int RunGroupList(Tool& tool, const CommandTarget& t, bool json) {
  return t.broker ? GroupListBroker(tool, *t.broker, json)
                  : local::GroupList(tool, t.data_dir, json);
}

int RunGroupDescribe(Tool& tool, const CommandTarget& t, const std::string& group, bool json) {
  if (t.broker) return GroupDescribeBroker(tool, *t.broker, group, json);
  return local::GroupDescribe(tool, t.data_dir, group, json);
}

int RunGroupReset(Tool& tool, const CommandTarget& t, const local::GroupResetOptions& o) {
  return t.broker ? GroupResetBroker(tool, *t.broker, o) : local::GroupReset(tool, t.data_dir, o);
}

int RunGroupDelete(Tool& tool, const CommandTarget& t, const std::string& group) {
  return t.broker ? GroupDeleteBroker(tool, *t.broker, group)
                  : local::GroupDelete(tool, t.data_dir, group);
}

}  // namespace klog::cli::kafka
