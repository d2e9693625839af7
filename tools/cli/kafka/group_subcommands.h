// klog-group's subcommands (klog-group(1)), each run through a broker or on
// a data directory as its CommandTarget says: the choice between
// group_broker.cpp and cli/local/group_cmd.cpp. Each function returns the
// exit code with diagnostics already printed.
#pragma once

#include <string>

#include "cli/kafka/commands.h"
#include "cli/local/group_cmd.h"
#include "cli/tool.h"

namespace klog::cli::kafka {

int RunGroupList(Tool& tool, const CommandTarget& t, bool json);
int RunGroupDescribe(Tool& tool, const CommandTarget& t, const std::string& group, bool json);
int RunGroupReset(Tool& tool, const CommandTarget& t, const local::GroupResetOptions& o);
int RunGroupDelete(Tool& tool, const CommandTarget& t, const std::string& group);

}  // namespace klog::cli::kafka
