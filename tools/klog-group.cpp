// klog-group: list, describe, reset and delete consumer groups (klog-group(1)).
#include <string>

#include "cli/kafka/commands.h"
#include "cli/cli.h"
#include "cli/local/group_cmd.h"
#include "cli/offset_spec.h"

namespace {

struct ResetFlags {
  bool earliest = false, latest = false;
  int64_t offset = 0, shift = 0;
  std::string datetime;
};

// Turns the --to-* / --shift-by flags into o->to; returns a usage exit code or -1.
int ConvertReset(const ResetFlags& f, CLI::App& sub, klog::cli::GroupResetOptions* o) {
  using namespace klog::cli;
  using To = GroupResetOptions::To;
  int given = 0;
  if (f.earliest) o->to = To::kEarliest, ++given;
  if (f.latest) o->to = To::kLatest, ++given;
  if (sub.count("--to-offset") > 0) o->to = To::kOffset, o->value = f.offset, ++given;
  if (sub.count("--shift-by") > 0) o->to = To::kShiftBy, o->value = f.shift, ++given;
  if (sub.count("--to-datetime") > 0) {
    o->to = To::kDatetime, ++given;
    auto spec = klog::cli::ParseOffsetSpec(f.datetime[0] == '@' ? f.datetime : "@" + f.datetime);
    if (!spec.ok()) return UsageError("--to-datetime: " + spec.status().message());
    o->value = spec->value;
  }
  if (given != 1) {
    return UsageError(
        "reset needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, "
        "--shift-by");
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace klog::cli;
  auto app = MakeApp("klog-group", "List, describe, reset and delete klog consumer groups.");
  std::string dir;
  BrokerFlags broker;
  AddDataDirOption(*app, &dir);
  AddBrokerOptions(*app, &broker);
  app->require_subcommand(1);

  bool list_json = false;
  auto* l = app->add_subcommand("list", "List group names");
  l->add_flag("--json", list_json, "One JSON object per group");

  std::string describe_group;
  bool describe_json = false;
  auto* d = app->add_subcommand("describe", "Show members, committed offsets and lag");
  d->add_option("group", describe_group, "Group name")->required()->type_name("GROUP");
  d->add_flag("--json", describe_json, "Print one JSON object");

  GroupResetOptions reset;
  ResetFlags rf;
  auto* r = app->add_subcommand("reset", "Move a group's committed offsets for a topic");
  r->add_option("group", reset.group, "Group name")->required()->type_name("GROUP");
  r->add_option("-t,--topic", reset.topic, "Topic whose offsets move")
      ->required()
      ->type_name("TOPIC");
  r->add_flag("--to-earliest", rf.earliest, "To the first offset of each partition");
  r->add_flag("--to-latest", rf.latest, "To the end of each partition");
  r->add_option("--to-offset", rf.offset, "To offset N (clamped to the log)")->type_name("N");
  r->add_option("--to-datetime", rf.datetime, "To the first record at or after T (ISO-8601 or @MS)")
      ->type_name("T");
  r->add_option("--shift-by", rf.shift, "By N records (negative: back)")->type_name("N");
  r->add_flag("--execute", reset.execute, "Apply the plan (default: only print it)");

  std::string delete_group;
  auto* del = app->add_subcommand("delete", "Delete a group and its offsets");
  del->add_option("group", delete_group, "Group name")->required()->type_name("GROUP");

  for (auto* sub : {l, d, r, del}) {
    AddDataDirOption(*sub, &dir);
    AddBrokerOptions(*sub, &broker);
  }

  return Run(*app, argc, argv, [&] {
    if (r->parsed()) {
      int rc = ConvertReset(rf, *r, &reset);
      if (rc >= 0) return rc;
    }
    if (auto brokers = ResolveBrokers(broker, dir)) {
      BrokerTarget target{*brokers, broker};
      if (l->parsed()) return GroupListBroker(target, list_json);
      if (d->parsed()) return GroupDescribeBroker(target, describe_group, describe_json);
      if (r->parsed()) return GroupResetBroker(target, reset);
      return GroupDeleteBroker(target, delete_group);
    }
    std::string data_dir = ResolveDataDir(dir);
    if (l->parsed()) return GroupList(data_dir, list_json);
    if (d->parsed()) return GroupDescribe(data_dir, describe_group, describe_json);
    if (r->parsed()) return GroupReset(data_dir, reset);
    return GroupDelete(data_dir, delete_group);
  });
}
