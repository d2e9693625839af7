// Whole data directories: the topics of one copied into another (their
// partition counts and configs, then each partition's log, local_copy.h),
// and the divergence check of every partition of two of them (compare.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "klog/status.h"
#include "replica/compare.h"
#include "replica/local_copy.h"

namespace klog::replica {

struct PartitionCopied {
  std::string topic;
  int32_t partition = 0;
  CopyStats stats;
};

// Copies the `topics` of data directory `src` (every topic when empty) into
// `dst`: a topic missing there is created with the source's partition count
// and configs, a topic there gets the source's configs and, when it has fewer,
// its partition count; then every partition is copied (CopyPartitionLog) and
// `each` is called with what was copied. Stops at the first error, which
// names the topic and partition. NotFound for a named topic `src` lacks.
Status CopyDataDir(const std::string& src, const std::string& dst,
                   const std::vector<std::string>& topics, const CopyOptions& opts,
                   const std::function<void(const PartitionCopied&)>& each);

struct PartitionCompared {
  std::string topic;
  int32_t partition = 0;
  CompareResult result;
};

// Compares every partition of the `topics` (when empty, every topic of
// either directory) of data directories `a` and `b`, calling `each` per
// partition; a partition only one side has is a difference at that side's
// log start. Sets *all_equal.
Status CompareDataDirs(const std::string& a, const std::string& b,
                       const std::vector<std::string>& topics,
                       const std::function<void(const PartitionCompared&)>& each, bool* all_equal);

}  // namespace klog::replica
