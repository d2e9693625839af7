// Group offsets and group directories: see klog/group.h. Offsets file format
// (man/klog-format.5): <dir>/__groups/<group>/offsets.json holds one JSON
// object and a newline,
//   {"offsets":[{"commit_ms":MS,"metadata":"...","offset":N,"partition":P,
//   "topic":"..."},...],"version":1,"xxh3":"<16 hex digits>"}
// where xxh3 is the XXH3-64 of the compact, key-sorted dump of the object
// without the "xxh3" member (the convention of <topic>.topic.json).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "groups/internal.h"
#include "klog/checksum.h"
#include "klog/filename.h"
#include "klog/group.h"
#include "util/fileutil.h"

namespace klog {

namespace gi = group_internal;

namespace {

using nlohmann::json;

std::string OffsetsText(const GroupOffsets& offsets) {
  json list = json::array();
  for (const auto& [tp, c] : offsets) {
    list.push_back({{"topic", tp.first},
                    {"partition", tp.second},
                    {"offset", c.offset},
                    {"metadata", c.metadata},
                    {"commit_ms", c.commit_ms}});
  }
  json j = {{"version", 1}, {"offsets", list}};
  std::string body = j.dump();
  j["xxh3"] = Hex64(Xxh3_64(body.data(), body.size()));
  return j.dump() + "\n";
}

bool IsInt(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_number_integer();
}

Result<GroupOffsets> ParseOffsets(const std::string& path, const std::string& text) {
  auto bad = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("torn or malformed group offsets");
  auto sum = j.find("xxh3");
  if (sum == j.end() || !sum->is_string()) return bad("no xxh3 checksum");
  std::string want = sum->get<std::string>();
  j.erase("xxh3");
  std::string body = j.dump();
  if (Hex64(Xxh3_64(body.data(), body.size())) != want) {
    return bad("checksum mismatch (torn or edited file)");
  }
  if (!IsInt(j, "version") || j["version"].get<int64_t>() != 1) {
    return bad("unsupported offsets version");
  }
  auto list = j.find("offsets");
  if (list == j.end() || !list->is_array()) return bad("offsets is not an array");
  GroupOffsets out;
  for (const json& e : *list) {
    if (!e.is_object() || !IsInt(e, "partition") || !IsInt(e, "offset") || !IsInt(e, "commit_ms") ||
        !e.contains("topic") || !e["topic"].is_string() || !e.contains("metadata") ||
        !e["metadata"].is_string()) {
      return bad("malformed offset entry " + e.dump());
    }
    std::string topic = e["topic"].get<std::string>();
    int64_t partition = e["partition"].get<int64_t>();
    if (!ValidateTopicName(topic).ok() || partition < 0 || partition > INT32_MAX ||
        e["offset"].get<int64_t>() < 0) {
      return bad("bad offset entry " + e.dump());
    }
    CommittedOffset c{e["offset"].get<int64_t>(), e["metadata"].get<std::string>(),
                      e["commit_ms"].get<int64_t>()};
    out[{topic, int32_t(partition)}] = std::move(c);
  }
  return out;
}

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Writes `text` to a private temporary file, syncs it and renames it over
// `path`, then syncs the directory.
Status ReplaceDurably(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  UniqueFd fd;
  KLOG_RETURN_IF_ERROR(OpenFd(tmp, O_WRONLY | O_CREAT | O_TRUNC, &fd));
  Status st = PwriteFull(fd.get(), text.data(), text.size(), 0, tmp);
  if (st.ok() && ::fdatasync(fd.get()) != 0) st = Status::FromErrno("fsync " + tmp, errno);
  fd.Reset();
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Status::FromErrno("rename " + tmp + " to " + path, errno);
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return SyncDir(DirName(path));
}

}  // namespace

Status ValidateGroupName(std::string_view group) {
  Status st = ValidateTopicName(group);
  if (st.ok()) return st;
  std::string quoted = "group '" + std::string(group) + "'";
  if (group.empty()) return Status::InvalidArgument("group name is empty");
  if (group.size() > 249)
    return Status::InvalidArgument("group name is longer than 249 characters");
  if (group == "." || group == "..") {
    return Status::InvalidArgument(quoted + ": '.' and '..' are not allowed");
  }
  return Status::InvalidArgument(quoted + ": only [a-zA-Z0-9._-] are allowed");
}

std::string GroupStore::GroupDir(const std::string& group) const {
  return gi::GroupDir(data_dir_, group);
}

std::string GroupStore::OffsetsPath(const std::string& group) const {
  return GroupDir(group) + "/" + gi::kOffsetsName;
}

Result<std::vector<std::string>> GroupStore::ListGroups() const {
  std::vector<std::string> out;
  std::string dir = gi::GroupsDir(data_dir_);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return out;
    return Status::FromErrno("opendir " + dir, errno);
  }
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    std::error_code ec;
    if (ValidateGroupName(name).ok() && std::filesystem::is_directory(dir + "/" + name, ec)) {
      out.push_back(name);
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

bool GroupStore::Exists(const std::string& group) const {
  std::error_code ec;
  return ValidateGroupName(group).ok() && std::filesystem::is_directory(GroupDir(group), ec);
}

Result<GroupOffsets> GroupStore::ReadOffsets(const std::string& group) const {
  KLOG_RETURN_IF_ERROR(ValidateGroupName(group));
  std::string path = OffsetsPath(group);
  std::string text;
  Status st = ReadWholeFile(path, &text);
  if (st.IsNotFound()) return GroupOffsets{};
  if (!st.ok()) return st;
  return ParseOffsets(path, text);
}

Status GroupStore::Commit(const std::string& group, const GroupOffsets& updates) {
  KLOG_RETURN_IF_ERROR(ValidateGroupName(group));
  KLOG_RETURN_IF_ERROR(MakeDirs(GroupDir(group)));
  std::string lock_path = GroupDir(group) + "/" + gi::kCommitLockName;
  UniqueFd lock;
  KLOG_RETURN_IF_ERROR(OpenFd(lock_path, O_RDWR | O_CREAT, &lock));
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Status::FromErrno("flock " + lock_path, errno);
  }
  Result<GroupOffsets> current = ReadOffsets(group);
  if (!current.ok()) return current.status();
  int64_t now = NowMs();
  for (const auto& [tp, c] : updates) {
    CommittedOffset v = c;
    if (v.commit_ms == 0) v.commit_ms = now;
    (*current)[tp] = std::move(v);
  }
  // The commit lock is released when `lock` is closed, after the rename.
  return ReplaceDurably(OffsetsPath(group), OffsetsText(*current));
}

Status GroupStore::DeleteGroup(const std::string& group) {
  KLOG_RETURN_IF_ERROR(ValidateGroupName(group));
  if (!Exists(group)) return Status::NotFound("group '" + group + "' does not exist");
  Result<std::vector<int>> live = LiveMembers(group);
  if (!live.ok()) return live.status();
  if (!live->empty()) {
    return Status::Busy("group '" + group + "' has " + std::to_string(live->size()) +
                        " live member(s) (pid " + std::to_string(live->front()) + ")");
  }
  std::error_code ec;
  std::filesystem::remove_all(GroupDir(group), ec);
  if (ec) return Status::IOError("remove " + GroupDir(group) + ": " + ec.message());
  return SyncDir(gi::GroupsDir(data_dir_));
}

}  // namespace klog
