#include "replica/remote_run.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "proto/errors.h"
#include "replica/topic_sync.h"

namespace klog::replica {
namespace {

constexpr int64_t kLatest = -1;    // ListOffsets: the high watermark
constexpr int64_t kEarliest = -2;  // ListOffsets: the log start
// A partition whose fetch offset the source keeps refusing (its log start or
// end moving under the copy), or whose leader keeps moving, fails after this
// many fresh looks in a row.
constexpr int kMaxRefreshes = 5;

// True for the errors of a partition whose leadership moved or is moving.
bool LeaderMoved(int16_t code) {
  return code == proto::kNotLeaderOrFollower || code == proto::kLeaderNotAvailable ||
         code == proto::kFencedLeaderEpoch || code == proto::kUnknownLeaderEpoch;
}

}  // namespace

Status RemoteRun::Start() {
  auto source = DescribeSourceTopics(session_, names_);
  if (!source.ok()) return source.status();
  std::vector<RemotePartition*> opened;
  for (const SourceTopic& t : source.value()) {
    KLOG_RETURN_IF_ERROR(OpenTopic(t, &opened).WithContext("topic " + t.info.name));
  }
  return LearnSource(opened);
}

Status RemoteRun::Refresh() {
  auto source = DescribeSourceTopics(session_, names_);
  if (!source.ok()) return source.status();
  std::vector<RemotePartition*> opened;
  for (const SourceTopic& t : source.value()) {
    KLOG_RETURN_IF_ERROR(OpenTopic(t, &opened).WithContext("topic " + t.info.name));
  }
  for (RemotePartition* p : opened) {
    if (opts_.info) opts_.info(p->Where() + ": new at the source; copying it");
  }
  return LearnSource(opened);
}

// Syncs the copy's topic with the source's and opens the copies of its
// partitions not open yet; every partition's leader is noted.
Status RemoteRun::OpenTopic(const SourceTopic& t, std::vector<RemotePartition*>* opened) {
  KLOG_RETURN_IF_ERROR(SyncTopic(dir_, t.info));
  LogOptions lo;
  bool have_options = false;
  for (int32_t i = 0; i < t.info.partitions; i++) {
    Key key{t.info.name, i};
    leader_[key] = t.leaders[size_t(i)];
    if (parts_.count(key)) continue;
    if (!have_options) {  // the copy's configs decide its segment size
      auto have = dir_.DescribeTopic(t.info.name);
      if (!have.ok()) return have.status();
      KLOG_RETURN_IF_ERROR(ApplyTopicConfigs(have.value(), &lo));
      have_options = true;
    }
    auto p = RemotePartition::Open(t.info.name, i, dir_.PartitionPath(t.info.name, i), lo, opts_);
    if (!p.ok()) return p.status();
    opened->push_back(p.value().get());
    parts_[key] = std::move(p.value());
  }
  return Status::Ok();
}

std::map<int32_t, std::vector<RemotePartition*>> RemoteRun::ByLeader(
    const std::vector<RemotePartition*>& parts) {
  std::map<int32_t, std::vector<RemotePartition*>> out;
  for (RemotePartition* p : parts) out[leader_[KeyOf(*p)]].push_back(p);
  return out;
}

// ListOffsets at `timestamp` for `parts`, all led by `node`.
Status RemoteRun::ListAt(int32_t node, const std::vector<RemotePartition*>& parts,
                         int64_t timestamp, std::map<Key, int64_t>* out) {
  proto::ListOffsetsRequest req;
  for (RemotePartition* p : parts) {
    if (req.topics.empty() || req.topics.back().name != p->topic()) {
      req.topics.push_back({p->topic(), {}});
    }
    req.topics.back().partitions.push_back({p->partition(), timestamp, 1});
  }
  auto resp = session_.ListOffsets(node, std::move(req));
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
Status RemoteRun::CutToSource(int32_t node, RemotePartition* p, int64_t hw) {
  int32_t epoch = p->last_epoch();
  int64_t end = hw;
  if (epoch >= 0) {
    proto::OffsetForLeaderEpochRequest req;
    req.replica_id = -1;
    req.topics.push_back({p->topic(), {{p->partition(), -1, epoch}}});
    auto resp = session_.OffsetForLeaderEpoch(node, std::move(req));
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
Status RemoteRun::LearnSource(const std::vector<RemotePartition*>& parts) {
  for (auto& [node, led] : ByLeader(parts)) {
    std::map<Key, int64_t> start, hw;
    KLOG_RETURN_IF_ERROR(ListAt(node, led, kEarliest, &start));
    KLOG_RETURN_IF_ERROR(ListAt(node, led, kLatest, &hw));
    for (RemotePartition* p : led) {
      bool diverged = false;
      KLOG_RETURN_IF_ERROR(p->SetSource(start[KeyOf(*p)], hw[KeyOf(*p)], &diverged));
      if (diverged) KLOG_RETURN_IF_ERROR(CutToSource(node, p, hw[KeyOf(*p)]));
    }
  }
  return Status::Ok();
}

// One Fetch per leader with none out, for every partition it leads that is
// still to copy and not being fetched.
std::map<int32_t, proto::FetchRequest> RemoteRun::NextFetches() {
  std::map<int32_t, proto::FetchRequest> out;
  for (auto& [key, p] : parts_) {
    if ((!remote_.follow && p->done()) || p->fetching()) continue;
    int32_t node = leader_[key];
    if (session_.Fetching(node)) continue;
    proto::FetchRequest& req = out[node];
    req.replica_id = -1;
    req.max_wait_ms = remote_.follow ? remote_.follow_max_wait_ms : remote_.fetch_max_wait_ms;
    req.min_bytes = 1;
    req.max_bytes = remote_.fetch_max_bytes;
    req.isolation_level = 0;  // read_uncommitted: every batch, as stored
    if (req.topics.empty() || req.topics.back().topic != key.first) {
      req.topics.push_back({key.first, {}});
    }
    req.topics.back().partitions.push_back(p->NextFetch(remote_.partition_max_bytes));
  }
  return out;
}

// Looks up the leaders of `moved` again (Metadata), after a pause that grows
// with the partitions' retries (an election takes a moment).
Status RemoteRun::FindLeaders(const std::vector<RemotePartition*>& moved) {
  int most = 0;
  std::vector<std::string> names;
  for (RemotePartition* p : moved) {
    most = std::max(most, refreshes_[KeyOf(*p)]);
    if (std::find(names.begin(), names.end(), p->topic()) == names.end()) {
      names.push_back(p->topic());
    }
  }
  // A blocking sleep: this is a command-line tool, and nothing else is
  // waiting on its loop between two Fetch rounds.
  std::this_thread::sleep_for(std::chrono::milliseconds(200 * most));
  auto topics = DescribeSourceTopics(session_, names);
  if (!topics.ok()) return topics.status();
  NoteTopics(topics.value());
  return Status::Ok();
}

void RemoteRun::NoteTopics(const std::vector<SourceTopic>& topics) {
  for (const SourceTopic& t : topics) {
    for (size_t i = 0; i < t.leaders.size(); i++) leader_[{t.info.name, int32_t(i)}] = t.leaders[i];
  }
}

// Applies one partition's part of a Fetch answer. A fetch offset the source
// refuses (OFFSET_OUT_OF_RANGE) puts the partition in *refresh; a leader
// that moved, in *moved.
Status RemoteRun::ApplyAnswer(const std::string& topic, const proto::FetchPartitionData& d,
                              std::vector<RemotePartition*>* refresh,
                              std::vector<RemotePartition*>* moved) {
  auto it = parts_.find({topic, d.partition_index});
  if (it == parts_.end()) return Status::Ok();  // not asked for
  RemotePartition* p = it->second.get();
  bool out_of_range = d.error_code == proto::kOffsetOutOfRange;
  if (out_of_range || LeaderMoved(d.error_code)) {
    if (++refreshes_[it->first] > kMaxRefreshes) {
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
  if (!refreshes_.empty()) refreshes_.erase(it->first);  // answered: the retries start over
  if (d.diverging_epoch) {
    return p->Diverged(d.diverging_epoch->end_offset,
                       "the source's epoch " + std::to_string(d.diverging_epoch->epoch) +
                           " ends at " + std::to_string(d.diverging_epoch->end_offset));
  }
  p->NoteSource(d.log_start_offset, d.high_watermark);
  return p->Append(d.records.bytes);
}

// The partitions of the Fetch `sent` are no longer being fetched.
void RemoteRun::AnswerArrived(const proto::FetchRequest& sent) {
  for (const proto::FetchTopic& t : sent.topics) {
    for (const proto::FetchPartition& fp : t.partitions) {
      auto it = parts_.find({t.topic, fp.partition});
      if (it != parts_.end()) it->second->set_fetching(false);
    }
  }
}

Status RemoteRun::ApplyReply(int32_t node, const proto::FetchResponse& body,
                             std::vector<RemotePartition*>* refresh,
                             std::vector<RemotePartition*>* moved) {
  if (body.error_code != proto::kNone) {
    return Status::IOError("Fetch from node " + std::to_string(node) + ": error " +
                           proto::ErrorName(body.error_code));
  }
  for (const proto::FetchTopicResponse& t : body.responses) {
    for (const proto::FetchPartitionData& d : t.partitions) {
      KLOG_RETURN_IF_ERROR(ApplyAnswer(t.topic, d, refresh, moved));
    }
  }
  return Status::Ok();
}

Status RemoteRun::SendFetches() {
  for (auto& [node, req] : NextFetches()) {
    for (const proto::FetchTopic& t : req.topics) {
      for (const proto::FetchPartition& fp : t.partitions) {
        parts_[{t.topic, fp.partition}]->set_fetching(true);
      }
    }
    sent_[node] = req;
    Status st = session_.StartFetch(node, std::move(req));
    if (!st.ok()) {
      AnswerArrived(sent_[node]);
      return st;
    }
  }
  return Status::Ok();
}

// Notes where the clean partitions of the answers leave their copies (they
// may be fetched again at once); partitions with an error or a diverging
// epoch stay marked as being fetched until their answer is applied, and
// are added to *held.
void RemoteRun::NoteAnswers(const std::vector<BrokerSession::FetchAnswer>& answers,
                            std::vector<RemotePartition*>* held) {
  for (const BrokerSession::FetchAnswer& a : answers) {
    AnswerArrived(sent_[a.node]);
    if (!a.status.ok()) continue;
    for (const proto::FetchTopicResponse& t : a.reply.body.responses) {
      for (const proto::FetchPartitionData& d : t.partitions) {
        auto it = parts_.find({t.topic, d.partition_index});
        if (it == parts_.end()) continue;
        if (d.error_code == proto::kNone && !d.diverging_epoch) {
          it->second->NoteFetched(d.records.bytes);
        } else {
          it->second->set_fetching(true);
          held->push_back(it->second.get());
        }
      }
    }
  }
}

Status RemoteRun::FetchRound(bool* progressed, bool* lost) {
  *progressed = false;
  *lost = false;
  Status sent = SendFetches();
  if (!sent.ok()) {
    *lost = true;
    return sent;
  }
  std::vector<BrokerSession::FetchAnswer> answers;
  session_.AwaitFetches(&answers);
  std::vector<RemotePartition*> held;
  NoteAnswers(answers, &held);
  bool all_ok = std::all_of(answers.begin(), answers.end(), [](const auto& a) {
    return a.status.ok() && a.reply.body.error_code == proto::kNone;
  });
  // The next Fetches go out before these answers are appended: the brokers
  // read and send while the copy writes.
  if (all_ok) sent = SendFetches();
  CopyProgress before = Totals();
  std::vector<RemotePartition*> refresh, moved;
  Status applied;
  for (const BrokerSession::FetchAnswer& a : answers) {
    if (!a.status.ok()) {
      *lost = true;
      applied = a.status;
      break;
    }
    applied = ApplyReply(a.node, a.reply.body, &refresh, &moved);
    if (!applied.ok()) break;
  }
  for (RemotePartition* p : held) p->set_fetching(false);
  if (!applied.ok()) return applied;
  if (!sent.ok()) {
    *lost = true;
    return sent;
  }
  if (!moved.empty()) KLOG_RETURN_IF_ERROR(FindLeaders(moved));
  if (!refresh.empty()) KLOG_RETURN_IF_ERROR(LearnSource(refresh));
  CopyProgress after = Totals();
  *progressed = after.batches != before.batches || !refresh.empty() || !moved.empty();
  return Status::Ok();
}

bool RemoteRun::Complete() const {
  for (const auto& [key, p] : parts_) {
    if (!p->done()) return false;
  }
  return true;
}

Status RemoteRun::SyncAll() {
  for (auto& [key, p] : parts_) KLOG_RETURN_IF_ERROR(p->Sync());
  return Status::Ok();
}

Status RemoteRun::FinishAll(const std::function<void(const PartitionCopied&)>& each) {
  for (auto& [key, p] : parts_) {
    KLOG_RETURN_IF_ERROR(p->Finish());
    if (each) each(PartitionCopied{key.first, key.second, p->stats()});
  }
  return Status::Ok();
}

CopyProgress RemoteRun::Totals() const {
  CopyProgress t;
  for (const auto& [key, p] : parts_) {
    t.partitions++;
    t.batches += p->stats().batches;
    t.bytes += p->stats().bytes;
    t.lag += p->lag();
  }
  return t;
}

}  // namespace klog::replica
