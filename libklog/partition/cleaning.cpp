// The broker's log cleaner (see MaintenanceScheduler::CleanNow).
// One partition is cleaned at a time, one pass after another: the pass is
// planned and committed as maintenance jobs of the partition (so they are
// ordered with its appends and retention), and run in between on the pool
// outside the partition's job sequence, so appends and fetches go on while
// the cleaned segments are written.
#include <memory>

#include "broker/background.h"
#include "broker/diagnostics.h"
#include "klog/cleaner.h"
#include "klog/segment.h"
#include "partition/maintenance_scheduler.h"
#include "partition/partitions.h"

namespace klog::partition {

// A compacted partition to look at, with what its topic asks of the cleaner.
struct MaintenanceScheduler::CleanCandidate {
  std::string topic;
  int32_t partition = 0;
  CleanerOptions opts;
  double min_dirty_ratio = 0.5;
};

void MaintenanceScheduler::CleanNow() {
  if (stopped_ || cleaning_) return;
  cleaning_ = true;
  auto found = std::make_shared<std::vector<CleanCandidate>>();
  auto error = std::make_shared<Status>();
  DataDir dir = data_dir_;  // a copy: listed on a pool thread
  int64_t key_map_bytes = config_.cleaner_dedupe_buffer_bytes;
  auto work = [found, error, dir, key_map_bytes, &diag = diagnostics_] {
    Result<std::vector<TopicInfo>> topics = dir.ListTopics();
    if (!topics.ok()) {
      *error = topics.status();
      return;
    }
    for (const TopicInfo& info : *topics) {
      if (!TopicIsCompacted(info)) continue;
      CleanCandidate c;
      c.topic = info.name;
      c.opts.key_map_bytes = key_map_bytes;
      Status s = TopicCleanerOptions(info, &c.opts, &c.min_dirty_ratio);
      if (!s.ok()) {
        diag.Warn("cleaner: " + s.message());
        continue;
      }
      for (int32_t p = 0; p < info.partitions; ++p) {
        // Only a partition with a sealed segment has anything to clean.
        Result<std::vector<int64_t>> segs = ListSegments(dir.PartitionPath(info.name, p));
        if (!segs.ok() || segs->size() < 2) continue;
        c.partition = p;
        found->push_back(c);
      }
    }
  };
  auto done = [this, found, error] {
    if (!error->ok()) diagnostics_.Error("cleaner: " + error->message());
    CleanNext(found, 0);
  };
  broker::RunInBackground(loop_, diagnostics_, std::move(work), std::move(done));
}

void MaintenanceScheduler::CleanNext(Candidates list, size_t i) {
  if (stopped_ || i >= list->size()) {
    cleaning_ = false;
    return;
  }
  const CleanCandidate& c = (*list)[i];
  if (partitions_.IsClosed(c.topic)) return CleanNext(list, i + 1);
  auto state = std::make_shared<CleanableState>();
  CleanerOptions opts = c.opts;
  auto fn = [opts, state](LogWriter* w) {
    Result<CleanableState> s = CleanableStateOf(w, opts);
    if (!s.ok()) return s.status();
    *state = *s;
    return Status::Ok();
  };
  std::string where = c.topic + "-" + std::to_string(c.partition);
  partitions_.Maintain(c.topic, c.partition, fn, [this, list, i, state, where](const Status& s) {
    const CleanCandidate& c = (*list)[i];
    if (!s.ok()) diagnostics_.Warn(where + ": cleaner: " + s.message());
    if (!s.ok() || state->dirty_bytes == 0 || state->dirty_ratio() < c.min_dirty_ratio) {
      return CleanNext(list, i + 1);
    }
    diagnostics_.Info(where + ": cleaning: dirty ratio " +
                      std::to_string(state->dirty_ratio()).substr(0, 4) + " (" +
                      std::to_string(state->dirty_bytes) + " dirty bytes)");
    CleanPassOf(list, i, std::make_shared<CleanResult>());
  });
}

// Plan, run and commit one pass of candidate i; then another while the
// partition is still dirty enough and the pass made progress.
void MaintenanceScheduler::CleanPassOf(Candidates list, size_t i,
                                       std::shared_ptr<CleanResult> total) {
  const CleanCandidate& c = (*list)[i];
  std::string where = c.topic + "-" + std::to_string(c.partition);
  auto pass = std::make_shared<std::unique_ptr<CleanPass>>();
  CleanerOptions opts = c.opts;
  auto plan = [opts, pass](LogWriter* w) {
    Result<std::unique_ptr<CleanPass>> p = PlanClean(w, opts);
    if (!p.ok()) return p.status();
    *pass = std::move(*p);
    return Status::Ok();
  };
  auto finished = [this, list, i, total, where](const Status& s) {
    if (!s.ok()) diagnostics_.Warn(where + ": cleaner: " + s.message());
    if (total->passes > 0) {
      diagnostics_.Info(where + ": cleaned in " + std::to_string(total->passes) +
                        " pass(es): " + std::to_string(total->segments_read) + " segment(s), " +
                        std::to_string(total->bytes_read) + " bytes read, " +
                        std::to_string(total->bytes_written) + " written; kept " +
                        std::to_string(total->records_kept) + " of " +
                        std::to_string(total->records_read) + " records");
    }
    CleanNext(list, i + 1);
  };
  auto planned = [this, list, i, total, pass, finished](const Status& s) {
    if (!s.ok() || !*pass || (*pass)->empty() || stopped_) {
      if (*pass) AbandonClean(pass->get());
      return finished(s);
    }
    auto run_status = std::make_shared<Status>();
    broker::RunInBackground(
        loop_, diagnostics_, [pass, run_status] { *run_status = RunClean(pass->get()); },
        [this, list, i, total, pass, run_status, finished] {
          if (!run_status->ok() || stopped_) {
            AbandonClean(pass->get());
            return finished(*run_status);
          }
          CommitPass(list, i, total, pass, finished);
        });
  };
  partitions_.Maintain(c.topic, c.partition, plan, planned);
}

void MaintenanceScheduler::CommitPass(Candidates list, size_t i, std::shared_ptr<CleanResult> total,
                                      std::shared_ptr<std::unique_ptr<CleanPass>> pass,
                                      std::function<void(const Status&)> finished) {
  const CleanCandidate& c = (*list)[i];
  CleanerOptions opts = c.opts;
  double min_ratio = c.min_dirty_ratio;
  auto again = std::make_shared<bool>(false);
  auto commit = [pass, total, opts, min_ratio, again](LogWriter* w) {
    int64_t dirty_before = total->first_dirty;
    Status s = CommitClean(w, pass->get(), total.get());
    if (!s.ok()) return s;
    Result<CleanableState> st = CleanableStateOf(w, opts);
    if (!st.ok()) return st.status();
    *again =
        st->dirty_bytes > 0 && st->dirty_ratio() >= min_ratio && total->first_dirty > dirty_before;
    return Status::Ok();
  };
  auto committed = [this, list, i, total, pass, again, finished](const Status& s) {
    // A failed commit cleans up after itself (Busy: retention or
    // DeleteRecords changed the log first) or is rolled forward by
    // recovery; its .cleaned files must stay.
    if (s.ok() && *again && !stopped_) return CleanPassOf(list, i, total);
    finished(s);
  };
  partitions_.Maintain(c.topic, c.partition, commit, committed);
}

}  // namespace klog::partition
