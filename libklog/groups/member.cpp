// Group members and partition leases: see klog/group.h. Both are flock(2)
// locks on small files; each holder writes "pid <N>\n" into its file so
// others can name it.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include "groups/internal.h"
#include "klog/filename.h"
#include "klog/group.h"
#include "util/fileutil.h"

namespace klog {

namespace gi = group_internal;

namespace group_internal {

std::string GroupsDir(const std::string& data_dir) { return data_dir + "/" + kGroupsDirName; }

std::string GroupDir(const std::string& data_dir, const std::string& group) {
  return GroupsDir(data_dir) + "/" + group;
}

std::string MembersDir(const std::string& data_dir, const std::string& group) {
  return GroupDir(data_dir, group) + "/" + kMembersDirName;
}

std::string LeasePath(const std::string& data_dir, const std::string& group,
                      const std::string& topic, int32_t partition) {
  return GroupDir(data_dir, group) + "/" + kLeasesDirName + "/" + topic + "-" +
         std::to_string(partition) + kLeaseSuffix;
}

Result<int> TryLockFile(const std::string& path, bool create) {
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(path, create ? O_RDWR | O_CREAT : O_RDWR, &fd));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return -1;
    return Status::FromErrno("flock " + path, errno);
  }
  return fd.Release();
}

int ReadPid(int fd) {
  char buf[32];
  size_t got = 0;
  if (!PreadFull(fd, buf, sizeof buf - 1, 0, &got, "").ok()) return 0;
  std::string text(buf, got);
  if (text.rfind("pid ", 0) != 0) return 0;
  return std::atoi(text.c_str() + 4);
}

Status WritePid(int fd, const std::string& path) {
  std::string text = "pid " + std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) return Status::FromErrno("truncate " + path, errno);
  return PwriteFull(fd, text.data(), text.size(), 0, path);
}

}  // namespace group_internal

