// klog-replicate: byte-exact copies of partition logs (klog-replicate(1)).
// The logic is libklog/replica (local_copy, compare, data_dir_copy,
// remote_copy); this is only the command line and the output.
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "client/options.h"
#include "klog/filename.h"
#include "replica/data_dir_copy.h"
#include "replica/remote_copy.h"

namespace {

using namespace klog::cli;
namespace replica = klog::replica;

struct Flags {
  std::string source;
  std::string brokers;
  std::string dest;
  std::vector<std::string> topics;
  std::vector<std::string> compare;
  bool no_truncate = false;
  bool stats = false;
};

// One line per partition copied: topic, partition, batches and bytes copied,
// the copy's log start and end offsets.
void PrintStats(Output& out, const replica::PartitionCopied& c) {
  out.Write(c.topic + "\t" + std::to_string(c.partition) + "\t" + std::to_string(c.stats.batches) +
            "\t" + std::to_string(c.stats.bytes) + "\t" + std::to_string(c.stats.start_offset) +
            "\t" + std::to_string(c.stats.end_offset) + "\n");
}

// One line per partition compared: "equal" or "differs at N: why".
void PrintCompared(Output& out, const replica::PartitionCompared& c) {
  std::string verdict = c.result.equal ? "equal"
                                       : "differs at " + std::to_string(c.result.first_difference) +
                                             ": " + c.result.reason;
  out.Write(c.topic + "\t" + std::to_string(c.partition) + "\t" + verdict + "\n");
}

std::vector<std::string> SplitBrokers(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string one;
  while (std::getline(in, one, ',')) {
    if (!one.empty()) out.push_back(one);
  }
  return out;
}

int RunCopy(Tool& tool, const Flags& f) {
  replica::CopyOptions opts;
  opts.truncate = !f.no_truncate;
  opts.warn = [&tool](const std::string& m) {
    tool.out().Flush();
    tool.Diag("warning: " + m);
  };
  auto each = [&](const replica::PartitionCopied& c) {
    if (f.stats) PrintStats(tool.out(), c);
  };
  klog::Status st;
  if (!f.brokers.empty()) {
    replica::RemoteOptions remote;
    remote.client.bootstrap = SplitBrokers(f.brokers);
    remote.client.client_id = "klog-replicate";
    remote.client.connect_timeout_ms = 5000;
    remote.client.reconnect_backoff_max_ms = 1000;
    st = replica::CopyFromBrokers(remote, ResolveDataDir(f.dest), f.topics, opts, each);
  } else {
    st = replica::CopyDataDir(f.source, ResolveDataDir(f.dest), f.topics, opts, each);
  }
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

int RunCompare(Tool& tool, const Flags& f) {
  bool equal = false;
  klog::Status st = replica::CompareDataDirs(
      f.compare[0], f.compare[1], f.topics,
      [&](const replica::PartitionCompared& c) { PrintCompared(tool.out(), c); }, &equal);
  if (!st.ok()) return tool.Fail(st);
  return equal ? kExitOk : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  Tool tool("klog-replicate");
  auto app = MakeApp(tool, "Copy partition logs byte for byte, at the same offsets.");
  Flags f;
  app->add_option("-s,--source", f.source, "Data directory to copy from")->type_name("SRC_DIR");
  app->add_option("-b,--brokers", f.brokers,
                  "Brokers to copy from, HOST:PORT[,...] (default $KLOG_BROKERS without -s)")
      ->type_name("BROKERS");
  app->add_option("-d,--data-dir", f.dest,
                  "Data directory to copy into (default $KLOG_DIR, else ./klog-data)")
      ->type_name("DIR");
  app->add_option("-t,--topic", f.topics, "Topic to copy or compare (repeatable; default all)")
      ->type_name("TOPIC");
  app->add_option("--compare", f.compare, "Compare two data directories partition by partition")
      ->expected(2)
      ->type_name("DIR");
  app->add_flag("--no-truncate", f.no_truncate,
                "Refuse, rather than truncate, a copy that diverged from its source");
  app->add_flag("--stats", f.stats, "Print what was copied, one line per partition");
  app->footer(
      "Copy:    klog-replicate -s SRC_DIR [-d DIR] [-t TOPIC]... [--no-truncate] [--stats]\n"
      "         klog-replicate -b BROKERS [-d DIR] [-t TOPIC]... [--no-truncate] [--stats]\n"
      "Compare: klog-replicate --compare DIR_A DIR_B [-t TOPIC]...");
  return Run(tool, *app, argc, argv, [&] {
    for (const std::string& t : f.topics) {
      klog::Status st = klog::ValidateTopicName(t);
      if (!st.ok()) return tool.UsageError(st.message());
    }
    if (!f.compare.empty()) {
      if (!f.source.empty() || !f.brokers.empty() || f.no_truncate || f.stats || !f.dest.empty()) {
        return tool.UsageError("--compare takes no -s, -b, -d, --no-truncate or --stats");
      }
      return RunCompare(tool, f);
    }
    if (!f.source.empty() && !f.brokers.empty()) {
      return tool.UsageError("-s and -b cannot be combined: copy from a directory or from brokers");
    }
    if (f.source.empty() && f.brokers.empty()) {
      const char* env = std::getenv("KLOG_BROKERS");
      if (env != nullptr) f.brokers = env;
    }
    if (f.source.empty() && f.brokers.empty())
      return tool.UsageError("give -s SRC_DIR or -b BROKERS to copy, or --compare DIR_A DIR_B");
    if (!f.brokers.empty() && f.dest.empty())
      return tool.UsageError("-b BROKERS needs -d DIR, the data directory to copy into");
    if (!f.brokers.empty() && SplitBrokers(f.brokers).empty())
      return tool.UsageError("-b names no broker: give HOST:PORT[,HOST:PORT...]");
    for (const std::string& b : SplitBrokers(f.brokers)) {
      klog::client::BrokerAddress addr;
      klog::Status st = klog::client::ParseBrokerAddress(b, &addr);
      if (!st.ok()) return tool.UsageError(st.message());
    }
    return RunCopy(tool, f);
  });
}
