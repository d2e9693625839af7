#include "cli/kafka/group_subcommands.h"

namespace klog::cli {

int RunGroupList(const CommandTarget& t, bool json) {
  return t.broker ? GroupListBroker(*t.broker, json) : GroupList(t.data_dir, json);
}

int RunGroupDescribe(const CommandTarget& t, const std::string& group, bool json) {
  if (t.broker) return GroupDescribeBroker(*t.broker, group, json);
  return GroupDescribe(t.data_dir, group, json);
}

int RunGroupReset(const CommandTarget& t, const GroupResetOptions& o) {
  return t.broker ? GroupResetBroker(*t.broker, o) : GroupReset(t.data_dir, o);
}

int RunGroupDelete(const CommandTarget& t, const std::string& group) {
  return t.broker ? GroupDeleteBroker(*t.broker, group) : GroupDelete(t.data_dir, group);
}

}  // namespace klog::cli
