// Topics of a data directory: see topic.h. Metadata file format:
// <dir>/<topic>.topic.json holds one JSON object and a newline,
//   {"configs":{...},"partitions":N,"version":1,"xxh3":"<16 hex digits>"}
// where xxh3 is the XXH3-64 of the compact, key-sorted dump of the object
// without the "xxh3" member.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "klog/checksum.h"
#include "klog/filename.h"
#include "klog/topic.h"
#include "storage/lock.h"
#include "util/fileutil.h"

namespace klog {

namespace {

using nlohmann::json;

constexpr int32_t kMaxPartitions = 100000;

std::string MetaPath(const std::string& dir, const std::string& topic) {
  return dir + "/" + topic + std::string(kTopicMetaSuffix);
}

std::string Quoted(const std::string& topic) { return "topic '" + topic + "'"; }

std::string MetaText(int32_t partitions, const std::map<std::string, std::string>& configs) {
  json j = {{"version", 1}, {"partitions", partitions}, {"configs", configs}};
  std::string body = j.dump();
  j["xxh3"] = Hex64(Xxh3_64(body.data(), body.size()));
  return j.dump() + "\n";
}

// Partition numbers of the <topic>-<N> directories present in `dir`.
std::vector<int32_t> PartitionDirs(const std::string& dir, const std::string& topic) {
  std::vector<int32_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    std::string t;
    int32_t p = 0;
    if (ParsePartitionDirName(e->d_name, &t, &p) && t == topic && IsDir(dir + "/" + e->d_name)) {
      out.push_back(p);
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<TopicInfo> ParseMeta(const std::string& path, const std::string& topic,
                            const std::string& text) {
  auto bad = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("torn or malformed topic metadata");
  auto sum = j.find("xxh3");
  if (sum == j.end() || !sum->is_string()) return bad("no xxh3 checksum");
  std::string want = sum->get<std::string>();
  j.erase("xxh3");
  std::string body = j.dump();
  if (Hex64(Xxh3_64(body.data(), body.size())) != want) {
    return bad("checksum mismatch (torn or edited file)");
  }
  auto version = j.find("version");
  auto parts = j.find("partitions");
  auto configs = j.find("configs");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return bad("unsupported metadata version");
  }
  if (parts == j.end() || !parts->is_number_integer() || parts->get<int64_t>() < 1 ||
      parts->get<int64_t>() > kMaxPartitions) {
    return bad("bad partition count");
  }
  TopicInfo info;
  info.name = topic;
  info.partitions = int32_t(parts->get<int64_t>());
  if (configs != j.end()) {
    if (!configs->is_object()) return bad("configs is not an object");
    for (auto& [k, v] : configs->items()) {
      if (!v.is_string()) return bad("config '" + k + "' is not a string");
      info.configs[k] = v.get<std::string>();
    }
  }
  return info;
}

// Replaces the topic's metadata file atomically (a private temporary file,
// fsynced, renamed over it; then the directory is fsynced).
Status ReplaceMeta(const std::string& dir, const std::string& topic, int32_t partitions,
                   const std::map<std::string, std::string>& configs) {
  // A private temporary name (process and thread), so a concurrent alter
  // cannot write into ours.
  std::string meta = MetaPath(dir, topic);
  std::string tmp = meta + ".tmp." + std::to_string(::getpid()) + ".a" + std::to_string(::gettid());
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(tmp, O_WRONLY | O_CREAT | O_EXCL, &fd));
  std::string text = MetaText(partitions, configs);
  Status st = PwriteFull(fd.get(), text.data(), text.size(), 0, tmp);
  if (st.ok() && ::fdatasync(fd.get()) != 0) st = Status::FromErrno("fsync " + tmp, errno);
  fd.Reset();
  if (st.ok() && ::rename(tmp.c_str(), meta.c_str()) != 0) {
    st = Status::FromErrno("rename " + tmp + " to " + meta, errno);
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return SyncDir(dir);
}

Status CheckNoPartitionDirs(const std::string& dir, const std::string& topic) {
  if (!PartitionDirs(dir, topic).empty()) {
    return Status::Exists(Quoted(topic) + " already exists (partition directories found)");
  }
  return Status::Ok();
}

}  // namespace

std::string DataDir::PartitionPath(const std::string& topic, int32_t partition) const {
  return PartitionDir(path_, topic, partition);
}

Result<DataDir> DataDir::OpenExclusive(std::string path, const std::string& owner) {
  auto lock = std::make_shared<DataDirLock>();
  KLOG_RETURN_IF_ERROR(DataDirLock::AcquireExclusive(path, owner, lock.get()));
  DataDir dd(std::move(path));
  dd.lock_ = std::move(lock);
  return dd;
}

Status DataDir::LockForChange(DataDirLock* lock) const {
  if (lock_ != nullptr) return Status::Ok();
  return DataDirLock::AcquireShared(path_, lock);
}

Status DataDir::CreateTopic(const std::string& topic, int32_t partitions,
                            const std::map<std::string, std::string>& configs) {
  KLOG_RETURN_IF_ERROR(ValidateTopicName(topic));
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Status::InvalidArgument("partition count " + std::to_string(partitions) +
                                   " is not in [1, " + std::to_string(kMaxPartitions) + "]");
  }
  for (const auto& [k, v] : configs) KLOG_RETURN_IF_ERROR(ValidateTopicConfig(k, v));
  DataDirLock lock;
  KLOG_RETURN_IF_ERROR(LockForChange(&lock));
  KLOG_RETURN_IF_ERROR(MakeDirs(path_));
  KLOG_RETURN_IF_ERROR(CheckNoPartitionDirs(path_, topic));
  // Write a private temporary file, then link(2) it to the final name: link
  // fails with EEXIST for all but one of several concurrent creators. The
  // name is private to this process and thread.
  std::string meta = MetaPath(path_, topic);
  std::string tmp = meta + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(::gettid());
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(tmp, O_WRONLY | O_CREAT | O_EXCL, &fd));
  std::string text = MetaText(partitions, configs);
  Status st = PwriteFull(fd.get(), text.data(), text.size(), 0, tmp);
  if (st.ok() && ::fdatasync(fd.get()) != 0) st = Status::FromErrno("fsync " + tmp, errno);
  fd.Reset();
  if (st.ok() && ::link(tmp.c_str(), meta.c_str()) != 0) {
    st = errno == EEXIST ? Status::Exists(Quoted(topic) + " already exists")
                         : Status::FromErrno("link " + meta, errno);
  }
  ::unlink(tmp.c_str());
  KLOG_RETURN_IF_ERROR(st);
  for (int32_t p = 0; p < partitions; ++p) KLOG_RETURN_IF_ERROR(MakeDirs(PartitionPath(topic, p)));
  return SyncDir(path_);
}

