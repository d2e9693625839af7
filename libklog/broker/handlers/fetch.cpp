// Fetch (key 1), v4-12: whole stored batches from each requested partition,
// sent as they are on disk (no decoding), starting with the batch that holds
// the fetch offset. The first partition with data always gets at least one
// whole batch even when it is larger than the limits (KIP-74); after that,
// partition_max_bytes and max_bytes bound the response.
//
// Long poll: when fewer than min_bytes are available the request waits, for
// at most max_wait_ms, and is woken by appends to the partitions it reads
// (Partition::Watch), never by polling. Other requests on the same
// connection wait behind it; other connections do not.
//
// Leader epochs (KIP-320, KIP-595), from the partition's copy of its epoch
// cache, without I/O: a current_leader_epoch (v9+) below the partition's
// leader epoch is answered FENCED_LEADER_EPOCH, above it
// UNKNOWN_LEADER_EPOCH (-1 is not checked). A last_fetched_epoch (v12+)
// whose end offset here (EndOffsetForEpoch) lies below fetch_offset, or
// which this log does not have (the largest epoch <= it is lower), is
// answered with diverging_epoch {epoch, end offset} and no records: the
// fetcher truncates to it and fetches again. A log without epochs has
// nothing to compare and is read as usual.
//
// replica_id is accepted and otherwise ignored: klog has no followers yet,
// so a fetcher with a replica id >= 0 is served like a consumer, up to the
// high watermark. log_start_offset (a follower's) is ignored too.
//
// Reading (see partition.h, Reads): the loop thread looks the partitions
// up, checks offsets and epochs from memory and takes a read lease of each
// partition with records to read; one pool job then reads them all in
// request order and, when the answer is due, encodes the response frame,
// so neither the preads nor the copy into the frame run on the loop thread.
// A fetch with nothing to read (every partition at its high watermark, or
// an error), or whose reads are all hot (only bytes the last append job
// wrote, at most 64 KiB from the page cache through a reader already there:
// partition/reader_pool.h), is answered or parked without the hop. While the job runs,
// wake-ups and the timer are noted and looked at when it is done.
//
// No transactions are stored, so the last stable offset is the high
// watermark and aborted_transactions is always empty. Fetch sessions are
// not kept: session_id is 0 (every client sends full fetches).
#include <uv.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/background.h"
#include "broker/diagnostics.h"
#include "broker/handlers/fetch_assemble.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_errors.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

// KIP-595: the divergence of a fetcher whose last batch has epoch
// p.last_fetched_epoch, or nothing when it has none or this log has no
// epochs.
std::optional<EpochEndOffset> Diverging(const partition::Partition& part,
                                        const proto::FetchPartition& p) {
  if (p.last_fetched_epoch < 0 || part.leader_epochs().empty()) return std::nullopt;
  EpochEndOffset end = part.EndOffsetForEpoch(p.last_fetched_epoch);
  if (end.epoch < p.last_fetched_epoch || end.end_offset < p.fetch_offset) return end;
  return std::nullopt;
}

class FetchWait : public partition::AppendWatcher, public std::enable_shared_from_this<FetchWait> {
 public:
  FetchWait(Broker& broker, uv_loop_t* loop, proto::FetchRequest req, Responder reply)
      : broker_(broker),
        loop_(loop),
        req_(std::move(req)),
        header_(reply.header()),
        reply_(std::move(reply)) {}

  // Answers now if enough is available, else starts waiting.
  void Start() {
    self_ = shared_from_this();
    bool wait = req_.max_wait_ms > 0;
    if (wait) {
      timer_ = new uv_timer_t;
      uv_timer_init(loop_, timer_);
      timer_->data = this;
      uv_timer_start(timer_, OnTimer, uint64_t(req_.max_wait_ms), 0);
    }
    Attempt(!wait);
  }

  void OnAppend() override {
    if (self_ != nullptr) Attempt(broker_.partitions().stopping());
  }

 private:
  static void OnTimer(uv_timer_t* t) { static_cast<FetchWait*>(t->data)->Attempt(true); }

  void WatchAll() {
    for (const proto::FetchTopic& t : req_.topics) {
      for (const proto::FetchPartition& p : t.partitions) {
        Result<partition::Partition*> partition = broker_.partitions().Get(t.topic, p.partition);
        if (partition.ok()) (*partition)->Watch(weak_from_this());
      }
    }
  }

