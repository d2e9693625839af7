// klog-append in broker mode: every record of stdin is produced with
// rd_kafka_produceva (copied, so the input buffer can be reused at once);
// delivery reports count the failures. Placement is librdkafka's
// murmur2_random partitioner, which is Java's for keyed records.
#include <unistd.h>

#include <climits>
#include <cstdio>

#include "cli/cli.h"
#include "cli/json_record.h"
#include "cli/kafka/commands.h"
#include "cli/progress.h"
#include "cli/record_splitter.h"

namespace klog::cli::kafka {
namespace {

// Counts the records the broker did not take; fed by delivery reports,
// which run on this thread inside rd_kafka_poll() and rd_kafka_flush().
struct Deliveries {
  int64_t delivered = 0;
  int64_t failed = 0;
  std::string first_error;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* d = static_cast<Deliveries*>(m->_private);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    d->delivered++;
    return;
  }
  if (d->failed++ == 0) d->first_error = rd_kafka_err2str(m->err);
}

void AddDeliveryCallback(rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery); }

// The producer settings klog-append's flags stand for.
KafkaClient::Properties ProducerDefaults(const local::AppendOptions& o, const ProduceOptions& p) {
  KafkaClient::Properties props = {
      {"partitioner", "murmur2_random"},
      {"acks", p.acks == "all" ? "-1" : p.acks},
      {"compression.codec", std::string(CompressionName(o.codec))},
      {"batch.size", std::to_string(std::min<int64_t>(o.batch_bytes, INT_MAX))},
      {"message.timeout.ms", "30000"},
  };
  if (p.linger_ms) props.emplace_back("linger.ms", std::to_string(*p.linger_ms));
  return props;
}

// Waits for `topic` to appear with its partitions. A metadata request for
// the topic lets a broker that creates topics on first use create it.
Result<int32_t> AwaitTopic(KafkaClient& c, rd_kafka_topic_t* rkt, const std::string& topic,
                           bool just_created) {
  const int64_t deadline = MonotonicMs() + c.timeout_ms();
  while (MonotonicMs() < deadline) {
    const rd_kafka_metadata_t* raw = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(c.handle(), 0, rkt, &raw, 250);
    c.Poll(0);
    if (c.brokers_down()) return Status::IOError(c.broker_error());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    MetadataPtr md(raw);
    const rd_kafka_metadata_topic_t* t = FindTopic(md.get(), topic);
    if (t != nullptr && t->err == RD_KAFKA_RESP_ERR_NO_ERROR && t->partition_cnt > 0) {
      return t->partition_cnt;
    }
    if (t == nullptr && !just_created) {
      return Status::NotFound("topic '" + topic +
                              "' does not exist and the broker does not create topics on "
                              "first use (use --partitions N)");
    }
    rd_kafka_poll(c.handle(), 100);
  }
  return c.TimeoutError("a metadata request for topic '" + topic + "'");
}

using TopicPtr = std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)>;

// Makes sure the topic exists as the flags ask and returns its handle and
// partition count. The handle is made only after the checks: librdkafka asks
// for a known topic's metadata, which a broker may take as a reason to
// create it.
Result<int32_t> PrepareTopic(KafkaClient& c, const local::AppendOptions& o, const ProduceOptions& p,
                             TopicPtr* rkt) {
  auto raw = c.AllTopicsMetadata();
  if (!raw.ok()) return raw.status();
  MetadataPtr md(*raw);
  const rd_kafka_metadata_topic_t* t = FindTopic(md.get(), o.topic);
  bool exists = t != nullptr && t->err == RD_KAFKA_RESP_ERR_NO_ERROR && t->partition_cnt > 0;
  if (t == nullptr && o.no_create) {
    return Status::NotFound("topic '" + o.topic + "' does not exist");
  }
  bool created = false;
  if (t == nullptr && p.partitions_given) {
    Status st = CreateTopicOnBroker(c, o.topic, o.create_partitions, {});
    if (!st.ok() && st.code() != Status::Code::kExists) return st;
    created = true;
  }
  rkt->reset(rd_kafka_topic_new(c.handle(), o.topic.c_str(), nullptr));
  if (exists) return t->partition_cnt;
  return AwaitTopic(c, rkt->get(), o.topic, created || t != nullptr);
}

