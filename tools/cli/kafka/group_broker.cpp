// klog-group in broker mode (-b): list and describe with ListGroups /
// DescribeGroups (rd_kafka_list_groups), committed offsets with OffsetFetch
// (rd_kafka_ListConsumerGroupOffsets), log bounds with ListOffsets, reset
// with OffsetCommit (rd_kafka_AlterConsumerGroupOffsets) and delete with
// DeleteGroups. Output as in local mode; a partition's owner is the member id
// the coordinator assigned it to.
#include <algorithm>
#include <map>
#include <set>

#include "cli/cli.h"
#include "cli/kafka/commands.h"
#include "cli/local/group_cmd.h"
#include "cli/output.h"
#include "klog/filename.h"
#include "klog/group.h"

namespace klog::cli::kafka {
namespace {

struct GroupListDeleter {
  void operator()(const rd_kafka_group_list* l) const { rd_kafka_group_list_destroy(l); }
};
using GroupListPtr = std::unique_ptr<const rd_kafka_group_list, GroupListDeleter>;
using Offsets = std::map<std::pair<std::string, int32_t>, int64_t>;

int Connect(const Tool& tool, const BrokerTarget& t, std::unique_ptr<KafkaClient>* out) {
  return KafkaClient::Create(tool, ClientRole::kAdmin, t.brokers, t.flags, {}, out);
}

// ListGroups, or DescribeGroups of one group when `group` is given.
Result<GroupListPtr> ListGroups(KafkaClient& c, const char* group) {
  const rd_kafka_group_list* list = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_list_groups(c.handle(), group, &list, c.timeout_ms());
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
    c.Poll(0);
    if (c.brokers_down()) return Status::IOError(c.broker_error());
    return c.TimeoutError("a ListGroups request");
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IOError(std::string("list groups: ") + rd_kafka_err2str(err));
  }
  return GroupListPtr(list);
}

// The partitions assigned to one member: Kafka's consumer protocol
// assignment (int16 version, [topic string, [int32 partition]], user data).
void ParseAssignment(const rd_kafka_group_member_info& m, const std::string& owner,
                     std::map<std::pair<std::string, int32_t>, std::string>* out) {
  const auto* p = static_cast<const uint8_t*>(m.member_assignment);
  size_t n = size_t(m.member_assignment_size), pos = 2;
  auto i32 = [&](int32_t* v) {
    if (pos + 4 > n) return false;
    *v = int32_t(uint32_t(p[pos]) << 24 | uint32_t(p[pos + 1]) << 16 | uint32_t(p[pos + 2]) << 8 |
                 p[pos + 3]);
    pos += 4;
    return true;
  };
  int32_t topics = 0;
  if (p == nullptr || !i32(&topics)) return;
  for (int32_t t = 0; t < topics; t++) {
    if (pos + 2 > n) return;
    size_t len = size_t(p[pos]) << 8 | p[pos + 1];
    pos += 2;
    if (pos + len > n) return;
    std::string topic(reinterpret_cast<const char*>(p + pos), len);
    pos += len;
    int32_t count = 0;
    if (!i32(&count)) return;
    for (int32_t i = 0; i < count; i++) {
      int32_t part = 0;
      if (!i32(&part)) return;
      (*out)[{topic, part}] = owner;
    }
  }
}

// The group's committed offsets for `parts` (OffsetFetch; null = all).
Result<Offsets> Committed(KafkaClient& c, const std::string& group,
                          const rd_kafka_topic_partition_list_t* parts) {
  rd_kafka_ListConsumerGroupOffsets_t* req =
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), parts);
  auto ev = AdminCall(c, "OffsetFetch", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_ListConsumerGroupOffsets(c.handle(), &req, 1, o, q);
  });
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  if (!ev.ok()) return ev.status();
  const auto* res = rd_kafka_event_ListConsumerGroupOffsets_result(ev->get());
  size_t cnt = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_ListConsumerGroupOffsets_result_groups(res, &cnt);
  Offsets out;
  for (size_t i = 0; i < cnt; i++) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
      return Status::IOError("group '" + group + "': " + rd_kafka_error_string(e));
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int j = 0; parts != nullptr && j < parts->cnt; j++) {
      const rd_kafka_topic_partition_t& tp = parts->elems[j];
      if (tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0) {
        out[{tp.topic, tp.partition}] = tp.offset;
      }
    }
  }
  return out;
}

Status Watermarks(KafkaClient& c, const std::string& topic, int32_t p, int64_t* low,
                  int64_t* high) {
  rd_kafka_resp_err_t err =
      rd_kafka_query_watermark_offsets(c.handle(), topic.c_str(), p, low, high, c.timeout_ms());
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) return c.TimeoutError("a ListOffsets request");
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IOError("topic '" + topic + "' partition " + std::to_string(p) + ": " +
                           rd_kafka_err2str(err));
  }
  return Status::Ok();
}

