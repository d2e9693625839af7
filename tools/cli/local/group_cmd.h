// klog-group's commands on a data directory (no broker): list groups,
// describe one (members, committed offsets, lag, lease owners), reset its
// offsets for a topic, delete it. Contract in klog-group(1). Each function
// returns the exit code with diagnostics already printed.
#pragma once

#include <cstdint>

#include <optional>
#include <string>
#include <vector>
#include "cli/tool.h"

namespace klog::cli::local {

struct GroupResetOptions {
  enum class To { kNone, kEarliest, kLatest, kOffset, kDatetime, kShiftBy };
  std::string group;
  std::string topic;
  To to = To::kNone;
  int64_t value = 0;     // offset, epoch ms or shift
  bool execute = false;  // without it only the plan is printed
};

// One partition in `describe`: committed offset, log bounds and the member
// owning it (a pid locally, a member id through a broker; empty if none).
struct GroupPartitionRow {
  std::string topic;
  int32_t partition = 0;
  std::optional<int64_t> committed;
  int64_t start = 0, end = 0;
  std::string owner;
  // Records not yet consumed: end minus the committed offset (or minus the
  // log start when nothing is committed).
  int64_t lag() const;
};

// Prints `describe` output (text or one JSON object) on stdout.
void PrintGroupDescription(Tool& tool, const std::string& group,
                           const std::vector<std::string>& members,
                           const std::vector<GroupPartitionRow>& rows, bool json);

// The offset `reset` moves a partition to, clamped to [start, end].
// `at_time` is the first offset at or after --to-datetime (end if none).
int64_t ResetTarget(const GroupResetOptions& o, int64_t start, int64_t end,
                    std::optional<int64_t> current, int64_t at_time);
// One line of the reset plan: "TOPIC\tPARTITION\tCURRENT -> NEW\n".
void PrintResetLine(Tool& tool, const std::string& topic, int32_t partition,
                    std::optional<int64_t> current, int64_t next);

int GroupList(Tool& tool, const std::string& data_dir, bool json);
int GroupDescribe(Tool& tool, const std::string& data_dir, const std::string& group, bool json);
int GroupReset(Tool& tool, const std::string& data_dir, const GroupResetOptions& o);
int GroupDelete(Tool& tool, const std::string& data_dir, const std::string& group);

}  // namespace klog::cli::local
