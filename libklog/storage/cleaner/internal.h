// Private parts of the log cleaner (cleaner.h), shared by its files:
//   keymap.cpp          the key map (digest -> latest offset);
//   plan.cpp            what is cleanable, klog.cleaner, PlanClean;
//   batch.cpp           filtering one batch (which records survive);
//   run.cpp             RunClean: building the map and writing *.cleaned;
//   commit.cpp          the swap (Commit), its manifest and recovery;
//   cleaner.cpp         CompactLog and CleanPass.
// The on-disk rules are in klog-format(5), "Compaction".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "klog/cleaner.h"
#include "klog/status.h"

namespace klog {

constexpr std::string_view kCleanerName = "klog.cleaner";    // first dirty offset
constexpr std::string_view kCleaningName = "klog.cleaning";  // the swap's manifest
constexpr std::string_view kCleanedSuffix = ".cleaned";

// "<dir>/<base><suffix>.cleaned", where a cleaned segment's file is written.
std::string CleanedPath(const std::string& dir, int64_t base, std::string_view suffix);

// A sealed segment as Plan saw it.
struct SourceSegment {
  int64_t base = 0;
  int64_t bytes = 0;      // of its .log
  int64_t next_base = 0;  // base of the segment after it
};

// Cleaned segment `base` replaces the segments `sources` (sources[0] == base).
struct CleanGroup {
  int64_t base = 0;
  std::vector<int64_t> sources;
};

// klog.cleaner: one sealed line
//   "klog-cleaner 1 first_dirty <O> horizon <H> check <hex>\n".
// `horizon` is the earliest delete horizon of a tombstone kept in the clean
// part (-1: none), so that a pass is planned once it has passed.
struct CleanerCheckpoint {
  int64_t first_dirty = 0;
  int64_t horizon = -1;
};
// NotFound when absent, Corruption when torn or malformed.
Result<CleanerCheckpoint> ReadCleanerCheckpoint(const std::string& dir);
Status WriteCleanerCheckpoint(const std::string& dir, const CleanerCheckpoint& c, bool sync);

struct CleanPass::Impl {
  std::string dir;
  CleanerOptions opts;
  int64_t now = 0;
  int64_t first_dirty = 0;    // the key map starts here
  int64_t cleanable_end = 0;  // base of the first segment that is not cleanable
  // Every cleanable sealed segment, from the first segment of the log.
  std::vector<SourceSegment> segments;
  // Filled by Run.
  bool ran = false;
  int64_t map_end = 0;       // first offset the map did not cover: the next first_dirty
  int64_t min_horizon = -1;  // earliest delete horizon kept in the cleaned segments
  std::vector<CleanGroup> groups;
  CleanResult stats;

  bool empty() const { return segments.empty(); }
};

// The sealed segment's largest timestamp: its time index's last entry, or the
// .log's mtime when it has no timestamps (as retention does).
Result<int64_t> SegmentLargestTimestamp(const std::string& dir, int64_t base);

// Removes the files of every group of the pass that Run wrote ("*.cleaned").
void RemoveCleanedFiles(const std::string& dir, const std::vector<CleanGroup>& groups);

// Finishes or rolls back a swap a crash interrupted (klog-format(5)): with a
// valid klog.cleaning, redoes its rename, unlink, checkpoint and done steps;
// without one, removes every *.cleaned file. A corrupt manifest is
// Corruption naming it. Called by LogWriter::Open's recovery and PlanClean.
Status RecoverCleaning(const std::string& dir);

}  // namespace klog