Status DataDir::AddPartitions(const std::string& topic, int32_t new_count) {
  Result<TopicInfo> info = DescribeTopic(topic);
  if (!info.ok()) return info.status();
  if (new_count <= info->partitions || new_count > kMaxPartitions) {
    return Status::InvalidArgument(Quoted(topic) + " has " + std::to_string(info->partitions) +
                                   " partition(s); the new count " + std::to_string(new_count) +
                                   " must be above that and at most " +
                                   std::to_string(kMaxPartitions));
  }
  DataDirLock lock;  // after the checks: a refused alter creates no lock file
  KLOG_RETURN_IF_ERROR(LockForChange(&lock));
  // Directories first: until the metadata names them, readers ignore them.
  for (int32_t p = info->partitions; p < new_count; ++p) {
    KLOG_RETURN_IF_ERROR(MakeDirs(PartitionPath(topic, p)));
  }
  KLOG_RETURN_IF_ERROR(SyncDir(path_));
  return ReplaceMeta(path_, topic, new_count, info->configs);
}

Status DataDir::AlterTopicConfigs(const std::string& topic,
                                  const std::map<std::string, std::string>& set,
                                  const std::vector<std::string>& remove) {
  Result<TopicInfo> info = DescribeTopic(topic);
  if (!info.ok()) return info.status();
  for (const auto& [k, v] : set) KLOG_RETURN_IF_ERROR(ValidateTopicConfig(k, v));
  for (const std::string& k : remove) {
    if (set.count(k) > 0) {
      return Status::InvalidArgument("config '" + k + "' is both set and deleted");
    }
    const auto& d = TopicConfigDefaults();
    if (std::none_of(d.begin(), d.end(), [&](const TopicConfigDefault& c) { return k == c.key; })) {
      return Status::InvalidArgument("config '" + k + "': unknown config");
    }
  }
  std::map<std::string, std::string> configs = info->configs;
  for (const std::string& k : remove) configs.erase(k);
  for (const auto& [k, v] : set) configs[k] = v;
  DataDirLock lock;  // after the checks: a refused alter creates no lock file
  KLOG_RETURN_IF_ERROR(LockForChange(&lock));
  return ReplaceMeta(path_, topic, info->partitions, configs);
}

