// klog-append's work after flag parsing: read records from an fd, place
// them on partitions and append them (see klog-append(1) for the contract).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/tool.h"
#include "klog/log.h"
#include "klog/record.h"
#include "klog/status.h"

namespace klog::cli::local {

struct AppendOptions {
  std::string data_dir;
  std::string topic;
  std::optional<int32_t> partition;          // -p
  std::string delimiter = "\n";              // escapes already decoded
  std::optional<std::string> key_delimiter;  // -K
  bool json = false;
  std::vector<std::pair<std::string, std::string>> headers;  // -H
  int32_t create_partitions = 1;
  bool no_create = false;
  Compression codec = Compression::kNone;
  FlushPolicy flush;
  int64_t batch_bytes = int64_t(1) << 20;
  bool progress = false;
  int input_fd = 0;
};

// Parses --flush: "none", "batch" or a number of milliseconds.
Result<FlushPolicy> ParseFlushPolicy(const std::string& s);

// Runs the append and returns the exit code (diagnostics already printed).
int RunAppend(Tool& tool, const AppendOptions& opts);

}  // namespace klog::cli::local
