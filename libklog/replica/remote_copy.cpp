#include "replica/remote_copy.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "klog/log.h"
#include "klog/topic.h"
#include "proto/errors.h"
#include "proto/messages.h"
#include "replica/broker_session.h"
#include "replica/remote_partition.h"
#include "replica/remote_topics.h"
#include "replica/topic_sync.h"

namespace klog::replica {
namespace {

constexpr int64_t kLatest = -1;    // ListOffsets: the high watermark
constexpr int64_t kEarliest = -2;  // ListOffsets: the log start
// A partition whose fetch offset the source keeps refusing (its log start or
// end moving under the copy), or whose leader keeps moving, fails after this
// many fresh looks.
constexpr int kMaxRefreshes = 5;
// Fetch rounds in a row that copy nothing before the copy gives up.
constexpr int kMaxIdleRounds = 200;

using Key = std::pair<std::string, int32_t>;

// The state of one run: every partition being copied and its leader.
struct Run {
  BrokerSession& session;
  const RemoteOptions& remote;
  std::map<Key, std::unique_ptr<RemotePartition>> parts;
  std::map<Key, int32_t> leader;
  std::map<Key, int> refreshes;
};

Key KeyOf(const RemotePartition& p) { return {p.topic(), p.partition()}; }

std::map<int32_t, std::vector<RemotePartition*>> ByLeader(
    Run& run, const std::vector<RemotePartition*>& parts) {
  std::map<int32_t, std::vector<RemotePartition*>> out;
  for (RemotePartition* p : parts) out[run.leader[KeyOf(*p)]].push_back(p);
  return out;
}

// ListOffsets at `timestamp` for `parts`, all led by `node`.
Status ListAt(Run& run, int32_t node, const std::vector<RemotePartition*>& parts, int64_t timestamp,
              std::map<Key, int64_t>* out) {
  proto::ListOffsetsRequest req;
  for (RemotePartition* p : parts) {
    if (req.topics.empty() || req.topics.back().name != p->topic()) {
      req.topics.push_back({p->topic(), {}});
    }
    req.topics.back().partitions.push_back({p->partition(), timestamp, 1});
  }
  auto resp = run.session.ListOffsets(node, std::move(req));
  if (!resp.ok()) return resp.status();
  for (const proto::ListOffsetsTopicResponse& t : resp->topics) {
    for (const proto::ListOffsetsPartitionResponse& r : t.partitions) {
      std::string where = "topic " + t.name + " partition " + std::to_string(r.partition_index);
      if (r.error_code != proto::kNone) {
        return Status::IOError(where + ": ListOffsets error " + std::to_string(r.error_code) +
                               " (" + proto::ErrorName(r.error_code) + ")");
      }
      (*out)[{t.name, r.partition_index}] = r.offset;
    }
  }
  for (RemotePartition* p : parts) {
    if (!out->count(KeyOf(*p))) return Status::Corruption(p->Where() + ": ListOffsets: no answer");
  }
  return Status::Ok();
}

// The copy ends past the source's end: asks the source where the epoch of
// the copy's last batch ends and cuts the copy there (at most at `hw`).
Status CutToSource(Run& run, int32_t node, RemotePartition* p, int64_t hw) {
  int32_t epoch = p->last_epoch();
  int64_t end = hw;
  if (epoch >= 0) {
    proto::OffsetForLeaderEpochRequest req;
    req.replica_id = -1;
    req.topics.push_back({p->topic(), {{p->partition(), -1, epoch}}});
    auto resp = run.session.OffsetForLeaderEpoch(node, std::move(req));
    if (!resp.ok()) return resp.status().WithContext(p->Where());
    for (const auto& t : resp->topics) {
      for (const proto::EpochEndOffsetData& d : t.partitions) {
        if (d.error_code == proto::kNone && d.end_offset >= 0) end = std::min(end, d.end_offset);
      }
    }
  }
  return p->Diverged(end, "the copy ends at " + std::to_string(p->next_offset()) +
                              ", past the source's high watermark " + std::to_string(hw) +
                              "; the source's epoch " + std::to_string(epoch) + " ends at " +
                              std::to_string(end));
}

// Learns the source's log start and high watermark of `parts` and cuts back
// the copies that end past the source's end.
Status LearnSource(Run& run, const std::vector<RemotePartition*>& parts) {
  for (auto& [node, led] : ByLeader(run, parts)) {
    std::map<Key, int64_t> start, hw;
    KLOG_RETURN_IF_ERROR(ListAt(run, node, led, kEarliest, &start));
    KLOG_RETURN_IF_ERROR(ListAt(run, node, led, kLatest, &hw));
    for (RemotePartition* p : led) {
      bool diverged = false;
      KLOG_RETURN_IF_ERROR(p->SetSource(start[KeyOf(*p)], hw[KeyOf(*p)], &diverged));
      if (diverged) KLOG_RETURN_IF_ERROR(CutToSource(run, node, p, hw[KeyOf(*p)]));
    }
  }
  return Status::Ok();
}

// One Fetch per leader, for every partition it leads that is not complete.
std::map<int32_t, proto::FetchRequest> NextFetches(Run& run) {
  std::map<int32_t, proto::FetchRequest> out;
  for (auto& [key, p] : run.parts) {
    if (p->done()) continue;
    proto::FetchRequest& req = out[run.leader[key]];
    req.replica_id = -1;
    req.max_wait_ms = run.remote.fetch_max_wait_ms;
    req.min_bytes = 1;
    req.max_bytes = run.remote.fetch_max_bytes;
    req.isolation_level = 0;  // read_uncommitted: every batch, as stored
    if (req.topics.empty() || req.topics.back().topic != key.first) {
      req.topics.push_back({key.first, {}});
    }
    req.topics.back().partitions.push_back(p->NextFetch(run.remote.partition_max_bytes));
  }
  return out;
}

// True for the errors of a partition whose leadership moved or is moving.
bool LeaderMoved(int16_t code) {
  return code == proto::kNotLeaderOrFollower || code == proto::kLeaderNotAvailable ||
         code == proto::kFencedLeaderEpoch || code == proto::kUnknownLeaderEpoch;
}

// Looks up the leaders of `moved` again (Metadata), after a pause that grows
// with the partitions' retries (an election takes a moment).
Status FindLeaders(Run& run, const std::vector<RemotePartition*>& moved) {
  int most = 0;
  std::vector<std::string> names;
  for (RemotePartition* p : moved) {
    most = std::max(most, run.refreshes[KeyOf(*p)]);
    if (std::find(names.begin(), names.end(), p->topic()) == names.end()) {
      names.push_back(p->topic());
    }
  }
  // A blocking sleep: this is a command-line tool, and nothing else is
  // waiting on its loop between two Fetch rounds.
  std::this_thread::sleep_for(std::chrono::milliseconds(200 * most));
  auto topics = DescribeSourceTopics(run.session, names);
  if (!topics.ok()) return topics.status();
  for (const SourceTopic& t : topics.value()) {
    for (size_t i = 0; i < t.leaders.size(); i++)
      run.leader[{t.info.name, int32_t(i)}] = t.leaders[i];
  }
  return Status::Ok();
}

// Applies one partition's part of a Fetch answer. A fetch offset the source
// refuses (OFFSET_OUT_OF_RANGE) puts the partition in *refresh; a leader
// that moved, in *moved.
Status ApplyAnswer(Run& run, const std::string& topic, const proto::FetchPartitionData& d,
                   std::vector<RemotePartition*>* refresh, std::vector<RemotePartition*>* moved) {
  auto it = run.parts.find({topic, d.partition_index});
  if (it == run.parts.end()) return Status::Ok();  // not asked for
  RemotePartition* p = it->second.get();
  bool out_of_range = d.error_code == proto::kOffsetOutOfRange;
  if (out_of_range || LeaderMoved(d.error_code)) {
    if (++run.refreshes[it->first] > kMaxRefreshes) {
      return Status::IOError(p->Where() + ": Fetch from offset " +
                             std::to_string(p->NextFetch(0).fetch_offset) +
                             " keeps failing: " + proto::ErrorName(d.error_code));
    }
    (out_of_range ? refresh : moved)->push_back(p);
    return Status::Ok();
  }
  if (d.error_code != proto::kNone) {
    return Status::IOError(p->Where() + ": Fetch error " + std::to_string(d.error_code) + " (" +
                           proto::ErrorName(d.error_code) + ")");
  }
  if (d.diverging_epoch) {
    return p->Diverged(d.diverging_epoch->end_offset,
                       "the source's epoch " + std::to_string(d.diverging_epoch->epoch) +
                           " ends at " + std::to_string(d.diverging_epoch->end_offset));
  }
  return p->Append(d.records.bytes);
}

int64_t Progress(const Run& run) {
  int64_t sum = 0;
  for (const auto& [key, p] : run.parts) sum += p->next_offset() + p->stats().batches;
  return sum;
}

Status FetchUntilDone(Run& run) {
  int idle = 0;
  for (;;) {
    auto reqs = NextFetches(run);
    if (reqs.empty()) return Status::Ok();
    int64_t before = Progress(run);
    BrokerSession::FetchReplies replies;
    KLOG_RETURN_IF_ERROR(run.session.FetchEach(std::move(reqs), &replies));
    std::vector<RemotePartition*> refresh, moved;
    for (const auto& [node, reply] : replies) {
      if (reply.body.error_code != proto::kNone) {
        return Status::IOError("Fetch from node " + std::to_string(node) + ": error " +
                               proto::ErrorName(reply.body.error_code));
      }
      for (const proto::FetchTopicResponse& t : reply.body.responses) {
        for (const proto::FetchPartitionData& d : t.partitions) {
          KLOG_RETURN_IF_ERROR(ApplyAnswer(run, t.topic, d, &refresh, &moved));
        }
      }
    }
    if (!moved.empty()) KLOG_RETURN_IF_ERROR(FindLeaders(run, moved));
    if (!refresh.empty()) KLOG_RETURN_IF_ERROR(LearnSource(run, refresh));
    idle = (Progress(run) == before && refresh.empty() && moved.empty()) ? idle + 1 : 0;
    if (idle >= kMaxIdleRounds) {
      return Status::IOError("the source sends nothing below its high watermark");
    }
  }
}

// Syncs the copy's topic with the source's and opens its partitions' copies.
Status OpenTopic(Run& run, DataDir& dir, const SourceTopic& t, const CopyOptions& opts) {
  KLOG_RETURN_IF_ERROR(SyncTopic(dir, t.info));
  auto have = dir.DescribeTopic(t.info.name);  // the copy's configs decide its segment size
  if (!have.ok()) return have.status();
  LogOptions lo;
  KLOG_RETURN_IF_ERROR(ApplyTopicConfigs(have.value(), &lo));
  for (int32_t i = 0; i < t.info.partitions; i++) {
    auto p = RemotePartition::Open(t.info.name, i, dir.PartitionPath(t.info.name, i), lo, opts);
    if (!p.ok()) return p.status();
    run.leader[{t.info.name, i}] = t.leaders[size_t(i)];
    run.parts[{t.info.name, i}] = std::move(p.value());
  }
  return Status::Ok();
}

}  // namespace

Status CopyFromBrokers(const RemoteOptions& remote, const std::string& dst,
                       const std::vector<std::string>& topics, const CopyOptions& opts,
                       const std::function<void(const PartitionCopied&)>& each) {
  auto session = BrokerSession::Open(remote.client);
  if (!session.ok()) return session.status();
  auto source = DescribeSourceTopics(*session.value(), topics);
  if (!source.ok()) return source.status();
  DataDir dir(dst);
  Run run{*session.value(), remote, {}, {}, {}};
  for (const SourceTopic& t : source.value()) {
    KLOG_RETURN_IF_ERROR(OpenTopic(run, dir, t, opts).WithContext("topic " + t.info.name));
  }
  std::vector<RemotePartition*> all;
  for (auto& [key, p] : run.parts) all.push_back(p.get());
  KLOG_RETURN_IF_ERROR(LearnSource(run, all));
  KLOG_RETURN_IF_ERROR(FetchUntilDone(run));
  for (auto& [key, p] : run.parts) {
    KLOG_RETURN_IF_ERROR(p->Finish());
    if (each) each(PartitionCopied{key.first, key.second, p->stats()});
  }
  return Status::Ok();
}

}  // namespace klog::replica
