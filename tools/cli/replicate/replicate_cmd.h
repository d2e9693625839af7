// klog-replicate's commands after flag parsing (klog-replicate(1)): a copy
// from a data directory or from brokers, once or following the source until
// SIGINT/SIGTERM, and the comparison of two data directories. Each returns
// the exit code with diagnostics already printed; --stats and --compare
// lines go to tool.out().
#pragma once

#include <string>
#include <vector>

#include "cli/tool.h"

namespace klog::cli::replicate {

struct ReplicateOptions {
  std::string source;                // -s: a data directory
  std::vector<std::string> brokers;  // -b: HOST:PORT each
  std::string dest;                  // the data directory copied into
  std::vector<std::string> topics;   // none: every topic
  bool truncate = true;              // false: --no-truncate
  bool follow = false;
  bool stats = false;
  bool progress = false;
};

int ReplicateCopy(Tool& tool, const ReplicateOptions& o);
int ReplicateCompare(Tool& tool, const std::string& a, const std::string& b,
                     const std::vector<std::string>& topics);

}  // namespace klog::cli::replicate
