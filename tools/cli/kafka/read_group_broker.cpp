// klog-read --group G -b BROKERS: a librdkafka consumer that subscribes as a
// member of group G (rd_kafka_subscribe; the broker's group coordinator
// assigns the partitions). Offsets are committed by hand (enable.auto.commit
// is off): only offsets of records written to stdout and flushed, every
// --commit-interval ms, before a partition is revoked, and at exit. The
// assignment strategy defaults to "range,roundrobin"; -X
// partition.assignment.strategy=cooperative-sticky switches to incremental
// rebalancing, which the rebalance callback handles too.
#include <signal.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "cli/cli.h"
#include "cli/kafka/commands.h"
#include "cli/local/read_group.h"
#include "cli/stop_signal.h"
#include "klog/group.h"

namespace klog::cli::kafka {
namespace {

struct Assigned {
  int64_t printed_next = -1;  // offset after the last record printed
  int64_t flushed_next = -1;  // printed_next as of the last successful flush
  int64_t committed = -1;     // last offset committed by this member
  bool eof = false;           // at the end of the partition (for --until-end)
  bool done = false;          // reached --until
};

class GroupConsumer {
 public:
  GroupConsumer(const local::ReadOptions& opts, const local::GroupReadOptions& g, KafkaClient& c,
                Output& out)
      : opts_(opts), g_(g), c_(c), out_(out), printer_(opts, out_) {
    if (opts.count) remaining_ = *opts.count;
  }
  Status Run();
  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);

 private:
  Status Handle(const rd_kafka_message_t* m);
  void Print(int32_t partition, const rd_kafka_message_t* m);
  void FlushOutput();
  // Commits the flushed offsets of `only` (all assigned partitions if null).
  Status Commit(const rd_kafka_topic_partition_list_t* only);
  bool Finished() const;

  const local::ReadOptions& opts_;
  const local::GroupReadOptions& g_;
  KafkaClient& c_;
  Output& out_;
  local::RecordPrinter printer_;
  std::map<int32_t, Assigned> assigned_;
  std::vector<HeaderView> headers_;
  int64_t remaining_ = -1;
  Status error_;
};

// The client's rebalance events go to the handler that GroupConsumer sets.
void AddRebalanceCb(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_rebalance_cb(conf, KafkaClient::OnRebalance);
}

void GroupConsumer::Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  rd_kafka_t* rk = c_.handle();
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < parts->cnt; i++) {
      if (std::string(parts->elems[i].topic) == opts_.topic) assigned_[parts->elems[i].partition];
    }
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
    return;
  }
  // Revoked (or lost): commit what was printed so the next owner resumes there.
  FlushOutput();
  Status st = err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ? Commit(parts) : Status::Ok();
  if (!st.ok() && error_.ok()) error_ = st;
  for (int i = 0; i < parts->cnt; i++) assigned_.erase(parts->elems[i].partition);
  if (cooperative) {
    rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts);
    if (e != nullptr) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void GroupConsumer::FlushOutput() {
  if (!out_.Flush()) return;
  for (auto& [p, a] : assigned_) a.flushed_next = a.printed_next;
}

Status GroupConsumer::Commit(const rd_kafka_topic_partition_list_t* only) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(8);
  for (auto& [p, a] : assigned_) {
    if (a.flushed_next < 0 || a.flushed_next == a.committed) continue;
    if (only != nullptr &&
        rd_kafka_topic_partition_list_find(only, opts_.topic.c_str(), p) == nullptr) {
      continue;
    }
    rd_kafka_topic_partition_list_add(list, opts_.topic.c_str(), p)->offset = a.flushed_next;
  }
  Status st;
  if (list->cnt > 0) {
    rd_kafka_resp_err_t err = rd_kafka_commit(c_.handle(), list, 0 /* synchronous */);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      st = Status::IOError("commit offsets of group '" + g_.group + "': " + rd_kafka_err2str(err));
    }
    for (int i = 0; st.ok() && i < list->cnt; i++) {
      assigned_[list->elems[i].partition].committed = list->elems[i].offset;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return st;
}

bool GroupConsumer::Finished() const {
  if (remaining_ == 0 || !out_.ok() || !error_.ok()) return true;
  return !assigned_.empty() && std::all_of(assigned_.begin(), assigned_.end(), [&](const auto& e) {
    return e.second.done || (g_.until_end && e.second.eof);
  });
}

