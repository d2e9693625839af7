// MaintenanceScheduler: the broker's retention and compaction timers. Each
// round lists the data directory on the thread pool and then runs its work
// as maintenance jobs of the partitions (Partitions::Maintain), so it is
// ordered with their appends. The timers do not keep the loop alive.
//
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "broker/config.h"
#include "broker/diagnostics.h"
#include "klog/cleaner.h"
#include "klog/log.h"
#include "klog/topic.h"

namespace klog::partition {

class Partitions;

class MaintenanceScheduler {
 public:
  // `partitions` owns the scheduler and outlives it, as does `diagnostics`
  // (where rounds report).
  MaintenanceScheduler(Partitions& partitions, const broker::BrokerConfig& config, DataDir data_dir,
                       broker::Diagnostics& diagnostics);
  ~MaintenanceScheduler();
  MaintenanceScheduler(const MaintenanceScheduler&) = delete;
  MaintenanceScheduler& operator=(const MaintenanceScheduler&) = delete;

  // Starts the retention timer (every config.retention_check_interval_ms)
  // and, unless !config.cleaner_enable, the cleaner timer (every
  // config.cleaner_backoff_ms).
  void Start(uv_loop_t* loop);
  // Closes the timers; a round under way ends at its next step.
  void Stop();

  // Applies each topic's retention.ms and retention.bytes to all its
  // partitions that have a sealed segment (a maintenance job each).
  // Partitions with only an active segment are skipped without opening a
  // writer (so the broker does not lock partitions it never wrote).
  void EnforceRetentionNow();
  // Each partition of a compacted topic (cleanup.policy has "compact") whose
  // dirty ratio is at or above its topic's min.cleanable.dirty.ratio is
  // cleaned, one partition at a time, pass after pass (see klog/cleaner.h):
  // Plan and Commit are maintenance jobs of the partition; Run goes on the
  // pool beside its appends and fetches. One round at a time.
  void CleanNow();

  struct CleanCandidate;

 private:
  using Candidates = std::shared_ptr<std::vector<CleanCandidate>>;
  void CleanNext(Candidates list, size_t i);
  void CleanPassOf(Candidates list, size_t i, std::shared_ptr<CleanResult> total);
  void CommitPass(Candidates list, size_t i, std::shared_ptr<CleanResult> total,
                  std::shared_ptr<std::unique_ptr<CleanPass>> pass,
                  std::function<void(const Status&)> finished);

  Partitions& partitions_;
  const broker::BrokerConfig& config_;
  DataDir data_dir_;
  broker::Diagnostics& diagnostics_;
  uv_loop_t* loop_ = nullptr;
  bool stopped_ = false;
  bool cleaning_ = false;  // a CleanNow round is under way
  uv_timer_t* retention_timer_ = nullptr;
  uv_timer_t* cleaner_timer_ = nullptr;
};

}  // namespace klog::partition
