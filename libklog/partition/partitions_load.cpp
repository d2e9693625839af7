// Partitions: reading topics and opening their partitions' readers off the
// loop thread (Load, on the pool or before the loop runs) and installing
// them on it (Install). See partitions.h.
#include <set>
#include <utility>

#include "broker/background.h"
#include "broker/diagnostics.h"
#include "partition/partitions.h"

namespace klog::partition {

LoadedTopic Partitions::Load(const std::string& name, bool open_readers) const {
  LoadedTopic out{name, data_dir_.DescribeTopic(name), {}};
  if (!out.info.ok() || !open_readers) return out;
  for (int32_t i = 0; i < out.info->partitions; ++i) {
    auto p = std::make_unique<Partition>(
        loop_, diagnostics_, name, i, data_dir_.PartitionPath(name, i), OptionsFor(*out.info, i));
    // A reader that cannot be opened now is opened again at the first read,
    // which reports why (Partition::PrepareReader).
    Status s = p->OpenReaderOffLoop();
    if (!s.ok()) diagnostics_.Error(p->name() + ": " + s.message());
    out.partitions.push_back(std::move(p));
  }
  return out;
}

void Partitions::Install(LoadedTopic loaded) {
  const std::string& name = loaded.name;
  if (!loaded.info.ok()) {
    topics_.erase(name);
    if (!loaded.info.status().IsNotFound()) {
      diagnostics_.Error("topic '" + name + "': " + loaded.info.status().message());
    }
    return;
  }
  if (IsClosed(name)) return;  // being deleted
  topics_.insert_or_assign(name, std::move(*loaded.info));
  for (std::unique_ptr<Partition>& p : loaded.partitions) {
    auto key = std::make_pair(name, p->index());
    if (partitions_.count(key) == 0) partitions_.emplace(key, std::move(p));
  }
}

void Partitions::Preload(const std::string& name, std::function<void(const Status&)> done) {
  auto loaded = std::make_shared<LoadedTopic>();
  broker::RunInBackground(
      loop_, diagnostics_, [this, name, loaded] { *loaded = Load(name, true); },
      [this, loaded, done = std::move(done)] {
        Status s = loaded->info.status();
        Install(std::move(*loaded));
        done(s);
      });
}

Status Partitions::PreloadAll() {
  Result<std::vector<TopicInfo>> topics = data_dir_.ListTopics();
  if (!topics.ok()) return topics.status();
  for (const TopicInfo& t : *topics) Install(Load(t.name, true));
  return Status::Ok();
}

}  // namespace klog::partition
