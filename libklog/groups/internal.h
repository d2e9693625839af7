// Private helpers shared by store.cpp and member.cpp: the paths
// of a group's files (see klog/group.h) and non-blocking flock attempts.
#pragma once

#include <cstdint>
#include <string>

#include "klog/status.h"

namespace klog::group_internal {

constexpr const char* kGroupsDirName = "__groups";
constexpr const char* kOffsetsName = "offsets.json";
constexpr const char* kCommitLockName = "commit.lock";
constexpr const char* kMembersDirName = "members";
constexpr const char* kLeasesDirName = "leases";
constexpr const char* kMemberSuffix = ".lock";
constexpr const char* kLeaseSuffix = ".lease";

std::string GroupsDir(const std::string& data_dir);
std::string GroupDir(const std::string& data_dir, const std::string& group);
std::string MembersDir(const std::string& data_dir, const std::string& group);
std::string LeasePath(const std::string& data_dir, const std::string& group,
                      const std::string& topic, int32_t partition);

// Opens (creating) `path` and takes an exclusive flock without waiting.
// Returns the descriptor, -1 if another open file description holds the
// lock, or an error.
Result<int> TryLockFile(const std::string& path, bool create);

// "pid <N>\n" written into a lock file by its holder; 0 if unreadable.
int ReadPid(int fd);
Status WritePid(int fd, const std::string& path);

}  // namespace klog::group_internal