// The committed offsets of every partition of every topic in the cluster.
// Asked for "all" first; when that yields nothing, asked again naming every
// partition: librdkafka 2.0's "all" request carries an empty topic array,
// which klog-serve answers with every offset but Kafka brokers with none.
Result<Offsets> CommittedAnywhere(KafkaClient& c, const std::string& group) {
  auto all = Committed(c, group, nullptr);
  if (!all.ok() || !all->empty()) return all;
  auto raw = c.AllTopicsMetadata();
  if (!raw.ok()) return raw.status();
  MetadataPtr md(*raw);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(16);
  for (int i = 0; i < md->topic_cnt; i++) {
    for (int p = 0; p < md->topics[i].partition_cnt; p++) {
      rd_kafka_topic_partition_list_add(parts, md->topics[i].topic, p);
    }
  }
  auto named = parts->cnt > 0 ? Committed(c, group, parts) : Result<Offsets>(Offsets{});
  rd_kafka_topic_partition_list_destroy(parts);
  return named;
}

Result<int32_t> PartitionCount(KafkaClient& c, const std::string& topic) {
  auto raw = c.AllTopicsMetadata();
  if (!raw.ok()) return raw.status();
  MetadataPtr md(*raw);
  const rd_kafka_metadata_topic_t* t = FindTopic(md.get(), topic);
  if (t == nullptr) return Status::NotFound("topic '" + topic + "' does not exist");
  return t->partition_cnt;
}

Status CheckEmpty(const rd_kafka_group_info& g, const std::string& what) {
  if (g.member_cnt == 0) return Status::Ok();
  return Status::Busy("group '" + std::string(g.group) + "' has " + std::to_string(g.member_cnt) +
                      " live member(s); stop them to " + what);
}

// Commits `plan` as the group's offsets (OffsetCommit through the admin API).
Status AlterOffsets(KafkaClient& c, const std::string& group,
                    const rd_kafka_topic_partition_list_t* plan) {
  rd_kafka_AlterConsumerGroupOffsets_t* req =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), plan);
  auto ev = AdminCall(c, "OffsetCommit", [&](rd_kafka_AdminOptions_t* opt, rd_kafka_queue_t* q) {
    rd_kafka_AlterConsumerGroupOffsets(c.handle(), &req, 1, opt, q);
  });
  rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  Status st = ev.status();
  if (st.ok()) {
    size_t cnt = 0;
    const auto* res = rd_kafka_event_AlterConsumerGroupOffsets_result(ev->get());
    const rd_kafka_group_result_t** gs =
        rd_kafka_AlterConsumerGroupOffsets_result_groups(res, &cnt);
    for (size_t i = 0; st.ok() && i < cnt; i++) {
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gs[i])) {
        st = Status::IOError("group '" + group + "': " + rd_kafka_error_string(e));
      }
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(gs[i]);
      for (int j = 0; st.ok() && parts != nullptr && j < parts->cnt; j++) {
        if (parts->elems[j].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          st = Status::IOError("partition " + std::to_string(parts->elems[j].partition) + ": " +
                               rd_kafka_err2str(parts->elems[j].err));
        }
      }
    }
  }
  return st;
}

}  // namespace

int GroupListBroker(Tool& tool, const BrokerTarget& target, bool as_json) {
  std::unique_ptr<KafkaClient> c;
  if (int rc = Connect(tool, target, &c); rc >= 0) return rc;
  auto list = ListGroups(*c, nullptr);
  if (!list.ok()) return tool.Fail(list.status());
  std::set<std::string> names;
  for (int i = 0; i < (*list)->group_cnt; i++) names.insert((*list)->groups[i].group);
  for (const std::string& g : names) {
    tool.out().Write(as_json ? "{\"group\":\"" + g + "\"}\n" : g + "\n");  // names need no escaping
  }
  return kExitOk;
}

int GroupDescribeBroker(Tool& tool, const BrokerTarget& target, const std::string& group,
                        bool as_json) {
  Status st = ValidateGroupName(group);
  if (!st.ok()) return tool.UsageError(st.message());
  std::unique_ptr<KafkaClient> c;
  if (int rc = Connect(tool, target, &c); rc >= 0) return rc;
  auto list = ListGroups(*c, group.c_str());
  if (!list.ok()) return tool.Fail(list.status());
  std::vector<std::string> members;
  std::map<std::pair<std::string, int32_t>, std::string> owners;
  for (int i = 0; i < (*list)->group_cnt; i++) {
    const rd_kafka_group_info& g = (*list)->groups[i];
    for (int m = 0; m < g.member_cnt; m++) {
      members.push_back(g.members[m].member_id);
      ParseAssignment(g.members[m], g.members[m].member_id, &owners);
    }
  }
  auto committed = CommittedAnywhere(*c, group);
  if (!committed.ok()) return tool.Fail(committed.status());
  std::set<std::string> topics;
  for (const auto& [tp, o] : *committed) topics.insert(tp.first);
  for (const auto& [tp, o] : owners) topics.insert(tp.first);
  if (topics.empty() && members.empty()) {
    return tool.Fail(Status::NotFound("group '" + group + "' does not exist"));
  }
  std::vector<local::GroupPartitionRow> rows;
  for (const std::string& topic : topics) {
    auto count = PartitionCount(*c, topic);
    if (!count.ok()) return tool.Fail(count.status());
    for (int32_t p = 0; p < *count; p++) {
      local::GroupPartitionRow r;
      r.topic = topic;
      r.partition = p;
      st = Watermarks(*c, topic, p, &r.start, &r.end);
      if (!st.ok()) return tool.Fail(st);
      if (auto it = committed->find({topic, p}); it != committed->end()) r.committed = it->second;
      if (auto it = owners.find({topic, p}); it != owners.end()) r.owner = it->second;
      rows.push_back(std::move(r));
    }
  }
  local::PrintGroupDescription(tool, group, members, rows, as_json);
  return kExitOk;
}