namespace {

// Names in `dir` ending in `suffix`, with the suffix cut off.
Result<std::vector<std::string>> NamesWithSuffix(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return Status::FromErrno("opendir " + dir, errno);
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      out.emplace_back(name.substr(0, name.size() - suffix.size()));
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::vector<int>> GroupStore::LiveMembers(const std::string& group) const {
  KLOG_RETURN_IF_ERROR(ValidateGroupName(group));
  std::string dir = gi::MembersDir(data_dir_, group);
  auto names = NamesWithSuffix(dir, gi::kMemberSuffix);
  if (!names.ok()) return names.status();
  std::vector<int> live;
  for (const std::string& name : *names) {
    std::string path = dir + "/" + name + gi::kMemberSuffix;
    Result<int> fd = gi::TryLockFile(path, false);
    if (!fd.ok()) {
      if (fd.status().IsNotFound()) continue;  // removed by another scan meanwhile
      return fd.status();
    }
    if (*fd >= 0) {
      // Free lock: the member died. Remove its file while holding the lock.
      ::unlink(path.c_str());
      ::close(*fd);
      continue;
    }
    live.push_back(std::atoi(name.c_str()));
  }
  std::sort(live.begin(), live.end());
  return live;
}

Result<int> GroupStore::LeaseOwner(const std::string& group, const std::string& topic,
                                   int32_t partition) const {
  std::string path = gi::LeasePath(data_dir_, group, topic, partition);
  UniqueFd fd;
  Status st = OpenFd(path, O_RDONLY, &fd);
  if (st.IsNotFound()) return 0;
  KLOG_RETURN_IF_ERROR(st);
  // A shared lock is refused only while a member holds the exclusive one.
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK) return Status::FromErrno("flock " + path, errno);
  int pid = gi::ReadPid(fd.get());
  return pid > 0 ? pid : -1;
}

Result<std::vector<std::string>> GroupStore::LeasedTopics(const std::string& group) const {
  auto names = NamesWithSuffix(GroupDir(group) + "/" + gi::kLeasesDirName, gi::kLeaseSuffix);
  if (!names.ok()) return names.status();
  std::set<std::string> topics;
  for (const std::string& n : *names) {
    std::string topic;
    int32_t p = 0;
    if (ParsePartitionDirName(n, &topic, &p)) topics.insert(topic);
  }
  return std::vector<std::string>(topics.begin(), topics.end());
}

Result<std::unique_ptr<GroupMember>> GroupMember::Join(const std::string& data_dir,
                                                       const std::string& group,
                                                       const std::string& topic,
                                                       int32_t partitions) {
  KLOG_RETURN_IF_ERROR(ValidateGroupName(group));
  std::unique_ptr<GroupMember> m(new GroupMember());
  m->data_dir_ = data_dir;
  m->group_ = group;
  m->topic_ = topic;
  m->partitions_ = partitions;
  std::string dir = gi::MembersDir(data_dir, group);
  KLOG_RETURN_IF_ERROR(MakeDirs(dir));
  KLOG_RETURN_IF_ERROR(MakeDirs(gi::GroupDir(data_dir, group) + "/" + gi::kLeasesDirName));
  std::string pid = std::to_string(::getpid());
  std::string tmp = dir + "/." + pid + ".tmp";
  m->member_path_ = dir + "/" + pid + gi::kMemberSuffix;
  Result<int> fd = gi::TryLockFile(tmp, true);
  if (!fd.ok()) return fd.status();
  if (*fd < 0) return Status::Busy(tmp + " is locked by another process");
  m->member_fd_ = *fd;
  KLOG_RETURN_IF_ERROR(gi::WritePid(m->member_fd_, tmp));
  if (::rename(tmp.c_str(), m->member_path_.c_str()) != 0) {
    return Status::FromErrno("rename " + tmp + " to " + m->member_path_, errno);
  }
  return m;
}

GroupMember::~GroupMember() { Leave(); }

int32_t GroupMember::Share(int32_t partitions, int live) {
  if (live < 1) live = 1;
  return (partitions + live - 1) / live;
}

Result<int> GroupMember::CountLive() const {
  auto live = GroupStore(data_dir_).LiveMembers(group_);
  if (!live.ok()) return live.status();
  // Our own file is always live; count it even if a scan raced with Join.
  int n = int(live->size());
  bool self = std::find(live->begin(), live->end(), ::getpid()) != live->end();
  return self ? n : n + 1;
}

std::vector<int32_t> GroupMember::Surplus(int32_t share) const {
  std::vector<int32_t> out;
  int32_t extra = int32_t(owned_.size()) - share;
  for (auto it = owned_.rbegin(); it != owned_.rend() && extra > 0; ++it, --extra) {
    out.push_back(*it);
  }
  return out;
}

Result<std::vector<int32_t>> GroupMember::AcquireFree(int32_t share) {
  std::vector<int32_t> got;
  for (int32_t p = 0; p < partitions_ && int32_t(owned_.size()) < share; ++p) {
    if (owned_.count(p) > 0) continue;
    std::string path = gi::LeasePath(data_dir_, group_, topic_, p);
    Result<int> fd = gi::TryLockFile(path, true);
    if (!fd.ok()) return fd.status();
    if (*fd < 0) continue;  // owned by another member
    Status st = gi::WritePid(*fd, path);
    if (!st.ok()) {
      ::close(*fd);
      return st;
    }
    lease_fds_[p] = *fd;
    owned_.insert(p);
    got.push_back(p);
  }
  return got;
}

Result<bool> GroupMember::MayGain(int32_t share) const {
  GroupStore store(data_dir_);
  std::map<int, int32_t> held;  // owner pid -> partitions it holds
  for (int32_t p = 0; p < partitions_; ++p) {
    if (owned_.count(p) > 0) continue;
    Result<int> owner = store.LeaseOwner(group_, topic_, p);
    if (!owner.ok()) return owner.status();
    // Free, or held by a member still writing its pid: worth another look.
    if (*owner <= 0) return true;
    if (++held[*owner] > share) return true;
  }
  return false;
}

void GroupMember::Release(int32_t partition) {
  auto it = lease_fds_.find(partition);
  if (it == lease_fds_.end()) return;
  // Errors are ignored: closing the descriptor releases the lock regardless.
  (void)::ftruncate(it->second, 0);
  ::close(it->second);
  lease_fds_.erase(it);
  owned_.erase(partition);
}

void GroupMember::Leave() {
  while (!lease_fds_.empty()) Release(lease_fds_.begin()->first);
  if (member_fd_ >= 0) {
    ::unlink(member_path_.c_str());
    ::close(member_fd_);
    member_fd_ = -1;
  }
}

}  // namespace klog
