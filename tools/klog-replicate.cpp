// klog-replicate: byte-exact copies of partition logs (klog-replicate(1)).
// The logic is libklog/replica (local_copy, compare, data_dir_copy,
// remote_copy) and cli/local/replicate_cmd; this is only the command line.
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/replicate/replicate_cmd.h"
#include "client/options.h"
#include "klog/filename.h"

namespace {

using namespace klog::cli;
using namespace klog::cli::replicate;

struct Flags {
  std::string source;
  std::string brokers;
  std::string dest;
  std::vector<std::string> topics;
  std::vector<std::string> compare;
  bool no_truncate = false;
  bool follow = false;
  bool stats = false;
  bool progress = false;
};

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
  ReplicateOptions o;
  o.source = f.source;
  o.brokers = SplitBrokers(f.brokers);
  o.dest = ResolveDataDir(f.dest);
  o.topics = f.topics;
  o.truncate = !f.no_truncate;
  o.follow = f.follow;
  o.stats = f.stats;
  o.progress = f.progress;
  return ReplicateCopy(tool, o);
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
  app->add_flag("-f,--follow", f.follow,
                "Keep copying what the source appends until SIGINT or SIGTERM");
  app->add_flag("--stats", f.stats, "Print what was copied and the lag, one line per partition");
  app->add_flag("--progress", f.progress, "Show progress on stderr (TTY only)");
  app->footer(
      "Copy:    klog-replicate -s SRC_DIR [-d DIR] [-t TOPIC]... [-f] [--no-truncate] [--stats]\n"
      "         klog-replicate -b BROKERS -d DIR [-t TOPIC]... [-f] [--no-truncate] [--stats]\n"
      "Compare: klog-replicate --compare DIR_A DIR_B [-t TOPIC]...");
  return Run(tool, *app, argc, argv, [&] {
    for (const std::string& t : f.topics) {
      klog::Status st = klog::ValidateTopicName(t);
      if (!st.ok()) return tool.UsageError(st.message());
    }
    if (!f.compare.empty()) {
      if (!f.source.empty() || !f.brokers.empty() || f.no_truncate || f.stats || !f.dest.empty() ||
          f.follow || f.progress) {
        return tool.UsageError(
            "--compare takes no -s, -b, -d, -f, --no-truncate, --stats or --progress");
      }
      return ReplicateCompare(tool, f.compare[0], f.compare[1], f.topics);
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
