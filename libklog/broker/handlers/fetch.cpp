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
// No transactions are stored, so the last stable offset is the high
// watermark and aborted_transactions is always empty. Fetch sessions are
// not kept: session_id is 0 (every client sends full fetches).
#include <uv.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/diagnostics.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_errors.h"
#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/coding.h"
#include "klog/record.h"
#include "proto/errors.h"
#include "proto/messages.h"

namespace klog::broker::handlers {
namespace {

// True if any batch in `bytes` (whole batches, as Partitions::Read gives
// them) is zstd-compressed (not allowed before Fetch v10).
bool HasZstd(std::span<const uint8_t> bytes) {
  BatchFrameIterator frames(bytes);
  std::span<const uint8_t> b;
  while (frames.Next(&b)) {  // each frame holds at least a whole header
    if ((GetBE16(b.data() + batch::kAttributesPos) & batch::kCompressionMask) ==
        int16_t(Compression::kZstd)) {
      return true;
    }
  }
  return false;
}

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

bool NamesAPartitionTwice(const proto::FetchRequest& req) {
  std::set<std::pair<std::string_view, int32_t>> seen;
  for (const proto::FetchTopic& t : req.topics) {
    for (const proto::FetchPartition& p : t.partitions) {
      if (!seen.insert({t.topic, p.partition}).second) return true;
    }
  }
  return false;
}

class FetchWait : public partition::AppendWatcher, public std::enable_shared_from_this<FetchWait> {
 public:
  FetchWait(Broker& broker, uv_loop_t* loop, proto::FetchRequest req, int16_t version,
            Responder reply)
      : broker_(broker),
        loop_(loop),
        req_(std::move(req)),
        version_(version),
        reply_(std::move(reply)),
        copy_records_(NamesAPartitionTwice(req_)) {}

  // Answers now if enough is available, else starts waiting.
  void Start() {
    if (Attempt(req_.max_wait_ms <= 0)) return;
    timer_ = new uv_timer_t;
    uv_timer_init(loop_, timer_);
    timer_->data = this;
    uv_timer_start(timer_, OnTimer, uint64_t(req_.max_wait_ms), 0);
    self_ = shared_from_this();
    WatchAll();
  }

  void OnAppend() override {
    if (self_ == nullptr) return;
    if (!Attempt(broker_.partitions().stopping())) WatchAll();
  }

 private:
  static void OnTimer(uv_timer_t* t) {
    auto* self = static_cast<FetchWait*>(t->data);
    self->Attempt(true);
  }

  void WatchAll() {
    for (const proto::FetchTopic& t : req_.topics) {
      for (const proto::FetchPartition& p : t.partitions) {
        Result<partition::Partition*> partition = broker_.partitions().Get(t.topic, p.partition);
        if (partition.ok()) (*partition)->Watch(weak_from_this());
      }
    }
  }

  // Up to `limit` bytes of `p` (its offsets only if limit is 0), after the
  // epoch checks; a divergence sets out->diverging_epoch and reads nothing.
  int16_t Read(const std::string& topic, const proto::FetchPartition& p, size_t limit,
               std::span<const uint8_t>* bytes, partition::PartitionOffsets* off,
               proto::FetchPartitionData* out) {
    Result<partition::Partition*> partition = broker_.partitions().Get(topic, p.partition);
    if (!partition.ok()) return ReadErrorCode(partition.status());
    partition::Partition& part = **partition;
    Status s = part.Offsets(off);
    if (!s.ok()) return ReadErrorCode(s);
    int16_t fenced = LeaderEpochErrorCode(p.current_leader_epoch, part.leader_epoch());
    if (fenced != proto::kNone) return fenced;
    std::optional<EpochEndOffset> diverged = Diverging(part, p);
    if (diverged) {
      out->diverging_epoch = proto::FetchEpochEndOffset{diverged->epoch, diverged->end_offset};
      return proto::kNone;
    }
    if (limit == 0) return proto::kNone;
    return ReadErrorCode(part.Read(p.fetch_offset, limit, bytes, off));
  }

  // Builds the response; sends it and returns true if it has min_bytes or
  // `final` is set.
  bool Attempt(bool final) {
    proto::FetchResponse resp;
    std::deque<std::vector<uint8_t>> data;  // copies, when copy_records_
    size_t total = 0;
    size_t remaining = size_t(std::max(req_.max_bytes, 0));
    bool error = false;
    for (const proto::FetchTopic& t : req_.topics) {
      proto::FetchTopicResponse& out_topic = resp.responses.emplace_back();
      out_topic.topic = t.topic;
      for (const proto::FetchPartition& p : t.partitions) {
        proto::FetchPartitionData& out = out_topic.partitions.emplace_back();
        out.partition_index = p.partition;
        size_t limit = std::min(size_t(std::max(p.partition_max_bytes, 0)), remaining);
        if (total == 0) limit = std::max<size_t>(limit, 1);  // at least one batch
        std::span<const uint8_t> bytes;
        partition::PartitionOffsets off;
        int16_t code = Read(t.topic, p, limit, &bytes, &off, &out);
        if (code == proto::kNone && version_ < 10 && HasZstd(bytes)) {
          code = proto::kUnsupportedCompressionType;
          bytes = {};
        }
        // The bytes live in the partition reader's buffer until its next
        // read, so a request naming a partition twice gets copies.
        if (copy_records_) bytes = data.emplace_back(bytes.begin(), bytes.end());
        out.error_code = code;
        bool no_offsets = code == proto::kUnknownTopicOrPartition ||
                          code == proto::kFencedLeaderEpoch || code == proto::kUnknownLeaderEpoch;
        out.high_watermark = no_offsets ? -1 : off.high_watermark;
        out.last_stable_offset = out.high_watermark;
        out.log_start_offset = no_offsets ? -1 : off.log_start_offset;
        out.records.bytes = bytes;
        total += bytes.size();
        remaining -= std::min(remaining, bytes.size());
        // An error or a divergence is answered at once.
        error = error || code != proto::kNone || out.diverging_epoch.has_value();
      }
    }
    if (!final && !error && req_.min_bytes > 0 && total < size_t(req_.min_bytes)) return false;
    reply_.Send(resp);
    Stop();
    return true;
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
  proto::FetchRequest req_;
  int16_t version_;
  Responder reply_;
  uv_timer_t* timer_ = nullptr;
  std::shared_ptr<FetchWait> self_;  // set while waiting
  bool copy_records_;
};

}  // namespace

void HandleFetch(RequestContext& ctx, Responder reply) {
  int16_t version = ctx.header.api_version;
  proto::FetchRequest req;
  Status s = proto::DecodeMessage(ctx.body, version, &req);
  if (!s.ok()) return reply.CloseConnection(s.message());
  auto wait =
      std::make_shared<FetchWait>(ctx.broker, ctx.loop, std::move(req), version, std::move(reply));
  wait->Start();
}

}  // namespace klog::broker::handlers