void GroupConsumer::Print(int32_t partition, const rd_kafka_message_t* m) {
  printer_.Print(partition, MessageRecord(m, &headers_));
}

Status GroupConsumer::Handle(const rd_kafka_message_t* m) {
  auto it = assigned_.find(m->partition);
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    if (it != assigned_.end()) it->second.eof = true;
    return Status::Ok();
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (m->rkt == nullptr) {  // a consumer-level event: librdkafka retries
      c_.tool().Diag(rd_kafka_message_errstr(m));
      return Status::Ok();
    }
    return Status::IOError("topic '" + opts_.topic + "' partition " + std::to_string(m->partition) +
                           ": " + rd_kafka_message_errstr(m));
  }
  if (it == assigned_.end() || it->second.done || remaining_ == 0) return Status::Ok();
  Assigned& a = it->second;
  a.eof = false;
  if (opts_.ReachedUntil(m->offset, rd_kafka_message_timestamp(m, nullptr))) {
    a.done = true;
    return Status::Ok();
  }
  Print(m->partition, m);
  a.printed_next = m->offset + 1;
  if (remaining_ > 0) remaining_--;
  return Status::Ok();
}

Status GroupConsumer::Run() {
  rd_kafka_t* rk = c_.handle();
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, opts_.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IOError("subscribe to topic '" + opts_.topic + "': " + rd_kafka_err2str(err));
  }
  int64_t last_commit = MonotonicMs();
  while (!StopRequested() && !Finished()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 0);
    if (m == nullptr) {
      FlushOutput();
      m = rd_kafka_consumer_poll(rk, 200);
    }
    if (m == nullptr) {
      // Damage on the broker does not heal: the member ends (committing
      // what it printed), as klog-read -b does, instead of stalling.
      if (std::optional<FetchError> e = c_.TakeStorageError()) {
        if (error_.ok()) error_ = c_.StorageError(*e);
        break;
      }
    }
    if (m == nullptr && c_.brokers_down()) {
      // Without --until-end a member waits for the broker, saying so once.
      if (g_.until_end) return Status::IOError(c_.broker_error());
      c_.tool().Diag(c_.broker_error() + " (still waiting)");
      c_.ClearBrokersDown();
    }
    if (m != nullptr) {
      Status st = Handle(m);
      rd_kafka_message_destroy(m);
      if (!st.ok() && error_.ok()) error_ = st;
    }
    if (MonotonicMs() - last_commit >= g_.commit_interval_ms) {
      FlushOutput();
      Status st = Commit(nullptr);
      if (!st.ok() && error_.ok()) error_ = st;
      last_commit = MonotonicMs();
    }
  }
  FlushOutput();
  Status st = Commit(nullptr);
  if (!st.ok() && error_.ok()) error_ = st;
  // Leaves the group: the revoke callback commits again (nothing new) and
  // the coordinator hands the partitions to the other members at once.
  rd_kafka_consumer_close(rk);
  return error_;
}

}  // namespace

int RunReadGroupBroker(Tool& tool, const local::ReadOptions& opts,
                       const local::GroupReadOptions& group, const BrokerTarget& target) {
  Status st = ValidateGroupName(group.group);
  if (!st.ok()) return tool.UsageError("--group: " + st.message());
  const char* reset = nullptr;
  switch (opts.start.kind) {
    case OffsetSpec::Kind::kBeginning:
      reset = "earliest";
      break;
    case OffsetSpec::Kind::kEnd:
      reset = "latest";
      break;
    default:
      return tool.UsageError("with --group and -b, --offset must be 'beginning' or 'end'");
  }
  KafkaClient::Properties props = {
      {"group.id", group.group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", reset},
      {"partition.assignment.strategy", "range,roundrobin"},
      {"queued.min.messages", "500000"},  // see ConsumerDefaults in read_broker.cpp
  };
  std::unique_ptr<KafkaClient> client;
  int rc = KafkaClient::Create(tool, ClientRole::kConsumer, target.brokers, target.flags, props,
                               &client, AddRebalanceCb);
  if (rc >= 0) return rc;
  CatchStopSignals();  // the member commits, leaves its group and ends
  GroupConsumer consumer(opts, group, *client, tool.out());
  client->set_rebalance_handler(
      [&consumer](rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
        consumer.Rebalance(err, parts);
      });
  st = consumer.Run();
  client->set_rebalance_handler(nullptr);
  return st.ok() ? kExitOk : tool.Fail(st);
}

}  // namespace klog::cli::kafka
