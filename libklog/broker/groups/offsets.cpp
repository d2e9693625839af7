// Committed offsets: OffsetCommit/OffsetFetch/DeleteGroups on the in-memory
// map, and its persistence in __consumer_offsets (records: klog/offsets_record.h;
// loading at start: offsets_load.cpp).
#include <chrono>
#include <memory>

#include "broker/background.h"
#include "broker/broker.h"
#include "broker/diagnostics.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/produce_check.h"
#include "klog/batch_list.h"
#include "klog/record.h"
#include "proto/errors.h"

namespace klog::broker::groups {

using handlers::BatchCheckFor;
namespace {

constexpr size_t kMaxMetadataBytes = 4096;  // Kafka's offset.metadata.max.bytes

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int32_t JavaStringHash(std::string_view s) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = h * 31u + unit; };
  for (size_t i = 0; i < s.size();) {
    uint8_t c = uint8_t(s[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1f, len = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0f, len = 3;
    } else if ((c >> 3) == 30) {
      cp = c & 0x07, len = 4;
    } else {
      cp = 0xfffd, len = 0;  // a stray byte decodes to U+FFFD, as in Java
    }
    bool bad = len == 0 || i + len > s.size();
    for (size_t k = 1; !bad && k < len; ++k) {
      uint8_t cc = uint8_t(s[i + k]);
      if ((cc >> 6) != 2) bad = true;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (bad) {
      add(0xfffd);
      ++i;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xd800 + (cp >> 10));
      add(0xdc00 + (cp & 0x3ff));
    } else {
      add(cp);
    }
  }
  return int32_t(h);
}

int32_t GroupCoordinator::PartitionFor(const std::string& group_id, int32_t partitions) {
  int32_t h = JavaStringHash(group_id);
  int32_t abs = h == INT32_MIN ? 0 : (h < 0 ? -h : h);  // Kafka's Utils.abs
  return abs % partitions;
}

void GroupCoordinator::WithOffsetsTopic(std::function<void(int16_t, int32_t)> then) {
  Result<const TopicInfo*> t = broker_->partitions().Topic(kOffsetsTopic);
  if (t.ok()) return then(proto::kNone, (*t)->partitions);
  topic_waiters_.push_back(std::move(then));
  if (topic_waiters_.size() > 1) return;  // a creation is already running
  DataDir dir = broker_->data_dir();      // a copy: used on a pool thread
  int32_t count = broker_->config().offsets_topic_partitions;
  auto status = std::make_shared<Status>(Status::Ok());
  auto loaded = std::make_shared<partition::LoadedTopic>();
  partition::Partitions* parts = &broker_->partitions();
  auto work = [dir, count, status, loaded, parts]() mutable {
    Status s = dir.CreateTopic(kOffsetsTopic, count, {{"cleanup.policy", "compact"}});
    *status = s.code() == Status::Code::kExists ? Status::Ok() : s;
    *loaded = parts->Load(kOffsetsTopic, /*open_readers=*/true);
  };
  auto done = [this, status, loaded] {
    broker_->partitions().Install(std::move(*loaded));
    int16_t err = proto::kNone;
    int32_t parts = 0;
    Result<const TopicInfo*> t = broker_->partitions().Topic(kOffsetsTopic);
    if (!status->ok() || !t.ok()) {
      diagnostics().Error(std::string("creating ") + kOffsetsTopic + ": " +
                          (status->ok() ? t.status().message() : status->message()));
      err = proto::kCoordinatorNotAvailable;
    } else {
      diagnostics().Info(std::string("created ") + kOffsetsTopic + " with " +
                         std::to_string((*t)->partitions) + " partitions");
      parts = (*t)->partitions;
    }
    std::vector<std::function<void(int16_t, int32_t)>> waiters;
    waiters.swap(topic_waiters_);
    for (auto& w : waiters) w(err, parts);
  };
  RunInBackground(loop_, diagnostics(), std::move(work), std::move(done));
}

void GroupCoordinator::AppendOffsetRecords(
    const std::string& group_id,
    std::vector<std::pair<std::string, std::optional<std::string>>> recs,
    std::function<void(int16_t)> done) {
  auto then = [this, group_id, recs = std::move(recs), done](int16_t err, int32_t parts) {
    if (err != proto::kNone) return done(err);
    BatchBuilder b;
    b.Reset(WallMs());
    for (const auto& [k, v] : recs) {
      b.Add(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
    }
    Result<std::span<uint8_t>> batch = b.Finish();
    if (!batch.ok()) {
      diagnostics().Error("offset batch: " + batch.status().message());
      return done(proto::kUnknownServerError);
    }
    Result<BatchList> list = ParseBatchList({batch->begin(), batch->end()});
    if (!list.ok()) {
      diagnostics().Error("offset batch: " + list.status().message());
      return done(proto::kUnknownServerError);
    }
    int32_t p = PartitionFor(group_id, parts);
    auto appended = [done, group_id, &diag = diagnostics()](const Status& st,
                                                            const partition::AppendResult&) {
      if (!st.ok()) {
        diag.Error("group '" + group_id + "': writing offsets: " + st.message());
        return done(proto::kCoordinatorNotAvailable);
      }
      done(proto::kNone);
    };
    Result<partition::Partition*> partition = broker_->partitions().Get(kOffsetsTopic, p);
    Result<const TopicInfo*> info = broker_->partitions().Topic(kOffsetsTopic);
    if (!partition.ok() || !info.ok()) {
      return appended(partition.ok() ? info.status() : partition.status(),
                      partition::AppendResult{});
    }
    partition::AppendCheck check = BatchCheckFor(broker_->config(), **info);
    (*partition)->Append(std::move(*list), /*sync=*/true, std::move(check), std::move(appended));
  };
  WithOffsetsTopic(std::move(then));
}

// The group-level check of a commit (Kafka's rules): a simple commit
// (generation < 0) needs a group without members; otherwise the member must
// belong to the current generation, outside CompletingRebalance.
namespace {

int16_t CommitCheck(const Group* g, int32_t generation, const std::string& member_id) {
  if (g == nullptr) return generation < 0 ? proto::kNone : proto::kIllegalGeneration;
  if (generation < 0 && g->members.empty()) return proto::kNone;
  if (g->state == GroupState::kCompletingRebalance) return proto::kRebalanceInProgress;
  if (!g->members.count(member_id)) return proto::kUnknownMemberId;
  if (generation != g->generation) return proto::kIllegalGeneration;
  return proto::kNone;
}

}  // namespace

void GroupCoordinator::CommitOffsets(const proto::OffsetCommitRequest& req, int16_t version,
                                     std::function<void(proto::OffsetCommitResponse)> done) {
  int32_t generation = version == 0 ? -1 : req.generation_id_or_member_epoch;
  Group* g = Find(req.group_id);
  int16_t group_err = proto::kNone;
  if (req.group_id.empty()) {
    group_err = proto::kInvalidGroupId;
  } else {
    group_err = CommitCheck(g, generation, req.member_id);
  }
  if (group_err == proto::kNone && g != nullptr && g->members.count(req.member_id)) {
    Touch(*g, g->members.at(req.member_id));
  }
  auto resp = std::make_shared<proto::OffsetCommitResponse>();
  auto pending = std::make_shared<std::vector<std::pair<TopicPartition, CommittedOffset>>>();
  std::vector<std::pair<std::string, std::optional<std::string>>> recs;
  std::vector<proto::OffsetCommitResponsePartition*> waiting;
  int64_t now = WallMs();
  for (const auto& t : req.topics) {
    proto::OffsetCommitResponseTopic& rt = resp->topics.emplace_back();
    rt.name = t.name;
    Result<const TopicInfo*> info = broker_->partitions().Topic(t.name);
    for (const auto& p : t.partitions) {
      proto::OffsetCommitResponsePartition& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      rp.error_code = group_err;
      if (group_err != proto::kNone) continue;
      if (!info.ok() || p.partition_index < 0 || p.partition_index >= (*info)->partitions) {
        rp.error_code = proto::kUnknownTopicOrPartition;
        continue;
      }
      std::string metadata = p.committed_metadata.value_or("");
      if (metadata.size() > kMaxMetadataBytes) {
        rp.error_code = proto::kOffsetMetadataTooLarge;
        continue;
      }
      CommittedOffset c{p.committed_offset, p.committed_leader_epoch, std::move(metadata),
                        p.commit_timestamp >= 0 ? p.commit_timestamp : now};
      recs.emplace_back(EncodeOffsetCommitKey(req.group_id, t.name, p.partition_index),
                        EncodeOffsetCommitValue(c));
      pending->emplace_back(TopicPartition{t.name, p.partition_index}, std::move(c));
    }
  }
  if (recs.empty()) return done(std::move(*resp));
  // Element addresses stay valid: resp is not resized from here on.
  for (auto& rt : resp->topics) {
    for (auto& rp : rt.partitions) {
      if (rp.error_code == proto::kNone) waiting.push_back(&rp);
    }
  }
  std::string group_id = req.group_id;
  AppendOffsetRecords(group_id, std::move(recs),
                      [this, group_id, resp, pending, waiting, done](int16_t err) {
                        for (auto* rp : waiting) rp->error_code = err;
                        if (err == proto::kNone) {
                          Group& grp = groups_[group_id];
                          grp.id = group_id;
                          for (auto& [tp, c] : *pending) grp.offsets[tp] = c;
                        }
                        done(std::move(*resp));
                      });
}

proto::OffsetFetchResponse GroupCoordinator::FetchOffsets(
    const proto::OffsetFetchRequest& req) const {
  proto::OffsetFetchResponse resp;
  auto git = groups_.find(req.group_id);
  const Group* g = git == groups_.end() ? nullptr : &git->second;
  auto fill = [](proto::OffsetFetchResponsePartition& rp, const CommittedOffset* c) {
    rp.metadata = c ? c->metadata : std::string();
    if (c == nullptr) return;
    rp.committed_offset = c->offset;
    rp.committed_leader_epoch = c->leader_epoch;
  };
  // Null topics ask for every committed offset of the group. So does an empty
  // array: librdkafka 2.0's ListConsumerGroupOffsets sends one for "all", and
  // a request for no topics at all has no other useful answer.
  if (!req.topics || req.topics->empty()) {
    if (g == nullptr) return resp;
    for (const auto& [tp, c] : g->offsets) {
      if (resp.topics.empty() || resp.topics.back().name != tp.first) {
        resp.topics.emplace_back().name = tp.first;
      }
      proto::OffsetFetchResponsePartition& rp = resp.topics.back().partitions.emplace_back();
      rp.partition_index = tp.second;
      fill(rp, &c);
    }
    return resp;
  }
  for (const auto& t : *req.topics) {
    proto::OffsetFetchResponseTopic& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (int32_t p : t.partition_indexes) {
      proto::OffsetFetchResponsePartition& rp = rt.partitions.emplace_back();
      rp.partition_index = p;
      const CommittedOffset* c = nullptr;
      if (g != nullptr) {
        auto it = g->offsets.find({t.name, p});
        if (it != g->offsets.end()) c = &it->second;
      }
      fill(rp, c);
    }
  }
  return resp;
}

void GroupCoordinator::DeleteGroups(
    const std::vector<std::string>& names,
    std::function<void(std::vector<proto::DeletableGroupResult>)> done) {
  auto results = std::make_shared<std::vector<proto::DeletableGroupResult>>(names.size());
  auto left = std::make_shared<size_t>(1);  // one for this call
  auto finish = [results, left, done] {
    if (--*left == 0) done(std::move(*results));
  };
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    (*results)[i].group_id = name;
    Group* g = Find(name);
    int16_t& code = (*results)[i].error_code;
    if (name.empty()) {
      code = proto::kInvalidGroupId;
    } else if (g == nullptr) {
      code = proto::kGroupIdNotFound;
    } else if (!g->members.empty()) {
      code = proto::kNonEmptyGroup;
    } else if (g->offsets.empty()) {
      groups_.erase(name);
    } else {
      std::vector<std::pair<std::string, std::optional<std::string>>> recs;
      for (const auto& [tp, c] : g->offsets) {
        recs.emplace_back(EncodeOffsetCommitKey(name, tp.first, tp.second), std::nullopt);
      }
      ++*left;
      AppendOffsetRecords(name, std::move(recs), [this, name, i, results, finish](int16_t err) {
        (*results)[i].error_code = err;
        Group* grp = Find(name);
        if (err == proto::kNone && grp != nullptr && grp->members.empty()) {
          diagnostics().Info("deleted group '" + name + "'");
          groups_.erase(name);
        }
        finish();
      });
    }
  }
  finish();
}

}  // namespace klog::broker::groups
