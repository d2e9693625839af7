// Copies of partition logs whose source is a Kafka broker (klog-serve,
// Kafka, Redpanda): klog-replicate -b BROKERS -d DIR. The topics are synced
// as for a local source (topic_sync.h), then each partition is fetched from
// its leader, from the copy's log end, as a consumer (replica id -1,
// read_uncommitted), and the batches are appended verbatim: same offsets,
// same bytes (remote_partition.h). Unlike a local copy, the copy's segments
// roll by its own segment.bytes, so its sealed segment files are not the
// source's, though every batch in them is.
//
// Divergence is found as a Kafka follower finds it: by leader epochs (Fetch
// v12's diverging epoch; OffsetForLeaderEpoch when the copy ends past the
// source's end). A copy that diverged is truncated with a warning, or, without
// CopyOptions::truncate, the copy fails with an error naming the offset.
//
// A partition whose leader moved (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
// FENCED_ or UNKNOWN_LEADER_EPOCH) has its leader looked up again (Metadata),
// and one whose fetch offset is out of range has the source's offsets, a
// few times each; any other error stops the run.
//
// One run copies each partition up to the high watermark ListOffsets gave
// when the run began, then syncs every copy (fdatasync) before returning Ok;
// a broker lost meanwhile has every leader looked up again each second, ten
// times in a row at most (a dead broker's partitions get new leaders).
// A follow run (RemoteOptions::follow) never completes: it long-polls every
// partition, syncs what it copied every sync_ms, looks for new topics and
// partitions every refresh_ms, rides out a source that goes away (warning
// once, retrying each second), and ends, syncing everything, when `stop`
// says so.
// It keeps one Fetch in flight per broker, covering all of that broker's
// partitions still to copy, and appends each answer as it arrives, then asks
// that broker again (remote_run.h): the loop runs on the calling thread,
// which is blocked while it appends (a command-line tool serves nobody else
// on that loop).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/options.h"
#include "klog/status.h"
#include "replica/data_dir_copy.h"

namespace klog::replica {

struct RemoteOptions {
  client::ClientOptions client;
  int32_t fetch_max_bytes = 16 << 20;     // a Fetch's max_bytes
  int32_t partition_max_bytes = 2 << 20;  // each partition's share of it
  int32_t fetch_max_wait_ms = 100;        // a Fetch's max_wait_ms

  bool follow = false;
  int32_t follow_max_wait_ms = 500;  // a follow run's long poll; also how soon it sees `stop`
  int32_t sync_ms = 1000;            // a follow run syncs its copies this often
  int32_t refresh_ms = 5000;         // and looks for new topics and partitions this often
  std::function<bool()> stop;        // polled between Fetch rounds
};

// Totals of a run so far, for a progress line.
struct CopyProgress {
  int partitions = 0;
  int64_t batches = 0;
  int64_t bytes = 0;
  int64_t lag = 0;  // records the copies are behind the source, summed
};

// Copies the `topics` (every non-internal topic when empty) of the brokers
// `remote.client.bootstrap` into data directory `dst`, calling `each` per
// partition once its copy is complete and synced. Stops at the first error,
// which names the topic and partition, or the broker and the request.
// `progress`, when set, is called after every Fetch round.
Status CopyFromBrokers(const RemoteOptions& remote, const std::string& dst,
                       const std::vector<std::string>& topics, const CopyOptions& opts,
                       const std::function<void(const PartitionCopied&)>& each,
                       const std::function<void(const CopyProgress&)>& progress = {});

}  // namespace klog::replica
