#include "cli/replicate/replicate_cmd.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include <utility>

#include "cli/progress.h"
#include "cli/stop_signal.h"
#include "replica/data_dir_copy.h"
#include "replica/remote_copy.h"

namespace klog::cli::replicate {
namespace {

namespace replica = klog::replica;

// SIGINT and SIGTERM end --follow, syncing what it copied.
bool Stopped() { return StopRequested(); }

// How often a local --follow looks at its source directory again.
constexpr auto kLocalPoll = std::chrono::milliseconds(200);

// One line per partition copied: topic, partition, batches and bytes copied,
// the copy's log start and end offsets, and its lag behind the source.
void PrintStats(Output& out, const replica::PartitionCopied& c) {
  out.Write(c.topic + "\t" + std::to_string(c.partition) + "\t" + std::to_string(c.stats.batches) +
            "\t" + std::to_string(c.stats.bytes) + "\t" + std::to_string(c.stats.start_offset) +
            "\t" + std::to_string(c.stats.end_offset) + "\t" + std::to_string(c.stats.lag) + "\n");
}

std::string ProgressText(const replica::CopyProgress& p, double seconds) {
  char line[160];
  std::snprintf(line, sizeof line,
                "%d partitions, %lld batches, %.1f MB copied (%.1f MB/s), lag %lld", p.partitions,
                static_cast<long long>(p.batches), double(p.bytes) / 1e6,
                double(p.bytes) / 1e6 / std::max(seconds, 1e-3), static_cast<long long>(p.lag));
  return line;
}

// The copy from a data directory: once, or (--follow) again every
// kLocalPoll until stopped; a partition's stats add up over the passes.
klog::Status CopyLocal(
    const ReplicateOptions& o, const replica::CopyOptions& opts, ProgressLine& line,
    replica::CopyProgress* shown,
    std::map<std::pair<std::string, int32_t>, replica::PartitionCopied>* copied) {
  replica::CopyProgress& total = *shown;
  auto each = [&](const replica::PartitionCopied& c) {
    auto [it, fresh] = copied->try_emplace({c.topic, c.partition}, c);
    if (!fresh) {
      it->second.stats.batches += c.stats.batches;
      it->second.stats.bytes += c.stats.bytes;
      it->second.stats.start_offset = c.stats.start_offset;
      it->second.stats.end_offset = c.stats.end_offset;
    }
    total.partitions = int(copied->size());
    total.batches += c.stats.batches;
    total.bytes += c.stats.bytes;
    line.Show([&] { return ProgressText(total, line.seconds()); });
  };
  for (;;) {
    klog::Status st = replica::CopyDataDir(o.source, o.dest, o.topics, opts, each);
    if (!st.ok() || !o.follow) return st;
    auto until = std::chrono::steady_clock::now() + kLocalPoll;
    while (!Stopped() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (Stopped()) return st;
  }
}

klog::Status CopyRemote(
    const ReplicateOptions& o, const replica::CopyOptions& opts, ProgressLine& line,
    replica::CopyProgress* shown,
    std::map<std::pair<std::string, int32_t>, replica::PartitionCopied>* copied) {
  replica::RemoteOptions remote;
  remote.client.bootstrap = o.brokers;
  remote.client.client_id = "klog-replicate";
  remote.client.connect_timeout_ms = 5000;
  remote.client.reconnect_backoff_max_ms = 1000;
  remote.follow = o.follow;
  remote.stop = Stopped;
  auto each = [&](const replica::PartitionCopied& c) { (*copied)[{c.topic, c.partition}] = c; };
  auto progress = [&](const replica::CopyProgress& p) {
    *shown = p;
    line.Show([&] { return ProgressText(p, line.seconds()); });
  };
  return replica::CopyFromBrokers(remote, o.dest, o.topics, opts, each, progress);
}

}  // namespace

int ReplicateCopy(Tool& tool, const ReplicateOptions& o) {
  if (o.follow) CatchStopSignals();
  ProgressLine line(o.progress);
  replica::CopyOptions opts;
  opts.truncate = o.truncate;
  opts.warn = [&tool, &line](const std::string& m) {
    tool.out().Flush();
    line.Break();
    tool.Diag("warning: " + m);
  };
  opts.info = [&tool, &line](const std::string& m) {
    line.Break();
    tool.Diag(m);
  };
  std::map<std::pair<std::string, int32_t>, replica::PartitionCopied> copied;
  replica::CopyProgress shown;
  klog::Status st = o.brokers.empty() ? CopyLocal(o, opts, line, &shown, &copied)
                                      : CopyRemote(o, opts, line, &shown, &copied);
  line.Show([&] { return ProgressText(shown, line.seconds()); }, true);
  if (!st.ok()) return tool.Fail(st);
  if (o.stats) {
    for (const auto& [key, c] : copied) PrintStats(tool.out(), c);
  }
  return kExitOk;
}

int ReplicateCompare(Tool& tool, const std::string& a, const std::string& b,
                     const std::vector<std::string>& topics) {
  bool equal = false;
  klog::Status st = replica::CompareDataDirs(
      a, b, topics,
      [&](const replica::PartitionCompared& c) {
        std::string verdict = c.result.equal
                                  ? "equal"
                                  : "differs at " + std::to_string(c.result.first_difference) +
                                        ": " + c.result.reason;
        tool.out().Write(c.topic + "\t" + std::to_string(c.partition) + "\t" + verdict + "\n");
      },
      &equal);
  if (!st.ok()) return tool.Fail(st);
  return equal ? kExitOk : kExitFailure;
}

}  // namespace klog::cli::replicate
