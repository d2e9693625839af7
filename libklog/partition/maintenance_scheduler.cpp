// The retention and cleaner timers, and a retention round (see
// maintenance_scheduler.h). The cleaner's rounds are in cleaning.cpp.
#include "partition/maintenance_scheduler.h"

#include <string>

#include "broker/background.h"
#include "broker/diagnostics.h"
#include "klog/segment.h"
#include "partition/partitions.h"

namespace klog::partition {

namespace {

// A repeating timer that calls `(self->*fn)()` on each tick. Freed (the
// whole Tick) in the close callback.
struct Tick {
  uv_timer_t timer;
  MaintenanceScheduler* self;
  void (MaintenanceScheduler::*fn)();
};

// Starts a Tick every `every_ms` that does not keep the loop alive.
uv_timer_t* StartTimer(uv_loop_t* loop, MaintenanceScheduler* self,
                       void (MaintenanceScheduler::*fn)(), int64_t every_ms) {
  auto* tick = new Tick{{}, self, fn};
  uv_timer_init(loop, &tick->timer);
  tick->timer.data = tick;
  uint64_t every = uint64_t(every_ms);
  uv_timer_start(
      &tick->timer,
      [](uv_timer_t* t) {
        auto* k = static_cast<Tick*>(t->data);
        (k->self->*k->fn)();
      },
      every, every);
  uv_unref(reinterpret_cast<uv_handle_t*>(&tick->timer));
  return &tick->timer;
}

void CloseTimer(uv_timer_t** timer) {
  if (*timer == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(*timer),
           [](uv_handle_t* h) { delete static_cast<Tick*>(h->data); });
  *timer = nullptr;
}

// A partition retention may delete from: it has a sealed segment.
struct RetentionCandidate {
  std::string topic;
  int32_t partition;
  int64_t retention_ms;
  int64_t retention_bytes;
};

}  // namespace

MaintenanceScheduler::MaintenanceScheduler(Partitions& partitions,
                                           const broker::BrokerConfig& config, DataDir data_dir,
                                           broker::Diagnostics& diagnostics)
    : partitions_(partitions),
      config_(config),
      data_dir_(std::move(data_dir)),
      diagnostics_(diagnostics) {}

MaintenanceScheduler::~MaintenanceScheduler() = default;

void MaintenanceScheduler::Start(uv_loop_t* loop) {
  loop_ = loop;
  retention_timer_ = StartTimer(loop_, this, &MaintenanceScheduler::EnforceRetentionNow,
                                config_.retention_check_interval_ms);
  if (config_.cleaner_enable) {
    cleaner_timer_ =
        StartTimer(loop_, this, &MaintenanceScheduler::CleanNow, config_.cleaner_backoff_ms);
  }
}

void MaintenanceScheduler::Stop() {
  stopped_ = true;
  CloseTimer(&retention_timer_);
  CloseTimer(&cleaner_timer_);
}

void MaintenanceScheduler::EnforceRetentionNow() {
  if (stopped_) return;
  auto found = std::make_shared<std::vector<RetentionCandidate>>();
  auto error = std::make_shared<Status>();
  DataDir dir = data_dir_;  // a copy: listed on a pool thread
  auto work = [found, error, dir] {
    Result<std::vector<TopicInfo>> topics = dir.ListTopics();
    if (!topics.ok()) {
      *error = topics.status();
      return;
    }
    for (const TopicInfo& info : *topics) {
      int64_t ms = 0, bytes = 0;
      if (!TopicRetention(info, &ms, &bytes).ok()) continue;
      for (int32_t p = 0; p < info.partitions; ++p) {
        Result<std::vector<int64_t>> segs = ListSegments(dir.PartitionPath(info.name, p));
        if (segs.ok() && segs->size() >= 2) found->push_back({info.name, p, ms, bytes});
      }
    }
  };
  auto done = [this, found, error] {
    if (!error->ok()) return diagnostics_.Error("retention: " + error->message());
    if (stopped_) return;
    for (const RetentionCandidate& c : *found) {
      if (partitions_.IsClosed(c.topic)) continue;
      std::string where = c.topic + "-" + std::to_string(c.partition);
      auto r = std::make_shared<RetentionResult>();
      int64_t ms = c.retention_ms, bytes = c.retention_bytes;
      auto fn = [ms, bytes, r](LogWriter* w) { return w->EnforceRetention(ms, bytes, r.get()); };
      partitions_.Maintain(c.topic, c.partition, fn, [this, where, r](const Status& s) {
        if (!s.ok()) return diagnostics_.Warn(where + ": retention: " + s.message());
        if (r->deleted_segments == 0) return;
        diagnostics_.Info(where + ": retention deleted " + std::to_string(r->deleted_segments) +
                          " segment(s), " + std::to_string(r->deleted_bytes) +
                          " bytes; log start offset " + std::to_string(r->log_start_offset));
      });
    }
  };
  broker::RunInBackground(loop_, diagnostics_, std::move(work), std::move(done));
}

}  // namespace klog::partition
