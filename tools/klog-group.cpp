// klog-group: list, describe, reset and delete consumer groups (klog-group(1)).
#include <functional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/kafka/group_subcommands.h"
#include "cli/offset_spec.h"

namespace {

using namespace klog::cli;
using namespace klog::cli::local;
using namespace klog::cli::kafka;

struct ResetFlags {
  bool earliest = false, latest = false;
  int64_t offset = 0, shift = 0;
  std::string datetime;
};

// Turns the --to-* / --shift-by flags into o->to; returns a usage exit code or -1.
int ConvertReset(const Tool& tool, const ResetFlags& f, CLI::App& sub, GroupResetOptions* o) {
  using To = GroupResetOptions::To;
  int given = 0;
  if (f.earliest) o->to = To::kEarliest, ++given;
  if (f.latest) o->to = To::kLatest, ++given;
  if (sub.count("--to-offset") > 0) o->to = To::kOffset, o->value = f.offset, ++given;
  if (sub.count("--shift-by") > 0) o->to = To::kShiftBy, o->value = f.shift, ++given;
  if (sub.count("--to-datetime") > 0) {
    o->to = To::kDatetime, ++given;
    auto spec = ParseOffsetSpec(f.datetime[0] == '@' ? f.datetime : "@" + f.datetime);
    if (!spec.ok()) return tool.UsageError("--to-datetime: " + spec.status().message());
    o->value = spec->value;
  }
  if (given != 1) {
    return tool.UsageError(
        "reset needs exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, "
        "--shift-by");
  }
  return -1;
}

// The command line as CLI11 fills it.
struct Flags {
  std::string dir;
  BrokerFlags broker;
  bool list_json = false;
  std::string describe_group;
  bool describe_json = false;
  GroupResetOptions reset;
  ResetFlags reset_flags;
  std::string delete_group;
};

// A subcommand and what runs when it is the one given.
struct Subcommand {
  CLI::App* app;
  std::function<int(Tool&, const CommandTarget&)> run;
};

Subcommand AddList(CLI::App& app, Flags& f) {
  auto* l = app.add_subcommand("list", "List group names");
  l->add_flag("--json", f.list_json, "One JSON object per group");
  return {l,
          [&f](Tool& tool, const CommandTarget& t) { return RunGroupList(tool, t, f.list_json); }};
}

Subcommand AddDescribe(CLI::App& app, Flags& f) {
  auto* d = app.add_subcommand("describe", "Show members, committed offsets and lag");
  d->add_option("group", f.describe_group, "Group name")->required()->type_name("GROUP");
  d->add_flag("--json", f.describe_json, "Print one JSON object");
  return {d, [&f](Tool& tool, const CommandTarget& t) {
            return RunGroupDescribe(tool, t, f.describe_group, f.describe_json);
          }};
}

Subcommand AddReset(CLI::App& app, Flags& f) {
  ResetFlags& rf = f.reset_flags;
  auto* r = app.add_subcommand("reset", "Move a group's committed offsets for a topic");
  r->add_option("group", f.reset.group, "Group name")->required()->type_name("GROUP");
  r->add_option("-t,--topic", f.reset.topic, "Topic whose offsets move")
      ->required()
      ->type_name("TOPIC");
  r->add_flag("--to-earliest", rf.earliest, "To the first offset of each partition");
  r->add_flag("--to-latest", rf.latest, "To the end of each partition");
  r->add_option("--to-offset", rf.offset, "To offset N (clamped to the log)")->type_name("N");
  r->add_option("--to-datetime", rf.datetime, "To the first record at or after T (ISO-8601 or @MS)")
      ->type_name("T");
  r->add_option("--shift-by", rf.shift, "By N records (negative: back)")->type_name("N");
  r->add_flag("--execute", f.reset.execute, "Apply the plan (default: only print it)");
  return {r, [&f, r](Tool& tool, const CommandTarget& t) {
            int rc = ConvertReset(tool, f.reset_flags, *r, &f.reset);
            return rc >= 0 ? rc : RunGroupReset(tool, t, f.reset);
          }};
}

Subcommand AddDelete(CLI::App& app, Flags& f) {
  auto* del = app.add_subcommand("delete", "Delete a group and its offsets");
  del->add_option("group", f.delete_group, "Group name")->required()->type_name("GROUP");
  return {del, [&f](Tool& tool, const CommandTarget& t) {
            return RunGroupDelete(tool, t, f.delete_group);
          }};
}

}  // namespace

int main(int argc, char** argv) {
  Tool tool("klog-group");
  auto app = MakeApp(tool, "List, describe, reset and delete klog consumer groups.");
  Flags f;
  AddDataDirOption(*app, &f.dir);
  AddBrokerOptions(*app, &f.broker);
  app->require_subcommand(1);
  const std::vector<Subcommand> subcommands = {AddList(*app, f), AddDescribe(*app, f),
                                               AddReset(*app, f), AddDelete(*app, f)};
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
