// klog-append: append records from stdin to a topic (klog-append(1)).
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/escape.h"
#include "cli/kafka/commands.h"
#include "cli/local/append_cmd.h"
#include "cli/size.h"
#include "klog/filename.h"
#include "klog/topic.h"

namespace {

struct Flags {
  std::string delimiter = "\\n";
  std::string key_delimiter;
  std::vector<std::string> headers;
  std::string compression = "none";
  std::string flush = "none";
  std::string batch_bytes = "1M";
  int32_t partition = -1;
};

// Turns the raw flag strings into options; returns a usage exit code or -1.
int Convert(const klog::cli::Tool& tool, const Flags& f, CLI::App& app,
            klog::cli::local::AppendOptions* o) {
  using namespace klog::cli;
  using namespace klog::cli::local;
  using namespace klog::cli::kafka;
  klog::Status st = klog::ValidateTopicName(o->topic);
  if (!st.ok()) return tool.UsageError(st.message());
  auto delim = ParseEscapes(f.delimiter);
  if (!delim.ok()) return tool.UsageError("--delimiter " + delim.status().message());
  if (delim->empty()) return tool.UsageError("--delimiter must not be empty");
  o->delimiter = *delim;
  if (app.count("--key-delimiter") > 0) {
    auto kd = ParseEscapes(f.key_delimiter);
    if (!kd.ok()) return tool.UsageError("--key-delimiter " + kd.status().message());
    if (kd->empty()) return tool.UsageError("--key-delimiter must not be empty");
    o->key_delimiter = *kd;
  }
  for (const auto& h : f.headers) {
    size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) {
      return tool.UsageError("--header '" + h + "': expected NAME=VALUE");
    }
    o->headers.emplace_back(h.substr(0, eq), h.substr(eq + 1));
  }
  if (f.partition >= 0) o->partition = f.partition;
  auto codec = klog::ParseCompression(f.compression);
  if (!codec.ok()) return tool.UsageError("--compression: " + codec.status().message());
  o->codec = *codec;
  auto flush = ParseFlushPolicy(f.flush);
  if (!flush.ok()) return tool.UsageError("--flush: " + flush.status().message());
  o->flush = *flush;
  auto bb = ParseSize(f.batch_bytes);
  if (!bb.ok()) return tool.UsageError("--batch-bytes: " + bb.status().message());
  if (*bb < 1024) return tool.UsageError("--batch-bytes: must be at least 1k");
  o->batch_bytes = *bb;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace klog::cli;
  using namespace klog::cli::local;
  using namespace klog::cli::kafka;
  Tool tool("klog-append");
  auto app = MakeApp(tool, "Append records from stdin to a klog topic.");
  AppendOptions o;
  Flags f;
  std::string dir;
  app->add_option("-t,--topic", o.topic, "Topic to append to")->required()->type_name("TOPIC");
  AddDataDirOption(*app, &dir);
  app->add_option("-p,--partition", f.partition, "Put every record on partition N")
      ->type_name("N")
      ->check(CLI::Range(0, INT32_MAX));
  app->add_option("-D,--delimiter", f.delimiter, "Record delimiter (default \\n)")
      ->type_name("DELIM");
  app->add_option("-K,--key-delimiter", f.key_delimiter, "Split key and value at DELIM")
      ->type_name("DELIM");
  app->add_flag("--json", o.json, "Read one JSON record per line");
  app->add_option("-H,--header", f.headers, "Add header NAME=VALUE to every record (repeatable)")
      ->type_name("NAME=VALUE");
  app->add_option("--partitions", o.create_partitions,
                  "Partition count if the topic is created (default 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000));
  app->add_flag("--no-create", o.no_create, "Fail if the topic does not exist");
  app->add_option("-z,--compression", f.compression, "none, gzip, snappy, lz4 or zstd")
      ->type_name("CODEC");
  app->add_option("--flush", f.flush, "none, batch or MS (sync at most every MS ms)")
      ->type_name("POLICY");
  app->add_option("--batch-bytes", f.batch_bytes, "Maximum batch size (default 1M)")
      ->type_name("N");
  app->add_flag("--progress", o.progress, "Show progress on stderr (TTY only)");
  BrokerFlags broker;
  ProduceOptions produce;
  int64_t linger_ms = 0;
  AddBrokerOptions(*app, &broker);
  app->add_option("--acks", produce.acks, "Broker mode only: 0, 1 or all (default all)")
      ->type_name("ACKS")
      ->check(CLI::IsMember({"0", "1", "all"}));
  app->add_option("--linger-ms", linger_ms, "Broker mode only: wait up to MS ms to fill a batch")
      ->type_name("MS")
      ->check(CLI::Range(int64_t(0), int64_t(900000)));
  return Run(tool, *app, argc, argv, [&] {
    o.data_dir = ResolveDataDir(dir);
    int rc = Convert(tool, f, *app, &o);
    if (rc >= 0) return rc;
    if (auto brokers = ResolveBrokers(broker, dir)) {
      if (app->count("--flush") > 0) {
        return tool.UsageError("--flush applies to local mode only (not -b)");
      }
      if (app->count("--linger-ms") > 0) produce.linger_ms = linger_ms;
      produce.partitions_given = app->count("--partitions") > 0;
      return RunAppendBroker(tool, o, produce, {*brokers, broker});
    }
    // klog-serve's internal topics are refused to local writers as to clients.
    klog::Status internal = klog::CheckNotInternal(o.topic, "appending to it");
    if (!internal.ok()) return tool.Fail(internal);
    return RunAppend(tool, o);
  });
}
