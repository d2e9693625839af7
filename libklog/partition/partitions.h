// Partitions: the partition manager. It finds the broker's partitions by
// topic and index (a Partition each, partition.h, made on first use), keeps
// the topic cache, and closes a topic's partitions before it is deleted.
// Retention and compaction are scheduled by MaintenanceScheduler
// (maintenance_scheduler.h), which it owns.
//
// Topics are looked up through a cache filled from the data directory on
// first use. Admin handlers that change a topic call ForgetTopic() (or
// CloseTopic() before deleting one).
//
// Errors are Status values: NotFound for an unknown topic or partition;
// Kafka error codes are the handlers' (broker/handlers/).
//
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "broker/config.h"
#include "broker/diagnostics.h"
#include "klog/log.h"
#include "klog/status.h"
#include "klog/topic.h"
#include "partition/partition.h"

namespace klog::partition {

class MaintenanceScheduler;

// A topic as Partitions::Load read it, to be installed on the loop thread.
struct LoadedTopic {
  std::string name;
  Result<TopicInfo> info = Status::NotFound("not loaded");
  // With open_readers: one per partition, its reader open.
  std::vector<std::unique_ptr<Partition>> partitions;
};

class Partitions {
 public:
  // `config` and `diagnostics` (where the partitions report events) must
  // outlive it.
  Partitions(const broker::BrokerConfig& config, DataDir data_dir,
             broker::Diagnostics& diagnostics);
  ~Partitions();
  Partitions(const Partitions&) = delete;
  Partitions& operator=(const Partitions&) = delete;

  // The loop whose thread pool runs the partitions' jobs. Set once, before
  // use. Also starts the retention and cleaner timers.
  void Attach(uv_loop_t* loop);

  // Loading. The topics' descriptions and the partitions' readers are read
  // off the loop thread: every topic before the loop runs (PreloadAll, at
  // start-up), and a topic the broker creates, grows or alters by the
  // handler's pool work (Load), installed on the loop thread (Install).
  // When the broker owns the directory (DataDir::exclusive()), the cache is
  // then complete: a topic not in it does not exist, and no lookup reads a
  // file on the loop thread.
  //
  // Reads topic `name`'s description and, with `open_readers`, makes each
  // of its partitions with its reader open. Any thread; touches nothing
  // that changes after Attach.
  LoadedTopic Load(const std::string& name, bool open_readers) const;
  // Loop thread: replaces the cached description (a topic that was not
  // found is dropped) and adds the partitions not already open.
  void Install(LoadedTopic loaded);
  // Load on the pool, then Install, then `done` with the description's
  // Status on the loop thread.
  void Preload(const std::string& name, std::function<void(const Status&)> done);
  // Load and Install every topic of the directory on the calling thread;
  // after Attach, before the loop runs.
  Status PreloadAll();

  // The topic's metadata (cached). NotFound if it does not exist; the
  // pointer is valid until the next call that changes topics.
  Result<const TopicInfo*> Topic(const std::string& name);
  // Drops the cached metadata of `name` (after deleting it).
  void ForgetTopic(const std::string& name);
  // Waits for the jobs of the topic's partitions, closes their writers and
  // forgets them, then calls `done` on the loop thread. Appends queued
  // meanwhile fail with NotFound, and so does every use of the topic after
  // it until ForgetTopic(name) (called once its files are deleted), so no
  // writer reopens a topic that is being deleted.
  void CloseTopic(const std::string& name, std::function<void()> done);
  // True between CloseTopic(name) and ForgetTopic(name).
  bool IsClosed(const std::string& name) const { return closed_topics_.count(name) > 0; }

  // The partition, made on first use (nothing is opened until it is used).
  // NotFound "unknown topic or partition <topic>-<partition>" for a topic
  // that does not exist or is being deleted, or an index outside it. The
  // pointer is valid until CloseTopic of its topic completes or CloseAll.
  Result<Partition*> Get(const std::string& topic, int32_t partition);
  // The partition if it has been made already (by Get or a preload), else
  // nullptr; never makes one and never reads a file.
  Partition* Find(const std::string& topic, int32_t partition) const;

  // Get(topic, partition), then Partition::Maintain; `done` gets the
  // NotFound at once if there is no such partition.
  void Maintain(const std::string& topic, int32_t partition, std::function<Status(LogWriter*)> fn,
                std::function<void(const Status&)> done);
  // After a topic's configs changed (ForgetTopic first): the options of its
  // open partitions are replaced (Partition::UpdateOptions).
  void RefreshTopicOptions(const std::string& topic);

  // Tells every watcher now, stops the timers and sets stopping(): shutdown,
  // when waiting fetches answer at once.
  void WakeAll();
  bool stopping() const { return stopping_; }

  // Closes every writer (flush per policy, clean-shutdown checkpoint).
  // Call after the loop has finished every job (Server::Run returned).
  Status CloseAll();

  // For metrics: each open partition's topic, index and high watermark.
  void ForEach(const std::function<void(const std::string&, int32_t, int64_t)>& fn) const;

  // The timers (tests run a round by hand).
  MaintenanceScheduler& maintenance() { return *maintenance_; }

 private:
  // The writer options of a partition of `info`.
  LogOptions OptionsFor(const TopicInfo& info, int32_t partition) const;

  const broker::BrokerConfig& config_;
  broker::Diagnostics& diagnostics_;
  DataDir data_dir_;
  uv_loop_t* loop_ = nullptr;
  bool stopping_ = false;
  std::map<std::string, TopicInfo> topics_;
  std::set<std::string> closed_topics_;  // CloseTopic done, ForgetTopic not yet
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Partition>> partitions_;
  std::unique_ptr<MaintenanceScheduler> maintenance_;
};

}  // namespace klog::partition