// The input loop: one produce call per record, no allocation of our own.
class ProduceRun {
 public:
  ProduceRun(const local::AppendOptions& o, KafkaClient& c, rd_kafka_topic_t* rkt,
             int32_t partitions)
      : o_(o), c_(c), rkt_(rkt), partitions_(partitions) {
    noun_ = o.delimiter == "\n" || o.json ? "line" : "record";
  }
  // Returns false on a fatal error (already reported).
  bool Loop(RecordSplitter& in, RecordProgress& progress);
  bool had_errors() const { return had_errors_; }
  Deliveries& deliveries() { return deliveries_; }

 private:
  using Bytes = std::optional<std::string_view>;
  void RecordError(const std::string& msg) {
    c_.tool().Diag(noun_ + " " + std::to_string(number_) + ": " + msg);
    had_errors_ = true;
  }
  // Adds a header to the record being built; a null `value` is a null value.
  void Header(const std::string& name, const std::string* value);
  bool Produce(Bytes key, Bytes value, std::optional<int32_t> partition,
               std::optional<int64_t> timestamp);
  bool AddText(std::string_view rec);
  bool AddJson(std::string_view line);

  const local::AppendOptions& o_;
  KafkaClient& c_;
  rd_kafka_topic_t* rkt_;
  int32_t partitions_;
  std::vector<rd_kafka_vu_t> vus_;  // one record's produce arguments, reused
  JsonRecord json_;
  Deliveries deliveries_;
  std::string noun_;
  int64_t number_ = 0;
  bool had_errors_ = false;
};

void ProduceRun::Header(const std::string& name, const std::string* value) {
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_HEADER;
  vu.u.header.name = name.c_str();
  vu.u.header.val = value ? value->data() : nullptr;
  vu.u.header.size = value ? ssize_t(value->size()) : 0;
  vus_.push_back(vu);
}

bool ProduceRun::Produce(Bytes key, Bytes value, std::optional<int32_t> partition,
                         std::optional<int64_t> timestamp) {
  if (o_.partition) partition = o_.partition;
  if (partition && *partition >= partitions_) {
    RecordError("partition " + std::to_string(*partition) + " does not exist (topic has " +
                std::to_string(partitions_) + ")");
    vus_.clear();
    return true;
  }
  auto add = [&](rd_kafka_vtype_t type, auto&& set) {
    rd_kafka_vu_t vu{};
    vu.vtype = type;
    set(vu);
    vus_.push_back(vu);
  };
  add(RD_KAFKA_VTYPE_RKT, [&](rd_kafka_vu_t& v) { v.u.rkt = rkt_; });
  add(RD_KAFKA_VTYPE_PARTITION,
      [&](rd_kafka_vu_t& v) { v.u.i32 = partition.value_or(RD_KAFKA_PARTITION_UA); });
  add(RD_KAFKA_VTYPE_MSGFLAGS, [&](rd_kafka_vu_t& v) { v.u.i = RD_KAFKA_MSG_F_COPY; });
  add(RD_KAFKA_VTYPE_OPAQUE, [&](rd_kafka_vu_t& v) { v.u.ptr = &deliveries_; });
  add(RD_KAFKA_VTYPE_KEY, [&](rd_kafka_vu_t& v) {
    v.u.mem.ptr = key ? const_cast<char*>(key->data()) : nullptr;
    v.u.mem.size = key ? key->size() : 0;
  });
  add(RD_KAFKA_VTYPE_VALUE, [&](rd_kafka_vu_t& v) {
    v.u.mem.ptr = value ? const_cast<char*>(value->data()) : nullptr;
    v.u.mem.size = value ? value->size() : 0;
  });
  if (timestamp) add(RD_KAFKA_VTYPE_TIMESTAMP, [&](rd_kafka_vu_t& v) { v.u.i64 = *timestamp; });
  for (;;) {
    rd_kafka_error_t* err = rd_kafka_produceva(c_.handle(), vus_.data(), vus_.size());
    if (err == nullptr) break;
    rd_kafka_resp_err_t code = rd_kafka_error_code(err);
    std::string text = rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(c_.handle(), 100);  // delivery reports make room
      continue;
    }
    RecordError(text + "; not appended");
    break;
  }
  vus_.clear();
  return true;
}

