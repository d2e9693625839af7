// Consumer groups of a data directory, without a broker. Everything a group
// keeps lives in one directory, <dir>/__groups/<group>/ (man/klog-format.5):
//   offsets.json          committed offsets, checksummed, replaced atomically
//   commit.lock           flock'd while a commit reads, merges and replaces offsets.json
//   members/<pid>.lock    one per live member, flock'd for the member's life
//   leases/<topic>-<N>.lease  flock'd by the member that owns partition N of topic
// A directory per group (rather than <group>.offsets beside the others) keeps
// names unambiguous: group and topic names may both contain '.', so a prefix
// such as "<group>." could name another group's files.
//
// flock(2) locks belong to the open file description and are dropped by the
// kernel when their holder dies, so a killed member's partitions are free at
// once and its member file is recognised as stale by the next scan.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "klog/status.h"

namespace klog {

// Group names follow the topic name rules (1..249 chars of [a-zA-Z0-9._-],
// not "." or ".."), so a name can never leave the groups directory.
Status ValidateGroupName(std::string_view group);

struct CommittedOffset {
  int64_t offset = 0;     // the next offset to read (Kafka's meaning)
  std::string metadata;   // free text stored with the commit
  int64_t commit_ms = 0;  // when it was committed, epoch milliseconds
};

// (topic, partition) → committed offset, ordered by topic then partition.
using GroupOffsets = std::map<std::pair<std::string, int32_t>, CommittedOffset>;

// The groups of one data directory: their offsets, members and leases.
// Stateless apart from the path; safe to use from several processes at once.
class GroupStore {
 public:
  explicit GroupStore(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  std::string GroupDir(const std::string& group) const;
  std::string OffsetsPath(const std::string& group) const;

  // Names of the groups that have a directory, sorted.
  Result<std::vector<std::string>> ListGroups() const;
  // True if the group has a directory (offsets or members ever recorded).
  bool Exists(const std::string& group) const;

  // The committed offsets; empty when the group has none yet. A torn or
  // altered offsets file is Corruption naming the file.
  Result<GroupOffsets> ReadOffsets(const std::string& group) const;
  // Merges `updates` into the committed offsets (entries not named keep their
  // value) under the group's commit lock, then replaces offsets.json
  // atomically and durably (temp file, fdatasync, rename, fsync of the
  // directory). Creates the group directory if needed.
  Status Commit(const std::string& group, const GroupOffsets& updates);

  // Pids of the live members, sorted. Member files whose lock is free (the
  // member died) are removed on the way.
  Result<std::vector<int>> LiveMembers(const std::string& group) const;
  // The pid holding the lease of (topic, partition), 0 if it is free.
  Result<int> LeaseOwner(const std::string& group, const std::string& topic,
                         int32_t partition) const;
  // Topics with a lease file in the group (whether held or not), sorted.
  Result<std::vector<std::string>> LeasedTopics(const std::string& group) const;

  // Removes the group's directory. Busy if it has a live member; NotFound
  // if there is no such group.
  Status DeleteGroup(const std::string& group);

 private:
  std::string data_dir_;
};

// This process as a member of a group consuming one topic. Not thread-safe.
// The caller drives rebalancing: every few hundred milliseconds it asks for
// the live member count, releases Surplus() partitions (after committing
// what it printed from them) and then calls AcquireFree(). Nothing here
// needs renewing: leases and membership are flock(2) locks that last as
// long as the process, so a member that is busy (or blocked writing) stays
// a member; what it must keep doing is the rebalancing above.
class GroupMember {
 public:
  // Registers a member file for this process (created under a temporary name,
  // locked, then renamed, so no scan ever sees it unlocked).
  static Result<std::unique_ptr<GroupMember>> Join(const std::string& data_dir,
                                                   const std::string& group,
                                                   const std::string& topic, int32_t partitions);
  ~GroupMember();  // Leave()
  GroupMember(const GroupMember&) = delete;
  GroupMember& operator=(const GroupMember&) = delete;

  // ceil(partitions / live): the most partitions one member should own.
  static int32_t Share(int32_t partitions, int live);

  // Live members of the group, this one included (stale files are removed).
  Result<int> CountLive() const;
  // Owned partitions beyond `share` (the highest-numbered ones).
  std::vector<int32_t> Surplus(int32_t share) const;
  // Takes free leases, lowest partition first, until `share` are owned.
  // Returns the partitions newly owned.
  Result<std::vector<int32_t>> AcquireFree(int32_t share);
  // True if a partition is free, or another member owns more than `share`
  // (it will give the extra up): partitions may still come to this member.
  // Opens every lease file of the topic; for a member waiting for its share.
  Result<bool> MayGain(int32_t share) const;
  // Gives up the lease of `partition` (a no-op if it is not owned).
  void Release(int32_t partition);
  const std::set<int32_t>& owned() const { return owned_; }

  // Releases every lease and removes the member file.
  void Leave();

 private:
  GroupMember() = default;
  std::string data_dir_, group_, topic_;
  int32_t partitions_ = 0;
  int member_fd_ = -1;
  std::string member_path_;
  std::set<int32_t> owned_;
  std::map<int32_t, int> lease_fds_;
};

}  // namespace klog
