// MetaStore: the cluster's metadata store as klog needs it, independent of the
// engine behind it (etcd today, perhaps an embedded raft later). It offers what
// the KRaft/ZooKeeper design needs and nothing more: reads of a key or a prefix
// at one revision, writes guarded by revisions (the fence a deposed controller
// or leader cannot pass), leases that delete a broker's keys when it stops
// renewing them, and watches that replay every change after a revision, in
// order. The key layout and the fencing rules built on it are in
// cluster.md §2.3.
//
// Revisions are the store's global, strictly increasing version numbers: every
// successful write gets a new one, and each key remembers the revision that
// created it (create_revision) and the one that last changed it
// (mod_revision). A key that does not exist has both at 0.
//
// Threads and lifecycles: every call is made on the loop thread of the loop the
// store was created on, returns at once, and calls its callback later on that
// thread, exactly once, unless the store is destroyed first (then never). A
// callback may start new calls; it must not destroy the store. Every call is
// bounded by the store's request timeout, so a store that is down or stuck
// gives an error, never a hang. Errors name the call and the key.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "klog/status.h"

namespace klog::cluster {

struct KeyValue {
  std::string key;
  std::string value;  // arbitrary bytes
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // how many times it was written since it was created
  int64_t lease = 0;    // the lease the key is bound to, 0 for none
};

// What a read saw: the keys as of `revision`, the store's revision when it
// answered. A later watch from revision + 1 misses nothing and repeats nothing.
struct GetResult {
  int64_t revision = 0;
  std::vector<KeyValue> kvs;  // in key order (bytewise)
};

// A guard of a transaction: the key's create or mod revision must equal
// `revision` (0: the key must not exist).
struct Compare {
  enum class Target { kModRevision, kCreateRevision };
  std::string key;
  Target target = Target::kModRevision;
  int64_t revision = 0;
};

// One write of a transaction: a put (bound to `lease` unless it is 0) or the
// delete of one key.
struct WriteOp {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;
  int64_t lease = 0;
};

// All compares are checked and all ops applied atomically, at one revision.
// A transaction holds at most kMaxTxnOps compares and at most kMaxTxnOps ops
// (etcd's --max-txn-ops default).
struct Txn {
  std::vector<Compare> compares;
  std::vector<WriteOp> ops;
};
inline constexpr size_t kMaxTxnOps = 128;

// ok with the revision the write committed at; Conflict (nothing was written)
// when a guard did not hold, with the store's revision at that moment; any
// other error when the outcome is unknown to the caller (a timeout may still
// have committed), so the caller re-reads before it decides.
using WriteFn = std::function<void(Status, int64_t revision)>;
using GetFn = std::function<void(Status, GetResult)>;
// ok with the lease's id and the TTL granted (the store may raise it).
using LeaseFn = std::function<void(Status, int64_t id, int64_t ttl_s)>;
// ok with the TTL the lease has again; NotFound once it has expired or been
// revoked (its keys are gone then).
using KeepAliveFn = std::function<void(Status, int64_t ttl_s)>;
using DoneFn = std::function<void(Status)>;

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  // For a put, the key as written. For a delete, the key name, with
  // mod_revision the revision of the delete and no value.
  KeyValue kv;
};

// Events of one or more revisions, in revision order; `revision` is the
// store's revision when it sent them.
struct WatchBatch {
  int64_t revision = 0;
  std::vector<WatchEvent> events;
};

// ok for each batch. An error ends the watch (no call follows): the stream
// broke, the store went away, or the start revision was compacted (then the
// caller must re-read with Get and watch again from the new revision).
using WatchFn = std::function<void(Status, WatchBatch)>;

// A running watch. Cancel() (or destroying it) stops it: no callback follows,
// even from inside the watch's own callback.
class Watch {
 public:
  virtual ~Watch() = default;
  virtual void Cancel() = 0;
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // The key, if it exists (kvs empty if not).
  virtual void Get(std::string key, GetFn done) = 0;
  // Every key that starts with `prefix`, all at one revision.
  virtual void GetPrefix(std::string prefix, GetFn done) = 0;

  // Writes `value` if the key's mod revision is `expected_mod_revision` (0: if
  // the key does not exist), bound to `lease` unless it is 0.
  virtual void PutIfRevision(std::string key, std::string value, int64_t expected_mod_revision,
                             int64_t lease, WriteFn done) = 0;
  // Deletes the key if its mod revision is `expected_mod_revision` (> 0).
  virtual void DeleteIfRevision(std::string key, int64_t expected_mod_revision, WriteFn done) = 0;
  // All of `txn` or nothing (see Txn and WriteFn). More than kMaxTxnOps
  // compares or ops is InvalidArgument.
  virtual void Commit(Txn txn, WriteFn done) = 0;

  // A lease that expires `ttl_s` seconds after its grant or last keep-alive;
  // when it expires or is revoked, the keys bound to it are deleted.
  virtual void LeaseGrant(int64_t ttl_s, LeaseFn done) = 0;
  virtual void LeaseKeepAlive(int64_t id, KeepAliveFn done) = 0;
  // Ends the lease now; NotFound if it has already ended.
  virtual void LeaseRevoke(int64_t id, DoneFn done) = 0;

  // Every change to keys starting with `prefix` made at `from_revision` or
  // later, in revision order, none skipped. 0 means from whenever the store
  // has set the watch up, which the caller cannot see: to miss nothing after
  // a read, pass the read's revision + 1. A watch has no deadline of its own
  // (it may be idle for hours); a store that hangs without closing the stream
  // is noticed by the caller's lease keep-alives failing, not by the watch.
  virtual std::unique_ptr<Watch> WatchPrefix(std::string prefix, int64_t from_revision,
                                             WatchFn on_batch) = 0;
};

}  // namespace klog::cluster
