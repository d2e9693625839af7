// klog-read in broker mode: a consumer without a consumer group (partitions
// are assigned by hand with explicit start offsets; nothing is committed),
// printing with the same RecordPrinter as local mode. Without -f the
// partitions are read one after another, each up to the end it has when
// reading reaches it (enable.partition.eof); with -f all are assigned at
// once and records are printed as they arrive until SIGINT or SIGTERM.
#include <signal.h>

#include <algorithm>
#include <optional>

#include "cli/cli.h"
#include "cli/kafka/commands.h"
#include "cli/stop_signal.h"

namespace klog::cli::kafka {
namespace {

KafkaClient::Properties ConsumerDefaults(bool follow) {
  KafkaClient::Properties props = {
      // librdkafka's rd_kafka_assign() needs a group id; the group is never
      // joined and no offset is committed or stored.
      {"group.id", "klog-read"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
      // An offset below the log start starts at the first record (as local
      // mode does); one above the end is reached by skipping (see min_offset).
      {"auto.offset.reset", "earliest"},
      // librdkafka 2.0.2 stops fetching a partition whose queue holds this
      // many records and looks again only a second later; at the default
      // (100000) one fetch of small records fills it and reading stalls.
      {"queued.min.messages", "500000"},
  };
  // Without -f the end of a partition whose last record was already read is
  // seen from the high watermark; one at its end on arrival needs an empty
  // fetch, which should not long-poll.
  if (!follow) props.emplace_back("fetch.wait.max.ms", "10");
  return props;
}

// One selected partition.
struct PartState {
  int32_t partition = 0;
  int64_t start = RD_KAFKA_OFFSET_BEGINNING;  // absolute or librdkafka's logical offset
  int64_t min_offset = -1;                    // records below it are skipped
  int64_t high = -1;                          // last high watermark seen
  bool done = false;                          // reached --until
  bool eof = false;                           // reached the end (without -f)
};

class BrokerReader {
 public:
  BrokerReader(const local::ReadOptions& opts, KafkaClient& c, Output& out)
      : opts_(opts), c_(c), out_(out), printer_(opts, out) {
    if (opts.count) remaining_ = *opts.count;
  }
  // Checks the topic and partitions and resolves the start offsets.
  Status Open();
  // Reads `parts` (all assigned at once) until each is at its end (or, with
  // `follow`, until a stop signal), the count is reached or stdout fails.
  Status Consume(const std::vector<PartState*>& parts, bool follow);
  bool finished() const {
    if (remaining_ == 0 || !out_.ok()) return true;
    return std::all_of(parts_.begin(), parts_.end(), [](const PartState& p) { return p.done; });
  }
  std::vector<PartState>& parts() { return parts_; }
  // Turns `p`'s start into an absolute offset from its watermarks now (one
  // ListOffsets round trip), so the fetch starts without an offset lookup of
  // librdkafka's own. Returns true if there is nothing to read up to the end.
  Result<bool> ResolveStart(PartState& p);

 private:
  Status ResolveTimestamps();
  Status Assign(const std::vector<PartState*>& parts);
  PartState* Find(int32_t partition) {
    for (PartState* p : active_) {
      if (p->partition == partition) return p;
    }
    return nullptr;
  }
  // Handles one event; an error ends the read.
  Status Handle(const rd_kafka_message_t* m);
  // The KAFKA_STORAGE_ERROR librdkafka keeps retrying, as a Status.
  void Print(PartState& p, const rd_kafka_message_t* m);

  const local::ReadOptions& opts_;
  KafkaClient& c_;
  Output& out_;
  local::RecordPrinter printer_;
  std::vector<PartState> parts_;
  std::vector<PartState*> active_;
  std::vector<HeaderView> headers_;  // the current record's headers, reused
  int64_t remaining_ = -1;           // records left for -c; -1 = unlimited
};

Status BrokerReader::Open() {
  auto raw = c_.AllTopicsMetadata();
  if (!raw.ok()) return raw.status();
  MetadataPtr md(*raw);
  const rd_kafka_metadata_topic_t* t = FindTopic(md.get(), opts_.topic);
  if (t == nullptr) return Status::NotFound("topic '" + opts_.topic + "' does not exist");
  if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IOError("topic '" + opts_.topic + "': " + rd_kafka_err2str(t->err));
  }
  const int32_t count = t->partition_cnt;
  std::vector<int32_t> ids = opts_.partitions;
  if (ids.empty()) {
    for (int32_t p = 0; p < count; p++) ids.push_back(p);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (int32_t id : ids) {
    if (id >= count) {
      return Status::NotFound("partition " + std::to_string(id) + " does not exist (topic '" +
                              opts_.topic + "' has " + std::to_string(count) + ")");
    }
    PartState p;
    p.partition = id;
    const OffsetSpec& s = opts_.start;
    switch (s.kind) {
      case OffsetSpec::Kind::kBeginning:
        p.start = RD_KAFKA_OFFSET_BEGINNING;
        break;
      case OffsetSpec::Kind::kEnd:
        p.start = RD_KAFKA_OFFSET_END;
        break;
      case OffsetSpec::Kind::kAbsolute:
        p.start = p.min_offset = s.value;
        break;
      case OffsetSpec::Kind::kFromEnd:
        p.start = s.value == 0 ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_TAIL(s.value);
        break;
      case OffsetSpec::Kind::kTimestamp:
        p.start = s.value;
        break;  // resolved below
    }
    parts_.push_back(p);
  }
  if (opts_.start.kind == OffsetSpec::Kind::kTimestamp) return ResolveTimestamps();
  return Status::Ok();
}

// The first offset with a timestamp >= T per partition (ListOffsets); the
// end when no record is that late.
Status BrokerReader::ResolveTimestamps() {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(int(parts_.size()));
  for (const PartState& p : parts_) {
    rd_kafka_topic_partition_list_add(list, opts_.topic.c_str(), p.partition)->offset = p.start;
  }
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(c_.handle(), list, c_.timeout_ms());
  Status st;
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    c_.Poll(0);
    st = c_.TimeoutError("a ListOffsets request");
  } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    st = Status::IOError("offsets for timestamp: " + std::string(rd_kafka_err2str(err)));
  }
  for (int i = 0; st.ok() && i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& r = list->elems[i];
    if (r.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      st = Status::IOError("partition " + std::to_string(r.partition) +
                           ": offset for timestamp: " + rd_kafka_err2str(r.err));
      break;
    }
    for (PartState& p : parts_) {
      if (p.partition == r.partition) p.start = r.offset < 0 ? RD_KAFKA_OFFSET_END : r.offset;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return st;
}

Result<bool> BrokerReader::ResolveStart(PartState& p) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      c_.handle(), opts_.topic.c_str(), p.partition, &low, &high, c_.timeout_ms());
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) return c_.TimeoutError("a ListOffsets request");
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IOError("partition " + std::to_string(p.partition) +
                           ": offsets: " + rd_kafka_err2str(err));
  }
  p.high = high;
  int64_t start = p.start;
  if (start == RD_KAFKA_OFFSET_BEGINNING) start = low;
  if (start == RD_KAFKA_OFFSET_END) start = high;
  if (start <= RD_KAFKA_OFFSET_TAIL_BASE) start = high - (RD_KAFKA_OFFSET_TAIL_BASE - start);
  // Beyond the end an absolute offset stays as asked: the fetch is reset to
  // the first offset and records below it are skipped (min_offset).
  if (start <= high) p.start = std::max(start, low);
  return std::max(start, low) >= high;
}

