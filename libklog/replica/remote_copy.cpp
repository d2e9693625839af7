#include "replica/remote_copy.h"

#include <chrono>
#include <thread>

#include "replica/broker_session.h"
#include "replica/remote_run.h"

namespace klog::replica {
namespace {

using Clock = std::chrono::steady_clock;

// Fetch rounds in a row that copy nothing before a run to the high
// watermark gives up.
constexpr int kMaxIdleRounds = 200;
// A run that lost its source tries again this often,
constexpr auto kRetryPause = std::chrono::milliseconds(1000);
// and one to the high watermark this many times in a row at most.
constexpr int kMaxLostRounds = 10;

bool Stopping(const RemoteOptions& remote) { return remote.stop && remote.stop(); }

// Sleeps `pause`, in steps short enough to notice `stop` soon.
void Pause(const RemoteOptions& remote, Clock::duration pause) {
  Clock::time_point until = Clock::now() + pause;
  while (Clock::now() < until && !Stopping(remote)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// A run's answer to a source it cannot reach: warn once, and retry.
class Outage {
 public:
  explicit Outage(const CopyOptions& opts) : opts_(opts) {}
  void Lost(const Status& why) {
    if (!lost_ && opts_.warn) opts_.warn("lost the source (" + why.message() + "); retrying");
    lost_ = true;
  }
  void Reached() {
    if (lost_ && opts_.info) opts_.info("reached the source again");
    lost_ = false;
  }
  bool lost() const { return lost_; }

 private:
  const CopyOptions& opts_;
  bool lost_ = false;
};

// A broker lost mid-run is how a leader moves when its broker dies: the
// leaders are looked up again (Refresh) each second, as a follow run does,
// but only kMaxLostRounds times in a row before the run fails.
Status CopyToHighWatermark(RemoteRun& run, const RemoteOptions& remote, const CopyOptions& opts,
                           const std::function<void(const CopyProgress&)>& progress) {
  Outage outage(opts);
  bool refresh = false;  // the next step looks the leaders up again
  int idle = 0, lost_rounds = 0;
  for (;;) {
    bool progressed = false, lost = false;
    Status st = refresh ? run.Refresh() : run.FetchRound(&progressed, &lost);
    if (!st.ok()) {
      bool retry = (lost || refresh) && !st.IsNotFound();
      if (!retry || ++lost_rounds > kMaxLostRounds) return st;
      outage.Lost(st);
      Pause(remote, kRetryPause);
      refresh = true;
      continue;
    }
    if (refresh) {
      refresh = false;  // the leaders are known again: fetch from them
      continue;
    }
    outage.Reached();  // a Fetch round went through
    lost_rounds = 0;
    if (progress) progress(run.Totals());
    if (run.Complete()) return Status::Ok();
    idle = progressed ? 0 : idle + 1;
    if (idle >= kMaxIdleRounds) {
      return Status::IOError("the source sends nothing below its high watermark");
    }
  }
}

Status Follow(RemoteRun& run, const RemoteOptions& remote, const CopyOptions& opts,
              const std::function<void(const CopyProgress&)>& progress) {
  Outage outage(opts);
  Clock::time_point synced = Clock::now(), refreshed = Clock::now();
  while (!Stopping(remote)) {
    bool progressed = false, lost = false;
    Status st = outage.lost() ? run.Refresh() : run.FetchRound(&progressed, &lost);
    if (st.IsNotFound()) return st;  // a named topic was deleted at the source
    if (!st.ok() && !lost && !outage.lost()) return st;
    if (!st.ok()) {
      outage.Lost(st);
      Pause(remote, kRetryPause);
      continue;
    }
    outage.Reached();
    if (run.Totals().partitions == 0)
      Pause(remote, std::chrono::milliseconds(remote.follow_max_wait_ms));
    Clock::time_point now = Clock::now();
    if (now - synced >= std::chrono::milliseconds(remote.sync_ms)) {
      KLOG_RETURN_IF_ERROR(run.SyncAll());
      synced = now;
    }
    if (now - refreshed >= std::chrono::milliseconds(remote.refresh_ms)) {
      st = run.Refresh();
      if (st.IsNotFound()) return st;
      if (!st.ok()) outage.Lost(st);
      refreshed = now;
    }
    if (progress) progress(run.Totals());
  }
  return Status::Ok();
}

}  // namespace

Status CopyFromBrokers(const RemoteOptions& remote, const std::string& dst,
                       const std::vector<std::string>& topics, const CopyOptions& opts,
                       const std::function<void(const PartitionCopied&)>& each,
                       const std::function<void(const CopyProgress&)>& progress) {
  auto session = BrokerSession::Open(remote.client);
  if (!session.ok()) return session.status();
  DataDir dir(dst);
  RemoteRun run(*session.value(), remote, dir, opts, topics);
  KLOG_RETURN_IF_ERROR(run.Start());
  if (remote.follow) {
    KLOG_RETURN_IF_ERROR(Follow(run, remote, opts, progress));
  } else {
    KLOG_RETURN_IF_ERROR(CopyToHighWatermark(run, remote, opts, progress));
  }
  return run.FinishAll(each);
}

}  // namespace klog::replica