bool ProduceRun::AddText(std::string_view rec) {
  Bytes key;
  std::string_view value = rec;
  if (o_.key_delimiter) {
    size_t at = rec.find(*o_.key_delimiter);
    if (at != std::string_view::npos) {
      key = rec.substr(0, at);
      value = rec.substr(at + o_.key_delimiter->size());
    }
  }
  for (const auto& [name, v] : o_.headers) Header(name, &v);
  return Produce(key, value, std::nullopt, std::nullopt);
}

bool ProduceRun::AddJson(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return true;  // blank line
  Status st = ParseJsonRecord(line, &json_);
  if (!st.ok()) {
    RecordError(st.message());
    return true;
  }
  for (const auto& h : json_.headers) Header(h.key, h.value ? &*h.value : nullptr);
  for (const auto& [name, v] : o_.headers) Header(name, &v);
  auto view = [](const std::optional<std::string>& s) { return s ? Bytes(*s) : std::nullopt; };
  return Produce(view(json_.key), view(json_.value), json_.partition, json_.timestamp);
}

bool ProduceRun::Loop(RecordSplitter& in, RecordProgress& progress) {
  for (;;) {
    auto more = in.Fill();
    if (!more.ok()) {
      c_.tool().Fail(more.status());
      return false;
    }
    if (!*more) return true;
    std::string_view rec;
    while (in.Next(&rec)) {
      number_++;
      if (!(o_.json ? AddJson(rec) : AddText(rec))) return false;
    }
    c_.Poll(0);  // delivery reports of the records sent so far
    progress.Update(number_, in.bytes_read(), false);
  }
}

// Waits for every queued record's delivery report; message.timeout.ms bounds
// each record, so this ends.
void FlushAll(KafkaClient& c) {
  while (rd_kafka_outq_len(c.handle()) > 0) rd_kafka_flush(c.handle(), 1000);
}

}  // namespace

int RunAppendBroker(Tool& tool, const local::AppendOptions& opts, const ProduceOptions& produce,
                    const BrokerTarget& target) {
  std::unique_ptr<KafkaClient> client;
  int rc = KafkaClient::Create(tool, ClientRole::kProducer, target.brokers, target.flags,
                               ProducerDefaults(opts, produce), &client, AddDeliveryCallback);
  if (rc >= 0) return rc;
  TopicPtr rkt(nullptr, rd_kafka_topic_destroy);
  auto partitions = PrepareTopic(*client, opts, produce, &rkt);
  if (!partitions.ok()) return tool.Fail(partitions.status());
  if (opts.partition && *opts.partition >= *partitions) {
    return tool.Fail(Status::InvalidArgument("partition " + std::to_string(*opts.partition) +
                                             " does not exist (topic '" + opts.topic + "' has " +
                                             std::to_string(*partitions) + ")"));
  }
  RecordSplitter in(opts.input_fd, opts.json ? "\n" : opts.delimiter);
  RecordProgress progress(opts.progress);
  ProduceRun run(opts, *client, rkt.get(), *partitions);
  bool ok = run.Loop(in, progress);
  FlushAll(*client);
  const Deliveries& d = run.deliveries();
  progress.Update(d.delivered, in.bytes_read(), true);
  if (d.failed > 0) {
    std::string why = d.first_error;
    if (!client->broker_error().empty()) why += " (" + client->broker_error() + ")";
    tool.Diag(std::to_string(d.failed) + (d.failed == 1 ? " record was" : " records were") +
              " not appended: " + why);
    return kExitFailure;
  }
  return ok && !run.had_errors() ? kExitOk : kExitFailure;
}

}  // namespace klog::cli::kafka