Status BrokerReader::Assign(const std::vector<PartState*>& parts) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(int(parts.size()));
  for (const PartState* p : parts) {
    rd_kafka_topic_partition_list_add(list, opts_.topic.c_str(), p->partition)->offset = p->start;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(c_.handle(), list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::IOError("assign partitions: " + std::string(rd_kafka_err2str(err)));
  }
  active_ = parts;
  return Status::Ok();
}

void BrokerReader::Print(PartState& p, const rd_kafka_message_t* m) {
  printer_.Print(p.partition, MessageRecord(m, &headers_));
}

Status BrokerReader::Handle(const rd_kafka_message_t* m) {
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    if (PartState* p = Find(m->partition)) p->eof = true;
    return Status::Ok();
  }
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string where = m->rkt != nullptr ? "topic '" + opts_.topic + "' partition " +
                                                std::to_string(m->partition) + ": "
                                          : "";
    return Status::IOError(where + rd_kafka_message_errstr(m));
  }
  PartState* p = Find(m->partition);
  if (p == nullptr || p->done || m->offset < p->min_offset || remaining_ == 0) {
    return Status::Ok();
  }
  if (opts_.ReachedUntil(m->offset, rd_kafka_message_timestamp(m, nullptr))) {
    p->done = true;
    return Status::Ok();
  }
  Print(*p, m);
  if (remaining_ > 0) remaining_--;
  if (!opts_.follow && m->offset + 1 >= p->high) {
    // The watermark cached from the fetch that brought this record (no request).
    int64_t low = 0;
    rd_kafka_get_watermark_offsets(c_.handle(), opts_.topic.c_str(), p->partition, &low, &p->high);
    if (m->offset + 1 >= p->high) p->eof = true;
  }
  return Status::Ok();
}

