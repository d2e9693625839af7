// klog-read: print the records of a topic (klog-read(1)).
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/escape.h"
#include "cli/kafka/commands.h"
#include "cli/local/read_cmd.h"
#include "cli/local/read_group.h"
#include "klog/filename.h"

namespace {

struct Flags {
  std::string offset = "beginning";
  std::string until;
  std::string format;
  std::string delimiter = "\\n";
  int64_t count = -1;
};

// Turns the raw flag strings into options; returns a usage exit code or -1.
int Convert(const klog::cli::Tool& tool, const Flags& f, CLI::App& app,
            klog::cli::local::ReadOptions* o) {
  using namespace klog::cli;
  using namespace klog::cli::local;
  using namespace klog::cli::kafka;
  klog::Status st = klog::ValidateTopicName(o->topic);
  if (!st.ok()) return tool.UsageError(st.message());
  auto start = ParseOffsetSpec(f.offset);
  if (!start.ok()) return tool.UsageError("--offset: " + start.status().message());
  o->start = *start;
  if (app.count("--until") > 0) {
    auto until = ParseUntilSpec(f.until);
    if (!until.ok()) return tool.UsageError("--until: " + until.status().message());
    o->until = *until;
  }
  if (app.count("--count") > 0) o->count = f.count;
  if (app.count("--format") > 0) {
    auto fmt = RecordFormat::Compile(f.format);
    if (!fmt.ok()) return tool.UsageError("--format: " + fmt.status().message());
    o->format = std::move(*fmt);
    o->mode = ReadOptions::Mode::kFormat;
  }
  auto delim = ParseEscapes(f.delimiter);
  if (!delim.ok()) return tool.UsageError("--delimiter " + delim.status().message());
  o->delimiter = *delim;
  return -1;
}

// --group, --until-end and --commit-interval against the other flags;
// returns a usage exit code or -1.
int CheckGroupFlags(const klog::cli::Tool& tool, const klog::cli::local::GroupReadOptions& g,
                    const klog::cli::local::ReadOptions& o) {
  using namespace klog::cli;
  using namespace klog::cli::local;
  using namespace klog::cli::kafka;
  if (g.until_end && o.follow)
    return tool.UsageError("--until-end and --follow cannot be used together");
  if (!g.group.empty() && !o.partitions.empty()) {
    return tool.UsageError("--partition cannot be used with --group");
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace klog::cli;
  using namespace klog::cli::local;
  using namespace klog::cli::kafka;
  Tool tool("klog-read");
  auto app = MakeApp(tool, "Print the records of a klog topic.");
  ReadOptions o;
  Flags f;
  std::string dir;
  bool json = false;
  app->add_option("-t,--topic", o.topic, "Topic to read")->required()->type_name("TOPIC");
  AddDataDirOption(*app, &dir);
  app->add_option("-p,--partition", o.partitions, "Partition to read (repeatable; default all)")
      ->type_name("N")
      ->check(CLI::Range(0, INT32_MAX));
  app->add_option("-o,--offset", f.offset,
                  "Start: beginning (default), end, N, -N, @MS or @ISO-8601")
      ->type_name("SPEC");
  app->add_option("--until", f.until, "Stop before offset N, or at timestamp @MS / @ISO-8601")
      ->type_name("SPEC");
  app->add_flag("-f,--follow", o.follow, "Wait for new records at the end");
  app->add_option("-c,--count", f.count, "Exit after N records")
      ->type_name("N")
      ->check(CLI::Range(int64_t(0), INT64_MAX));
  app->add_option("--format", f.format,
                  "Print each record with FMT (%t %p %o %k %s %T %h %K %S %%)")
      ->type_name("FMT");
  app->add_flag("--json", json, "Print one JSON object per record");
  app->add_option("-D,--delimiter", f.delimiter, "Delimiter after each value (default \\n)")
      ->type_name("DELIM");
  GroupReadOptions group;
  app->add_option("-g,--group", group.group, "Read as a member of consumer group G")
      ->type_name("G");
  app->add_option("--commit-interval", group.commit_interval_ms,
                  "With --group: commit printed offsets every MS ms (default 1000)")
      ->type_name("MS")
      ->check(CLI::Range(int64_t(0), int64_t(INT32_MAX)));
  app->add_flag("--until-end", group.until_end,
                "Exit at the end of the partitions (default without -f)");
  BrokerFlags broker;
  AddBrokerOptions(*app, &broker);
  return Run(tool, *app, argc, argv, [&] {
    o.data_dir = ResolveDataDir(dir);
    if (json) o.mode = ReadOptions::Mode::kJson;
    if (json && app->count("--format") > 0) {
      return tool.UsageError("--json and --format cannot be used together");
    }
    int rc = Convert(tool, f, *app, &o);
    if (rc >= 0) return rc;
    rc = CheckGroupFlags(tool, group, o);
    if (rc >= 0) return rc;
    if (auto brokers = ResolveBrokers(broker, dir)) {
      if (!group.group.empty()) return RunReadGroupBroker(tool, o, group, {*brokers, broker});
      return RunReadBroker(tool, o, {*brokers, broker});
    }
    if (!group.group.empty()) return RunReadGroup(tool, o, group);
    return RunRead(tool, o);
  });
}
