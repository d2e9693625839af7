#include "cli/kafka/group_subcommands.h"

namespace klog::cli {

int RunGroupList(Tool& tool, const CommandTarget& t, bool json) {
  return t.broker ? GroupListBroker(tool, *t.broker, json) : GroupList(tool, t.data_dir, json);
}

int RunGroupDescribe(Tool& tool, const CommandTarget& t, const std::string& group, bool json) {
  if (t.broker) return GroupDescribeBroker(tool, *t.broker, group, json);
  return GroupDescribe(tool, t.data_dir, group, json);
}

int RunGroupReset(Tool& tool, const CommandTarget& t, const GroupResetOptions& o) {
  return t.broker ? GroupResetBroker(tool, *t.broker, o) : GroupReset(tool, t.data_dir, o);
}

int RunGroupDelete(Tool& tool, const CommandTarget& t, const std::string& group) {
  return t.broker ? GroupDeleteBroker(tool, *t.broker, group)
                  : GroupDelete(tool, t.data_dir, group);
}

}  // namespace klog::cli
