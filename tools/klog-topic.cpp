// klog-topic: create, list, describe, delete and alter topics; retention and
// compaction on a data directory (klog-topic(1)).
#include <string>
#include <vector>

#include "cli/kafka/commands.h"
#include "cli/cli.h"
#include "klog/topic.h"
#include "cli/size.h"
#include "cli/local/topic_cmd.h"

int main(int argc, char** argv) {
  using namespace klog::cli;
  auto app = MakeApp(
      "klog-topic",
      "Create, list, describe, delete and alter klog topics; apply retention and compaction.");
  std::string dir;
  BrokerFlags broker;
  AddDataDirOption(*app, &dir);
  AddBrokerOptions(*app, &broker);
  app->require_subcommand(1);

  TopicCreateOptions create;
  auto* c = app->add_subcommand("create", "Create a topic");
  c->add_option("topic", create.topic, "Topic name")->required()->type_name("TOPIC");
  c->add_option("--partitions", create.partitions, "Partition count (default 1)")
      ->type_name("N")
      ->check(CLI::Range(1, 100000));
  c->add_option("--config", create.configs, "Topic config KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
  c->add_flag("--if-not-exists", create.if_not_exists, "Succeed if the topic exists");

  bool list_json = false;
  auto* l = app->add_subcommand("list", "List topic names");
  l->add_flag("--json", list_json, "One JSON object per topic");

  std::string describe_topic;
  bool describe_json = false;
  auto* d = app->add_subcommand("describe", "Show partitions, configs and offsets");
  d->add_option("topic", describe_topic, "Topic name")->required()->type_name("TOPIC");
  d->add_flag("--json", describe_json, "Print one JSON object");

  std::string delete_topic;
  bool if_exists = false;
  auto* del = app->add_subcommand("delete", "Delete a topic and its data");
  del->add_option("topic", delete_topic, "Topic name")->required()->type_name("TOPIC");
  del->add_flag("--if-exists", if_exists, "Succeed if the topic does not exist");

  std::string alter_topic;
  int32_t alter_partitions = 0;
  std::vector<std::string> alter_configs, delete_configs;
  auto* alt = app->add_subcommand("alter", "Add partitions to a topic or change its configs");
  alt->add_option("topic", alter_topic, "Topic name")->required()->type_name("TOPIC");
  auto* alt_parts =
      alt->add_option("--partitions", alter_partitions, "New partition count (above the current)")
          ->type_name("N")
          ->check(CLI::Range(1, 100000));
  auto* alt_set = alt->add_option("--config", alter_configs, "Set config KEY=VALUE (repeatable)")
                      ->type_name("KEY=VALUE");
  auto* alt_del =
      alt->add_option("--delete-config", delete_configs, "Reset config KEY to its default")
          ->type_name("KEY");

  std::vector<std::string> retention_topics;
  auto* ret = app->add_subcommand("enforce-retention",
                                  "Delete old segments per retention.ms and retention.bytes");
  ret->add_option("topic", retention_topics, "Topic names (default: every topic)")
      ->type_name("TOPIC");

  std::string trunc_topic;
  int32_t trunc_partition = 0;
  int64_t trunc_offset = 0;
  auto* trunc = app->add_subcommand("truncate-before", "Advance a partition's log start offset");
  trunc->add_option("topic", trunc_topic, "Topic name")->required()->type_name("TOPIC");
  trunc->add_option("-p,--partition", trunc_partition, "Partition")
      ->required()
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  trunc->add_option("--offset", trunc_offset, "New log start offset")
      ->required()
      ->type_name("O")
      ->check(CLI::NonNegativeNumber);

  TopicCompactOptions compact;
  int32_t compact_partition = 0;
  std::string key_map_bytes = "128M";
  auto* cmp = app->add_subcommand("compact", "Compact a topic: keep the latest record of each key");
  cmp->add_option("topic", compact.topic, "Topic name")->required()->type_name("TOPIC");
  auto* cmp_part = cmp->add_option("-p,--partition", compact_partition, "Only this partition")
                       ->type_name("N")
                       ->check(CLI::NonNegativeNumber);
  cmp->add_option("--key-map-bytes", key_map_bytes, "Memory for the key map (default 128M)")
      ->type_name("SIZE");
  cmp->add_flag("--force", compact.force, "Compact even if cleanup.policy has no compact");

  for (auto* sub : {c, l, d, del, alt, ret, trunc, cmp}) {
    AddDataDirOption(*sub, &dir);
    AddBrokerOptions(*sub, &broker);
  }

  return Run(*app, argc, argv, [&] {
    bool alter_partitions_given = alt_parts->count() > 0;
    bool alter_configs_given = alt_set->count() > 0 || alt_del->count() > 0;
    if (alt->parsed() && alter_partitions_given == alter_configs_given) {
      return UsageError("alter: give either --partitions or --config/--delete-config");
    }
    if (auto brokers = ResolveBrokers(broker, dir)) {
      BrokerTarget target{*brokers, broker};
      if (alt->parsed() && alter_configs_given) {
        return TopicAlterConfigsBroker(target, alter_topic, alter_configs, delete_configs);
      }
      if (alt->parsed()) return TopicAlterBroker(target, alter_topic, alter_partitions);
      if (ret->parsed() || trunc->parsed()) {
        return UsageError("enforce-retention and truncate-before work on a data directory (-d)");
      }
      if (cmp->parsed()) {
        return UsageError(
            "compact works on a data directory (-d); a broker compacts a topic itself when its "
            "dirty ratio reaches min.cleanable.dirty.ratio");
      }
      if (c->parsed()) return TopicCreateBroker(target, create);
      if (l->parsed()) return TopicListBroker(target, list_json);
      if (d->parsed()) return TopicDescribeBroker(target, describe_topic, describe_json);
      return TopicDeleteBroker(target, delete_topic, if_exists);
    }
    std::string data_dir = ResolveDataDir(dir);
    // klog-serve's internal topics are refused to local writers as to clients.
    klog::Status internal = c->parsed()       ? klog::CheckNotInternal(create.topic, "creating it")
                            : del->parsed()   ? klog::CheckNotInternal(delete_topic, "deleting it")
                            : alt->parsed()   ? klog::CheckNotInternal(alter_topic, "altering it")
                            : trunc->parsed() ? klog::CheckNotInternal(trunc_topic, "truncating it")
                                              : klog::Status::Ok();
    if (!internal.ok()) return Fail(internal);
    if (l->parsed()) return TopicList(data_dir, list_json);
    if (d->parsed()) return TopicDescribe(data_dir, describe_topic, describe_json);
    // Every other command changes the directory: refused while klog-serve serves it.
    klog::DataDirLock lock;
    klog::Status locked = LockForLocalWrite(data_dir, &lock);
    if (!locked.ok()) return Fail(locked);
    if (c->parsed()) return TopicCreate(data_dir, create);
    if (alt->parsed() && alter_configs_given) {
      return TopicAlterConfigs(data_dir, alter_topic, alter_configs, delete_configs);
    }
    if (alt->parsed()) return TopicAlter(data_dir, alter_topic, alter_partitions);
    if (ret->parsed()) return TopicEnforceRetention(data_dir, retention_topics);
    if (trunc->parsed())
      return TopicTruncateBefore(data_dir, trunc_topic, trunc_partition, trunc_offset);
    if (cmp->parsed()) {
      auto kmb = ParseSize(key_map_bytes);
      if (!kmb.ok()) return UsageError("--key-map-bytes: " + kmb.status().message());
      if (*kmb < 1024) return UsageError("--key-map-bytes: must be at least 1k");
      compact.key_map_bytes = *kmb;
      if (cmp_part->count() > 0) compact.partition = compact_partition;
      return TopicCompact(data_dir, compact);
    }
    return TopicDelete(data_dir, delete_topic, if_exists);
  });
}