  // Checks partition `p` of `topic` and fills `out` with its error code,
  // offsets and divergence; *lease is set when records are to be read.
  void Prepare(const std::string& topic, const proto::FetchPartition& p,
               proto::FetchPartitionData* out, partition::ReadLease* lease) {
    out->partition_index = p.partition;
    partition::PartitionOffsets off;
    int16_t code = proto::kNone;
    Result<partition::Partition*> found = broker_.partitions().Get(topic, p.partition);
    if (!found.ok()) {
      code = ReadErrorCode(found.status());
    } else {
      partition::Partition& part = **found;
      code = ReadErrorCode(part.Offsets(&off));
      if (code == proto::kNone)
        code = LeaderEpochErrorCode(p.current_leader_epoch, part.leader_epoch());
      std::optional<EpochEndOffset> diverged;
      if (code == proto::kNone) diverged = Diverging(part, p);
      if (diverged) {
        out->diverging_epoch = proto::FetchEpochEndOffset{diverged->epoch, diverged->end_offset};
      } else if (code == proto::kNone) {
        code = ReadErrorCode(part.PrepareFetch(p.fetch_offset, &off, lease));
      }
    }
    out->error_code = code;
    bool no_offsets = code == proto::kUnknownTopicOrPartition ||
                      code == proto::kFencedLeaderEpoch || code == proto::kUnknownLeaderEpoch;
    out->high_watermark = no_offsets ? -1 : off.high_watermark;
    out->last_stable_offset = out->high_watermark;
    out->log_start_offset = no_offsets ? -1 : off.log_start_offset;
  }

  // Looks at every partition and answers if the answer is due (min_bytes
  // there, `final`, or an error); reads go to the pool first.
  void Attempt(bool final) {
    if (job_running_) {
      again_ = true;
      final_ = final_ || final;
      return;
    }
    auto a = std::make_shared<FetchAssembly>();
    a->final = final;
    for (const proto::FetchTopic& t : req_.topics) {
      proto::FetchTopicResponse& out = a->response.responses.emplace_back();
      out.topic = t.topic;
      for (const proto::FetchPartition& p : t.partitions) {
        Prepare(t.topic, p, &out.partitions.emplace_back(), &a->leases.emplace_back());
      }
    }
    // Reads of what the broker has just written are left on the loop
    // thread (ReaderPool::Lease, hot): the long-poll consumer's usual case.
    bool reads = std::any_of(a->leases.begin(), a->leases.end(),
                             [](const partition::ReadLease& l) { return l.active() && !l.hot(); });
    if (!reads) {
      if (!AssembleFetch(req_, header_, *a)) WatchAll();  // not due: wait for appends
      return Finish(*a);
    }
    // Appends that finish while the reads run must wake this fetch again.
    if (!final) WatchAll();
    job_running_ = true;
    std::shared_ptr<FetchWait> self = shared_from_this();
    RunInBackground(
        loop_, broker_.diagnostics(), [self, a] { AssembleFetch(self->req_, self->header_, *a); },
        [self, a] {
          self->job_running_ = false;
          self->Finish(*a);
        });
  }

  // Sends the answer `a` holds, if any; else looks at what happened while
  // the reads ran.
  void Finish(FetchAssembly& a) {
    for (partition::ReadLease& lease : a.leases) lease.Release();
    if (self_ == nullptr) return;  // answered already
    if (!a.frame.empty()) {
      if (a.has_error) reply_.MarkError();
      reply_.SendFrame(std::move(a.frame));
      return Stop();
    }
    if (again_) {
      bool final = final_ || broker_.partitions().stopping();
      again_ = final_ = false;
      Attempt(final);
    }
  }

  // Ends the wait; `this` may be destroyed when it returns.
  void Stop() {
    if (timer_ != nullptr) {
      uv_timer_stop(timer_);
      uv_close(reinterpret_cast<uv_handle_t*>(timer_),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
      timer_ = nullptr;
    }
    std::shared_ptr<FetchWait> keep = std::move(self_);
  }

  Broker& broker_;
  uv_loop_t* loop_;
  const proto::FetchRequest req_;
  const proto::RequestHeader header_;
  Responder reply_;
  uv_timer_t* timer_ = nullptr;
  std::shared_ptr<FetchWait> self_;  // set until answered
  bool job_running_ = false;
  bool again_ = false;  // woken, or timed out (final_), while the job ran
  bool final_ = false;
};

}  // namespace

void HandleFetch(RequestContext& ctx, Responder reply) {
  proto::FetchRequest req;
  Status s = proto::DecodeMessage(ctx.body, ctx.header.api_version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  auto wait = std::make_shared<FetchWait>(ctx.broker, ctx.loop, std::move(req), std::move(reply));
  wait->Start();
}

}  // namespace klog::broker::handlers
