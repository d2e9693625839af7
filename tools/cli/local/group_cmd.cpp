// klog-group in local mode: see group_cmd.h. Offsets and members come from
// klog/group.h, log bounds from LogReader.
#include "cli/local/group_cmd.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "cli/cli.h"
#include "cli/output.h"
#include "klog/filename.h"
#include "klog/group.h"
#include "klog/log.h"
#include "klog/topic.h"

namespace klog::cli::local {
namespace {

using json = nlohmann::ordered_json;

Status CheckGroup(const std::string& group) { return ValidateGroupName(group); }

// The start and end offsets of every partition of `topic`.
Result<std::vector<std::pair<int64_t, int64_t>>> TopicBounds(const DataDir& dd,
                                                             const std::string& topic) {
  auto info = dd.DescribeTopic(topic);
  if (!info.ok()) return info.status();
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int32_t p = 0; p < info->partitions; ++p) {
    auto reader = LogReader::Open(dd.PartitionPath(topic, p));
    if (!reader.ok()) return reader.status();
    out.emplace_back((*reader)->start_offset(), (*reader)->end_offset());
  }
  return out;
}

Result<std::vector<GroupPartitionRow>> DescribeRows(const std::string& data_dir,
                                                    const std::string& group) {
  GroupStore store(data_dir);
  DataDir dd(data_dir);
  auto offsets = store.ReadOffsets(group);
  if (!offsets.ok()) return offsets.status();
  auto leased = store.LeasedTopics(group);
  if (!leased.ok()) return leased.status();
  std::set<std::string> topics(leased->begin(), leased->end());
  for (const auto& [tp, c] : *offsets) topics.insert(tp.first);
  std::vector<GroupPartitionRow> rows;
  for (const std::string& topic : topics) {
    auto bounds = TopicBounds(dd, topic);
    if (!bounds.ok() && !bounds.status().IsNotFound()) return bounds.status();
    size_t n = bounds.ok() ? bounds->size() : 0;
    for (const auto& [tp, c] : *offsets) {  // committed partitions the topic no longer has
      if (tp.first == topic) n = std::max(n, size_t(tp.second) + 1);
    }
    for (size_t p = 0; p < n; ++p) {
      GroupPartitionRow r;
      r.topic = topic;
      r.partition = int32_t(p);
      auto it = offsets->find({topic, int32_t(p)});
      if (it != offsets->end()) r.committed = it->second.offset;
      if (bounds.ok() && p < bounds->size()) std::tie(r.start, r.end) = (*bounds)[p];
      auto owner = store.LeaseOwner(group, topic, int32_t(p));
      if (!owner.ok()) return owner.status();
      if (*owner != 0) r.owner = std::to_string(*owner);
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

// Refuses while the group has a live member: its reads would race the change.
Status CheckInactive(const GroupStore& store, const std::string& group, const std::string& what) {
  auto live = store.LiveMembers(group);
  if (!live.ok()) return live.status();
  if (live->empty()) return Status::Ok();
  return Status::Busy("group '" + group + "' has " + std::to_string(live->size()) +
                      " live member(s) (pid " + std::to_string(live->front()) + "); stop them to " +
                      what);
}

}  // namespace

int64_t GroupPartitionRow::lag() const {
  return std::max<int64_t>(0, end - std::max(committed.value_or(start), start));
}

void PrintGroupDescription(Tool& tool, const std::string& group,
                           const std::vector<std::string>& members,
                           const std::vector<GroupPartitionRow>& rows, bool as_json) {
  int64_t total = 0;
  for (const GroupPartitionRow& r : rows) total += r.lag();
  if (as_json) {
    json parts = json::array();
    for (const GroupPartitionRow& r : rows) {
      parts.push_back({{"topic", r.topic},
                       {"partition", r.partition},
                       {"committed", r.committed ? json(*r.committed) : json(nullptr)},
                       {"log_start", r.start},
                       {"log_end", r.end},
                       {"lag", r.lag()},
                       {"owner", r.owner.empty() ? json(nullptr) : json(r.owner)}});
    }
    json j{{"group", group}, {"members", members}, {"partitions", parts}, {"total_lag", total}};
    tool.out().Write(j.dump() + "\n");
    return;
  }
  Output& out = tool.out();
  std::string ids;
  for (const std::string& m : members) ids += (ids.empty() ? "" : " ") + m;
  out.Write("group: " + group + "\nmembers: " + std::to_string(members.size()) +
            (ids.empty() ? "" : " (" + ids + ")") + "\n");
  out.Write("topic\tpartition\tcommitted\tend\tlag\towner\n");
  for (const GroupPartitionRow& r : rows) {
    out.Write(r.topic + "\t" + std::to_string(r.partition) + "\t" +
              (r.committed ? std::to_string(*r.committed) : "-") + "\t" + std::to_string(r.end) +
              "\t" + std::to_string(r.lag()) + "\t" + (r.owner.empty() ? "-" : r.owner) + "\n");
  }
  out.Write("total lag: " + std::to_string(total) + "\n");
}

int64_t ResetTarget(const GroupResetOptions& o, int64_t start, int64_t end,
                    std::optional<int64_t> current, int64_t at_time) {
  int64_t v = start;
  switch (o.to) {
    case GroupResetOptions::To::kEarliest:
      v = start;
      break;
    case GroupResetOptions::To::kLatest:
      v = end;
      break;
    case GroupResetOptions::To::kOffset:
      v = o.value;
      break;
    case GroupResetOptions::To::kShiftBy:
      v = current.value_or(start) + o.value;
      break;
    case GroupResetOptions::To::kDatetime:
      v = at_time;
      break;
    case GroupResetOptions::To::kNone:
      break;
  }
  return std::clamp(v, start, end);
}

void PrintResetLine(Tool& tool, const std::string& topic, int32_t partition,
                    std::optional<int64_t> current, int64_t next) {
  tool.out().Write(topic + "\t" + std::to_string(partition) + "\t" +
                   (current ? std::to_string(*current) : "-") + " -> " + std::to_string(next) +
                   "\n");
}

int GroupList(Tool& tool, const std::string& data_dir, bool as_json) {
  auto groups = GroupStore(data_dir).ListGroups();
  if (!groups.ok()) return tool.Fail(groups.status());
  for (const std::string& g : *groups) {
    tool.out().Write(as_json ? json{{"group", g}}.dump() + "\n" : g + "\n");
  }
  return kExitOk;
}

int GroupDescribe(Tool& tool, const std::string& data_dir, const std::string& group, bool as_json) {
  Status st = CheckGroup(group);
  if (!st.ok()) return tool.UsageError(st.message());
  GroupStore store(data_dir);
  if (!store.Exists(group))
    return tool.Fail(Status::NotFound("group '" + group + "' does not exist"));
  auto members = store.LiveMembers(group);
  if (!members.ok()) return tool.Fail(members.status());
  auto rows = DescribeRows(data_dir, group);
  if (!rows.ok()) return tool.Fail(rows.status());
  std::vector<std::string> pids;
  for (int pid : *members) pids.push_back(std::to_string(pid));
  PrintGroupDescription(tool, group, pids, *rows, as_json);
  return kExitOk;
}

int GroupReset(Tool& tool, const std::string& data_dir, const GroupResetOptions& o) {
  Status st = CheckGroup(o.group);
  if (!st.ok()) return tool.UsageError(st.message());
  st = ValidateTopicName(o.topic);
  if (!st.ok()) return tool.UsageError(st.message());
  GroupStore store(data_dir);
  DataDir dd(data_dir);
  st = CheckInactive(store, o.group, "reset its offsets");
  if (!st.ok()) return tool.Fail(st);
  auto info = dd.DescribeTopic(o.topic);
  if (!info.ok()) return tool.Fail(info.status());
  auto offsets = store.ReadOffsets(o.group);
  if (!offsets.ok()) return tool.Fail(offsets.status());
  GroupOffsets updates;
  for (int32_t p = 0; p < info->partitions; ++p) {
    auto reader = LogReader::Open(dd.PartitionPath(o.topic, p));
    if (!reader.ok()) return tool.Fail(reader.status());
    std::optional<int64_t> current;
    auto it = offsets->find({o.topic, p});
    if (it != offsets->end()) current = it->second.offset;
    int64_t at_time = (*reader)->end_offset();
    if (o.to == GroupResetOptions::To::kDatetime) {
      auto at = (*reader)->OffsetForTimestamp(o.value);
      if (!at.ok()) return tool.Fail(at.status());
      at_time = *at;
    }
    int64_t next =
        ResetTarget(o, (*reader)->start_offset(), (*reader)->end_offset(), current, at_time);
    PrintResetLine(tool, o.topic, p, current, next);
    updates[{o.topic, p}] = CommittedOffset{next, "", 0};
  }
  if (!o.execute) {
    tool.Diag("dry run: nothing changed (add --execute to apply)");
    return kExitOk;
  }
  st = store.Commit(o.group, updates);
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

int GroupDelete(Tool& tool, const std::string& data_dir, const std::string& group) {
  Status st = CheckGroup(group);
  if (!st.ok()) return tool.UsageError(st.message());
  st = GroupStore(data_dir).DeleteGroup(group);
  if (!st.ok()) return tool.Fail(st);
  return kExitOk;
}

}  // namespace klog::cli::local
