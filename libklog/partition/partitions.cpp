#include "partition/partitions.h"

#include "broker/diagnostics.h"
#include "partition/maintenance_scheduler.h"

namespace klog::partition {

Partitions::Partitions(const broker::BrokerConfig& config, DataDir data_dir,
                       broker::Diagnostics& diagnostics)
    : config_(config),
      diagnostics_(diagnostics),
      data_dir_(std::move(data_dir)),
      maintenance_(
          std::make_unique<MaintenanceScheduler>(*this, config_, data_dir_, diagnostics_)) {}

Partitions::~Partitions() = default;

void Partitions::Attach(uv_loop_t* loop) {
  loop_ = loop;
  maintenance_->Start(loop);
}

Result<const TopicInfo*> Partitions::Topic(const std::string& name) {
  auto it = topics_.find(name);
  if (it != topics_.end()) return &it->second;
  if (data_dir_.exclusive()) {
    return Status::NotFound("topic '" + name + "' does not exist");  // the cache is complete
  }
  Result<TopicInfo> info = data_dir_.DescribeTopic(name);
  if (!info.ok()) return info.status();
  return &topics_.emplace(name, std::move(*info)).first->second;
}

void Partitions::ForgetTopic(const std::string& name) {
  topics_.erase(name);
  closed_topics_.erase(name);
}

LogOptions Partitions::OptionsFor(const TopicInfo& info, int32_t partition) const {
  LogOptions options;
  options.owner = "klog-serve";
  options.data_dir_locked = data_dir_.exclusive();
  options.max_batch_bytes = config_.message_max_bytes;
  Status s = ApplyTopicConfigs(info, &options);
  if (!s.ok()) diagnostics_.Warn("topic '" + info.name + "': " + s.message() + "; using defaults");
  std::string where = info.name + "-" + std::to_string(partition);
  options.warn = [where, &diag = diagnostics_](const std::string& m) {
    diag.Warn(where + ": " + m);
  };
  return options;
}

Partition* Partitions::Find(const std::string& topic, int32_t partition) const {
  auto it = partitions_.find(std::make_pair(topic, partition));
  if (it == partitions_.end() || it->second->closing()) return nullptr;
  return it->second.get();
}

Result<Partition*> Partitions::Get(const std::string& topic, int32_t partition) {
  auto unknown = [&] {
    return Status::NotFound("unknown topic or partition " + topic + "-" +
                            std::to_string(partition));
  };
  auto key = std::make_pair(topic, partition);
  auto it = partitions_.find(key);
  if (it != partitions_.end() && !it->second->closing()) return it->second.get();
  if (IsClosed(topic)) return unknown();  // being deleted
  Result<const TopicInfo*> info = Topic(topic);
  if (!info.ok() || partition < 0 || partition >= (*info)->partitions || it != partitions_.end()) {
    if (!info.ok() && !info.status().IsNotFound()) {
      diagnostics_.Error("topic '" + topic + "': " + info.status().message());
    }
    return unknown();
  }
  auto p = std::make_unique<Partition>(loop_, diagnostics_, topic, partition,
                                       data_dir_.PartitionPath(topic, partition),
                                       OptionsFor(**info, partition));
  return partitions_.emplace(key, std::move(p)).first->second.get();
}

void Partitions::Maintain(const std::string& topic, int32_t partition,
                          std::function<Status(LogWriter*)> fn,
                          std::function<void(const Status&)> done) {
  Result<Partition*> p = Get(topic, partition);
  if (!p.ok()) return done(p.status());
  (*p)->Maintain(std::move(fn), std::move(done));
}

void Partitions::RefreshTopicOptions(const std::string& topic) {
  Result<const TopicInfo*> info = Topic(topic);
  if (!info.ok()) return;
  for (auto& [key, p] : partitions_) {
    if (key.first != topic || p->closing()) continue;
    p->UpdateOptions(OptionsFor(**info, key.second));
  }
}

void Partitions::WakeAll() {
  stopping_ = true;
  maintenance_->Stop();
  for (auto& [key, p] : partitions_) p->WakeWatchers();
}

void Partitions::CloseTopic(const std::string& name, std::function<void()> done) {
  auto remaining = std::make_shared<size_t>(1);
  auto finish = [this, name, remaining, done = std::move(done)] {
    if (--*remaining > 0) return;
    for (auto it = partitions_.begin(); it != partitions_.end();) {
      if (it->first.first != name) {
        ++it;
        continue;
      }
      Partition* p = it->second.get();
      p->FailQueued(Status::NotFound("topic '" + name + "' was deleted"));
      Status s = p->CloseWriter();
      if (!s.ok()) diagnostics_.Warn(p->name() + ": " + s.message());
      it = partitions_.erase(it);
    }
    topics_.erase(name);
    closed_topics_.insert(name);
    done();
  };
  for (auto& [key, p] : partitions_) {
    if (key.first != name) continue;
    p->BeginClose();
    ++*remaining;
    p->OnIdle(finish);
  }
  finish();
}

Status Partitions::CloseAll() {
  Status first;
  for (auto& [key, p] : partitions_) {
    Status s = p->CloseWriter();
    if (!s.ok() && first.ok()) first = s;
  }
  partitions_.clear();
  return first;
}

void Partitions::ForEach(
    const std::function<void(const std::string&, int32_t, int64_t)>& fn) const {
  for (const auto& [key, p] : partitions_) fn(key.first, key.second, p->high_watermark());
}

}  // namespace klog::partition