int GroupResetBroker(Tool& tool, const BrokerTarget& target, const local::GroupResetOptions& o) {
  Status st = ValidateGroupName(o.group);
  if (st.ok()) st = ValidateTopicName(o.topic);
  if (!st.ok()) return tool.UsageError(st.message());
  std::unique_ptr<KafkaClient> c;
  if (int rc = Connect(tool, target, &c); rc >= 0) return rc;
  auto list = ListGroups(*c, o.group.c_str());
  if (!list.ok()) return tool.Fail(list.status());
  for (int i = 0; i < (*list)->group_cnt; i++) {
    st = CheckEmpty((*list)->groups[i], "reset its offsets");
    if (!st.ok()) return tool.Fail(st);
  }
  auto count = PartitionCount(*c, o.topic);
  if (!count.ok()) return tool.Fail(count.status());
  rd_kafka_topic_partition_list_t* mine = rd_kafka_topic_partition_list_new(*count);
  for (int32_t p = 0; p < *count; p++) rd_kafka_topic_partition_list_add(mine, o.topic.c_str(), p);
  auto committed = Committed(*c, o.group, mine);
  rd_kafka_topic_partition_list_destroy(mine);
  if (!committed.ok()) return tool.Fail(committed.status());
  rd_kafka_topic_partition_list_t* plan = rd_kafka_topic_partition_list_new(*count);
  for (int32_t p = 0; st.ok() && p < *count; p++) {
    int64_t low = 0, high = 0;
    st = Watermarks(*c, o.topic, p, &low, &high);
    if (!st.ok()) break;
    int64_t at_time = high;
    if (o.to == local::GroupResetOptions::To::kDatetime) {
      rd_kafka_topic_partition_list_t* q = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(q, o.topic.c_str(), p)->offset = o.value;
      rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(c->handle(), q, c->timeout_ms());
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR && q->elems[0].offset >= 0)
        at_time = q->elems[0].offset;
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        st = Status::IOError("offsets for timestamp: " + std::string(rd_kafka_err2str(err)));
      }
      rd_kafka_topic_partition_list_destroy(q);
    }
    std::optional<int64_t> current;
    if (auto it = committed->find({o.topic, p}); it != committed->end()) current = it->second;
    int64_t next = local::ResetTarget(o, low, high, current, at_time);
    local::PrintResetLine(tool, o.topic, p, current, next);
    rd_kafka_topic_partition_list_add(plan, o.topic.c_str(), p)->offset = next;
  }
  if (st.ok() && !o.execute) tool.Diag("dry run: nothing changed (add --execute to apply)");
  if (st.ok() && o.execute) st = AlterOffsets(*c, o.group, plan);
  rd_kafka_topic_partition_list_destroy(plan);
  return st.ok() ? kExitOk : tool.Fail(st);
}

int GroupDeleteBroker(Tool& tool, const BrokerTarget& target, const std::string& group) {
  Status st = ValidateGroupName(group);
  if (!st.ok()) return tool.UsageError(st.message());
  std::unique_ptr<KafkaClient> c;
  if (int rc = Connect(tool, target, &c); rc >= 0) return rc;
  rd_kafka_DeleteGroup_t* req = rd_kafka_DeleteGroup_new(group.c_str());
  auto ev = AdminCall(*c, "DeleteGroups", [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
    rd_kafka_DeleteGroups(c->handle(), &req, 1, o, q);
  });
  rd_kafka_DeleteGroup_destroy(req);
  if (!ev.ok()) return tool.Fail(ev.status());
  size_t cnt = 0;
  const auto* res = rd_kafka_event_DeleteGroups_result(ev->get());
  const rd_kafka_group_result_t** gs = rd_kafka_DeleteGroups_result_groups(res, &cnt);
  for (size_t i = 0; i < cnt; i++) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gs[i])) {
      rd_kafka_resp_err_t code = rd_kafka_error_code(e);
      if (code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        return tool.Fail(Status::NotFound("group '" + group + "' does not exist"));
      }
      if (code == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP) {
        return tool.Fail(
            Status::Busy("group '" + group + "' has live members; stop them to delete it"));
      }
      return tool.Fail(Status::IOError("group '" + group + "': " + rd_kafka_error_string(e)));
    }
  }
  return kExitOk;
}

}  // namespace klog::cli::kafka
