// klog-topic: create, list, describe and delete topics (klog-topic(1)).
#include <string>

#include "cli.h"
#include "topic_cmd.h"

int main(int argc, char** argv) {
  using namespace klog::cli;
  auto app = MakeApp("klog-topic", "Create, list, describe and delete klog topics.");
  std::string dir;
  AddDataDirOption(*app, &dir);
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

  for (auto* sub : {c, l, d, del}) AddDataDirOption(*sub, &dir);

  return Run(*app, argc, argv, [&] {
    std::string data_dir = ResolveDataDir(dir);
    if (c->parsed()) return TopicCreate(data_dir, create);
    if (l->parsed()) return TopicList(data_dir, list_json);
    if (d->parsed()) return TopicDescribe(data_dir, describe_topic, describe_json);
    return TopicDelete(data_dir, delete_topic, if_exists);
  });
}
