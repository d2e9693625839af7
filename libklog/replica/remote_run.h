// The state and steps of one klog-replicate -b run (remote_copy.h): every
// partition being copied, its leader, and the steps a run is made of —
// opening a topic's copies, learning the source's offsets, one Fetch round
// over every leader, looking leaders up again, picking up new topics and
// partitions, syncing. remote_copy.cpp strings them into a run that ends
// at the source's high watermark, or one that follows the source.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "klog/status.h"
#include "klog/topic.h"
#include "replica/broker_session.h"
#include "replica/remote_copy.h"
#include "replica/remote_partition.h"
#include "replica/remote_topics.h"

namespace klog::replica {

class RemoteRun {
 public:
  RemoteRun(BrokerSession& session, const RemoteOptions& remote, DataDir& dir,
            const CopyOptions& opts, const std::vector<std::string>& names)
      : session_(session), remote_(remote), dir_(dir), opts_(opts), names_(names) {}

  // Opens the copies of the named topics (all when none is named) and learns
  // the source's offsets; the topics must exist at the source.
  Status Start();
  // Looks at the source's topics again: opens the copies of topics and
  // partitions that appeared (learning their offsets), updates every leader
  // and the copies' topic configs.
  Status Refresh();

  // A Fetch to each leader that has none out, for every partition it leads
  // that is not complete (every partition when following) and not in a
  // Fetch already; then waits for at least one answer, sends those brokers
  // their next Fetch, and appends what the answers hold meanwhile. So each
  // broker's partitions are fetched at that broker's pace, not the slowest
  // one's, and a broker reads the next answer while the copy writes. *progressed says whether
  // anything was copied or moved; *lost, on failure, whether the source could not be reached
  // (rather than answered with an error).
  Status FetchRound(bool* progressed, bool* lost);

  // Every partition has reached the high watermark its run began with.
  bool Complete() const;

  Status SyncAll();
  Status FinishAll(const std::function<void(const PartitionCopied&)>& each);
  CopyProgress Totals() const;

 private:
  using Key = std::pair<std::string, int32_t>;
  static Key KeyOf(const RemotePartition& p) { return {p.topic(), p.partition()}; }

  Status OpenTopic(const SourceTopic& t, std::vector<RemotePartition*>* opened);
  std::map<int32_t, std::vector<RemotePartition*>> ByLeader(
      const std::vector<RemotePartition*>& parts);
  Status ListAt(int32_t node, const std::vector<RemotePartition*>& parts, int64_t timestamp,
                std::map<Key, int64_t>* out);
  Status CutToSource(int32_t node, RemotePartition* p, int64_t hw);
  Status LearnSource(const std::vector<RemotePartition*>& parts);
  std::map<int32_t, proto::FetchRequest> NextFetches();
  Status ApplyReply(int32_t node, const proto::FetchResponse& body,
                    std::vector<RemotePartition*>* refresh, std::vector<RemotePartition*>* moved);
  void AnswerArrived(const proto::FetchRequest& sent);
  Status SendFetches();
  void NoteAnswers(const std::vector<BrokerSession::FetchAnswer>& answers,
                   std::vector<RemotePartition*>* held);
  Status FindLeaders(const std::vector<RemotePartition*>& moved);
  Status ApplyAnswer(const std::string& topic, const proto::FetchPartitionData& d,
                     std::vector<RemotePartition*>* refresh, std::vector<RemotePartition*>* moved);
  void NoteTopics(const std::vector<SourceTopic>& topics);

  BrokerSession& session_;
  const RemoteOptions& remote_;
  DataDir& dir_;
  const CopyOptions& opts_;
  const std::vector<std::string>& names_;
  std::map<Key, std::unique_ptr<RemotePartition>> parts_;
  std::map<Key, int32_t> leader_;
  std::map<Key, int> refreshes_;                 // fresh looks in a row, by partition
  std::map<int32_t, proto::FetchRequest> sent_;  // the Fetch out to each node
};

}  // namespace klog::replica
