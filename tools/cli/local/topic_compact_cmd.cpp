// klog-topic compact on a data directory (klog-topic(1)): runs the log
// cleaner (klog/cleaner.h) over each partition of a topic whose
// cleanup.policy includes compact. Each partition is opened as its writer, so
// this fails with "locked by pid N" while klog-serve or klog-append writes it.
#include <signal.h>

#include <cstdlib>

#include "cli/cli.h"
#include "cli/local/topic_cmd.h"
#include "cli/output.h"
#include "klog/cleaner.h"
#include "klog/filename.h"
#include "klog/log.h"
#include "klog/topic.h"

namespace klog::cli::local {
namespace {

constexpr const char* kCrashEnv = "KLOG_TEST_CLEANER_CRASH";

std::string Where(const std::string& topic, int32_t p) { return topic + "-" + std::to_string(p); }

// The writer's options (segment.bytes, index.interval.bytes ...) and the
// cleaner's, both from the topic's configs; an invalid config is an error.
Status MakeOptions(Tool& tool, const TopicInfo& info, int64_t key_map_bytes, LogOptions* log,
                   CleanerOptions* clean) {
  log->owner = tool.name();
  log->warn = [&tool](const std::string& m) { tool.Diag("warning: " + m); };
  KLOG_RETURN_IF_ERROR(ApplyTopicConfigs(info, log));
  clean->key_map_bytes = key_map_bytes;
  double min_dirty_ratio = 0;  // klog-topic compact cleans whatever the ratio
  KLOG_RETURN_IF_ERROR(TopicCleanerOptions(info, clean, &min_dirty_ratio));
  // A testing aid (klog-topic(1), ENVIRONMENT): die by SIGKILL just before
  // the named step of the swap, as a power cut or OOM kill would.
  const char* crash = std::getenv(kCrashEnv);
  if (crash != nullptr && crash[0] != '\0') {
    std::string step = crash;
    clean->step_hook = [step, &tool](std::string_view s) {
      if (s == step) {
        tool.out().Flush();
        ::raise(SIGKILL);
      }
    };
  }
  return Status::Ok();
}

// One line per partition, tab-separated "name: value" fields.
void Report(Tool& tool, const std::string& topic, int32_t p, const CleanResult& r) {
  auto f = [](const char* name, int64_t v) {
    return std::string("\t") + name + ": " + std::to_string(v);
  };
  tool.out().Write(Where(topic, p) + f("passes", r.passes) + f("segments_read", r.segments_read) +
                   f("segments_written", r.segments_written) + f("bytes_read", r.bytes_read) +
                   f("bytes_written", r.bytes_written) + f("records_kept", r.records_kept) +
                   f("records_removed", r.records_read - r.records_kept) +
                   f("tombstones_removed", r.tombstones_removed) +
                   f("keyless_removed", r.keyless_removed) + f("first_dirty", r.first_dirty) +
                   "\n");
  tool.out().Flush();
}

Status CompactPartition(Tool& tool, const DataDir& dd, const TopicInfo& info, int32_t p,
                        const LogOptions& lo, const CleanerOptions& co) {
  auto w = LogWriter::Open(dd.PartitionPath(info.name, p), lo);
  if (!w.ok()) return w.status().WithContext(Where(info.name, p));
  CleanResult r;
  Status st = CompactLog(w->get(), co, &r);
  Status closed = (*w)->Close();
  if (st.ok()) st = closed;
  if (!st.ok()) return st.WithContext(Where(info.name, p));
  Report(tool, info.name, p, r);
  return Status::Ok();
}

}  // namespace

int TopicCompact(Tool& tool, const std::string& data_dir, const TopicCompactOptions& o) {
  Status st = ValidateTopicName(o.topic);
  if (!st.ok()) return tool.UsageError(st.message());
  DataDir dd(data_dir);
  Result<TopicInfo> info = dd.DescribeTopic(o.topic);
  if (!info.ok()) return tool.Fail(info.status());
  if (!TopicIsCompacted(*info) && !o.force) {
    auto policy = info->configs.find("cleanup.policy");
    return tool.Fail(Status::InvalidArgument(
        "topic '" + o.topic +
        "' has cleanup.policy=" + (policy == info->configs.end() ? "delete" : policy->second) +
        ", not compact; set it with 'klog-topic alter " + o.topic +
        " --config cleanup.policy=compact' or give --force"));
  }
  if (o.partition && *o.partition >= info->partitions) {
    return tool.Fail(Status::NotFound("topic '" + o.topic + "' has no partition " +
                                      std::to_string(*o.partition)));
  }
  LogOptions lo;
  CleanerOptions co;
  st = MakeOptions(tool, *info, o.key_map_bytes, &lo, &co);
  if (!st.ok()) return tool.Fail(st);
  int32_t first = o.partition.value_or(0);
  int32_t last = o.partition ? *o.partition + 1 : info->partitions;
  for (int32_t p = first; p < last; ++p) {
    st = CompactPartition(tool, dd, *info, p, lo, co);
    if (!st.ok()) return tool.Fail(st);
  }
  return kExitOk;
}

}  // namespace klog::cli::local
