// klog-topic: create, list, describe, delete and alter topics; retention and
// compaction on a data directory (klog-topic(1)).
#include <functional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/kafka/topic_subcommands.h"

namespace {

using namespace klog::cli;
using namespace klog::cli::local;
using namespace klog::cli::kafka;

// The command line as CLI11 fills it.
struct Flags {
  std::string dir;
  BrokerFlags broker;
  TopicCreateOptions create;
  bool list_json = false;
  std::string describe_topic;
  bool describe_json = false;
  std::string delete_topic;
  bool if_exists = false;
  TopicAlterOptions alter;
  int32_t alter_partitions = 0;
  std::vector<std::string> retention_topics;
  TopicTruncateOptions truncate;
  TopicCompactOptions compact;
  int32_t compact_partition = 0;
  std::string key_map_bytes = "128M";
};

// A subcommand and what runs when it is the one given.
struct Subcommand {
  CLI::App* app;
  std::function<int(Tool&, const CommandTarget&)> run;
};

Subcommand AddCreate(CLI::App& app, Flags& f) {
  auto* c = app.add_subcommand("create", "Create a topic");
  c->add_option("topic", f.create.topic, "Topic name")->required()->type_name("TOPIC");
  c->add_option("--partitions", f.create.partitions, "Partition count (default 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000));
  c->add_option("--config", f.create.configs, "Topic config KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
  c->add_flag("--if-not-exists", f.create.if_not_exists, "Succeed if the topic exists");
  return {c,
          [&f](Tool& tool, const CommandTarget& t) { return RunTopicCreate(tool, t, f.create); }};
}

Subcommand AddList(CLI::App& app, Flags& f) {
  auto* l = app.add_subcommand("list", "List topic names");
  l->add_flag("--json", f.list_json, "One JSON object per topic");
  return {l,
          [&f](Tool& tool, const CommandTarget& t) { return RunTopicList(tool, t, f.list_json); }};
}

Subcommand AddDescribe(CLI::App& app, Flags& f) {
  auto* d = app.add_subcommand("describe", "Show partitions, configs and offsets");
  d->add_option("topic", f.describe_topic, "Topic name")->required()->type_name("TOPIC");
  d->add_flag("--json", f.describe_json, "Print one JSON object");
  return {d, [&f](Tool& tool, const CommandTarget& t) {
            return RunTopicDescribe(tool, t, f.describe_topic, f.describe_json);
          }};
}

Subcommand AddDelete(CLI::App& app, Flags& f) {
  auto* del = app.add_subcommand("delete", "Delete a topic and its data");
  del->add_option("topic", f.delete_topic, "Topic name")->required()->type_name("TOPIC");
  del->add_flag("--if-exists", f.if_exists, "Succeed if the topic does not exist");
  return {del, [&f](Tool& tool, const CommandTarget& t) {
            return RunTopicDelete(tool, t, f.delete_topic, f.if_exists);
          }};
}

Subcommand AddAlter(CLI::App& app, Flags& f) {
  auto* alt = app.add_subcommand("alter", "Add partitions to a topic or change its configs");
  alt->add_option("topic", f.alter.topic, "Topic name")->required()->type_name("TOPIC");
  auto* parts =
      alt->add_option("--partitions", f.alter_partitions, "New partition count (above the current)")
          ->type_name("N")
          ->check(CLI::Range(1, 100000));
  auto* set = alt->add_option("--config", f.alter.configs, "Set config KEY=VALUE (repeatable)")
                  ->type_name("KEY=VALUE");
  auto* reset =
      alt->add_option("--delete-config", f.alter.delete_configs, "Reset config KEY to its default")
          ->type_name("KEY");
  return {alt, [&f, parts, set, reset](Tool& tool, const CommandTarget& t) {
            if (parts->count() > 0) f.alter.partitions = f.alter_partitions;
            f.alter.change_configs = set->count() > 0 || reset->count() > 0;
            return RunTopicAlter(tool, t, f.alter);
          }};
}

Subcommand AddEnforceRetention(CLI::App& app, Flags& f) {
  auto* ret = app.add_subcommand("enforce-retention",
                                 "Delete old segments per retention.ms and retention.bytes");
  ret->add_option("topic", f.retention_topics, "Topic names (default: every topic)")
      ->type_name("TOPIC");
  return {ret, [&f](Tool& tool, const CommandTarget& t) {
            return RunTopicEnforceRetention(tool, t, f.retention_topics);
          }};
}

Subcommand AddTruncateBefore(CLI::App& app, Flags& f) {
  auto* trunc = app.add_subcommand("truncate-before", "Advance a partition's log start offset");
  trunc->add_option("topic", f.truncate.topic, "Topic name")->required()->type_name("TOPIC");
  trunc->add_option("-p,--partition", f.truncate.partition, "Partition")
      ->required()
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  trunc->add_option("--offset", f.truncate.offset, "New log start offset")
      ->required()
      ->type_name("O")
      ->check(CLI::NonNegativeNumber);
  return {trunc, [&f](Tool& tool, const CommandTarget& t) {
            return RunTopicTruncateBefore(tool, t, f.truncate);
          }};
}

Subcommand AddCompact(CLI::App& app, Flags& f) {
  auto* cmp = app.add_subcommand("compact", "Compact a topic: keep the latest record of each key");
  cmp->add_option("topic", f.compact.topic, "Topic name")->required()->type_name("TOPIC");
  auto* part = cmp->add_option("-p,--partition", f.compact_partition, "Only this partition")
                   ->type_name("N")
                   ->check(CLI::NonNegativeNumber);
  cmp->add_option("--key-map-bytes", f.key_map_bytes, "Memory for the key map (default 128M)")
      ->type_name("SIZE");
  cmp->add_flag("--force", f.compact.force, "Compact even if cleanup.policy has no compact");
  return {cmp, [&f, part](Tool& tool, const CommandTarget& t) {
            if (part->count() > 0) f.compact.partition = f.compact_partition;
            return RunTopicCompact(tool, t, f.compact, f.key_map_bytes);
          }};
}

}  // namespace

int main(int argc, char** argv) {
  Tool tool("klog-topic");
  auto app = MakeApp(
      tool,
      "Create, list, describe, delete and alter klog topics; apply retention and compaction.");
  Flags f;
  AddDataDirOption(*app, &f.dir);
  AddBrokerOptions(*app, &f.broker);
  app->require_subcommand(1);
  const std::vector<Subcommand> subcommands = {
      AddCreate(*app, f),         AddList(*app, f),    AddDescribe(*app, f),
      AddDelete(*app, f),         AddAlter(*app, f),   AddEnforceRetention(*app, f),
      AddTruncateBefore(*app, f), AddCompact(*app, f),
  };
  for (const Subcommand& sub : subcommands) {
    AddDataDirOption(*sub.app, &f.dir);
    AddBrokerOptions(*sub.app, &f.broker);
  }
  return Run(tool, *app, argc, argv, [&] {
    const CommandTarget target = ResolveTarget(f.broker, f.dir);
    for (const Subcommand& sub : subcommands) {
      if (sub.app->parsed()) return sub.run(tool, target);
    }
    return kExitUsage;  // not reached: require_subcommand(1) demands one
  });
}