Status BrokerReader::Consume(const std::vector<PartState*>& parts, bool follow) {
  KLOG_RETURN_IF_ERROR(Assign(parts));
  int64_t last_event = MonotonicMs();
  auto at_end = [&] {
    return std::all_of(parts.begin(), parts.end(), [](PartState* p) { return p->eof || p->done; });
  };
  while (!finished() && !(follow ? StopRequested() : at_end())) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c_.handle(), 0);
    if (m == nullptr) {
      if (follow) out_.Flush();
      m = rd_kafka_consumer_poll(c_.handle(), 200);
    }
    if (m == nullptr) {
      // A partition the broker cannot read stalls without a message; damage
      // does not heal, so it ends the read (with -f too).
      if (std::optional<FetchError> e = c_.TakeStorageError()) return c_.StorageError(*e);
      if (follow && c_.brokers_down()) {
        c_.tool().Diag(c_.broker_error() + " (still waiting)");
        c_.ClearBrokersDown();
      }
      if (!follow && MonotonicMs() - last_event > c_.timeout_ms()) {
        return c_.TimeoutError("a fetch request");
      }
      continue;
    }
    last_event = MonotonicMs();
    Status st = Handle(m);
    rd_kafka_message_destroy(m);
    KLOG_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

}  // namespace

int RunReadBroker(Tool& tool, const local::ReadOptions& opts, const BrokerTarget& target) {
  std::unique_ptr<KafkaClient> client;
  int rc = KafkaClient::Create(tool, ClientRole::kConsumer, target.brokers, target.flags,
                               ConsumerDefaults(opts.follow), &client);
  if (rc >= 0) return rc;
  BrokerReader reader(opts, *client, tool.out());
  Status st = reader.Open();
  if (!st.ok()) return tool.Fail(st);
  // From here on rd_kafka_consumer_poll() serves errors too; KafkaClient::Poll() must not be used.
  rd_kafka_poll_set_consumer(client->handle());
  if (opts.follow) {
    CatchStopSignals();
    std::vector<PartState*> all;
    for (PartState& p : reader.parts()) {
      auto empty = reader.ResolveStart(p);
      if (!empty.ok()) return tool.Fail(empty.status());
      all.push_back(&p);
    }
    st = reader.Consume(all, true);
  } else {
    for (PartState& p : reader.parts()) {
      if (reader.finished()) break;
      auto empty = reader.ResolveStart(p);
      if (!empty.ok() || *empty) {
        st = empty.status();
        if (!st.ok()) break;
        continue;
      }
      st = reader.Consume({&p}, false);
      if (!st.ok()) break;
    }
  }
  rd_kafka_assign(client->handle(), nullptr);
  return st.ok() ? kExitOk : tool.Fail(st);
}

}  // namespace klog::cli::kafka
