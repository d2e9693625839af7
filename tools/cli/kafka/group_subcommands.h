// klog-group's subcommands (klog-group(1)), each run through a broker or on
// a data directory as its CommandTarget says: the choice between
// group_broker.cpp and cli/local/group_cmd.cpp. Each function returns the
// exit code with diagnostics already printed.
#pragma once

#include <string>

#include "cli/kafka/commands.h"
#include "cli/local/group_cmd.h"

namespace klog::cli {

int RunGroupList(const CommandTarget& t, bool json);
int RunGroupDescribe(const CommandTarget& t, const std::string& group, bool json);
int RunGroupReset(const CommandTarget& t, const GroupResetOptions& o);
int RunGroupDelete(const CommandTarget& t, const std::string& group);

}  // namespace klog::cli
