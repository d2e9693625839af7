// klog-read --group G on a data directory (no broker): this process joins
// group G (klog/group.h), owns a fair share of the topic's partitions through
// flock leases, follows the partitions it owns from the group's committed
// offsets, and commits the offsets of records that have reached stdout in
// full (at-least-once). Every ~500 ms it recounts the live members, releases
// partitions above its share (committing them first) and takes free ones,
// whether or not stdout is being read (read_group_reader.h). SIGINT/SIGTERM,
// within ~100 ms even while stdout is blocked: commit what was written,
// release, exit 0. Contract in klog-read(1); files in klog-format(5).
#pragma once

#include <cstdint>
#include <string>

#include "cli/local/read_cmd.h"
#include "cli/tool.h"

namespace klog::cli::local {

struct GroupReadOptions {
  std::string group;
  int64_t commit_interval_ms = 1000;  // 0 = commit after every flush
  bool until_end = false;             // exit once every owned partition is at its end
};

// Runs klog-read in local group mode and returns the exit code (diagnostics
// already printed). `opts.partitions` must be empty.
int RunReadGroup(Tool& tool, const ReadOptions& opts, const GroupReadOptions& group);

}  // namespace klog::cli::local