Result<TopicInfo> DataDir::DescribeTopic(const std::string& topic) const {
  KLOG_RETURN_IF_ERROR(ValidateTopicName(topic));
  std::string meta = MetaPath(path_, topic);
  std::string text;
  Status st = ReadWholeFile(meta, &text);
  if (st.ok()) return ParseMeta(meta, topic, text);
  if (!st.IsNotFound()) return st;
  // No metadata (e.g. a directory written by Kafka): infer from directories.
  std::vector<int32_t> parts = PartitionDirs(path_, topic);
  if (parts.empty()) return Status::NotFound(Quoted(topic) + " does not exist");
  TopicInfo info;
  info.name = topic;
  info.partitions = parts.back() + 1;
  return info;
}

Result<std::vector<TopicInfo>> DataDir::ListTopics() const {
  std::set<std::string> names;
  DIR* d = ::opendir(path_.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return std::vector<TopicInfo>{};
    return Status::FromErrno("opendir " + path_, errno);
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    std::string topic;
    int32_t p = 0;
    if (name.size() > kTopicMetaSuffix.size() &&
        name.substr(name.size() - kTopicMetaSuffix.size()) == kTopicMetaSuffix) {
      topic = name.substr(0, name.size() - kTopicMetaSuffix.size());
      if (ValidateTopicName(topic).ok()) names.insert(topic);
    } else if (ParsePartitionDirName(name, &topic, &p) && IsDir(path_ + "/" + e->d_name)) {
      names.insert(topic);
    }
  }
  ::closedir(d);
  std::vector<TopicInfo> out;
  for (const std::string& name : names) {
    Result<TopicInfo> info = DescribeTopic(name);
    if (!info.ok()) return info.status();
    out.push_back(std::move(*info));
  }
  return out;
}

Status DataDir::DeleteTopic(const std::string& topic) {
  Result<TopicInfo> info = DescribeTopic(topic);
  if (!info.ok() && !info.status().IsCorruption()) return info.status();
  DataDirLock lock;
  KLOG_RETURN_IF_ERROR(LockForChange(&lock));
  // Hold every partition's writer lock while deleting, so no writer is mid-append.
  std::vector<int32_t> parts = PartitionDirs(path_, topic);
  std::vector<PartitionLock> locks;
  for (int32_t p : parts) {
    PartitionLock lock;
    KLOG_RETURN_IF_ERROR(PartitionLock::Acquire(PartitionPath(topic, p), "klog-topic", &lock));
    locks.push_back(std::move(lock));
  }
  for (int32_t p : parts) {
    std::error_code ec;
    std::filesystem::remove_all(PartitionPath(topic, p), ec);
    if (ec) return Status::IOError("remove " + PartitionPath(topic, p) + ": " + ec.message());
  }
  std::string meta = MetaPath(path_, topic);
  if (::unlink(meta.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("unlink " + meta, errno);
  }
  return SyncDir(path_);
}

bool IsInternalTopic(std::string_view topic) {
  return topic == kConsumerOffsetsTopic || topic == "__transaction_state" ||
         topic == "__share_group_state";
}

Status CheckNotInternal(std::string_view topic, std::string_view action) {
  if (!IsInternalTopic(topic)) return Status::Ok();
  return Status::InvalidArgument(
      "'" + std::string(topic) +
      "' is an internal topic (klog-serve keeps it): " + std::string(action) + " is refused");
}

}  // namespace klog
