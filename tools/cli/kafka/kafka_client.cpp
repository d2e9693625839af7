#include "cli/kafka/kafka_client.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "cli/cli.h"

namespace klog::cli::kafka {
namespace {

Status SetConf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument("-X " + key + ": " + err);
  }
  return Status::Ok();
}

// klog's defaults for every role: bounded waits, warnings and worse logged.
KafkaClient::Properties CommonDefaults(const Tool& tool, const std::string& brokers) {
  return {
      {"bootstrap.servers", brokers},
      {"client.id", tool.name()},
      {"socket.timeout.ms", "10000"},
      {"socket.connection.setup.timeout.ms", "10000"},
      {"log_level", "4"},
  };
}

// The debug context in which librdkafka reports a fetch it retries on a
// broker error (see KafkaClient), added to the user's debug setting; OnLog
// shows only the lines the user's own settings ask for.
KafkaClient::Properties ConsumerDebug(const KafkaClient::Properties& user) {
  std::string debug;
  for (const auto& [k, v] : user) {
    if (k == "debug") debug = v;
  }
  if (debug.find("topic") == std::string::npos && debug.find("all") == std::string::npos) {
    debug += debug.empty() ? "topic" : ",topic";
  }
  return {{"debug", debug}, {"log_level", "7"}};
}

Result<KafkaClient::Properties> ParseProperties(const std::vector<std::string>& raw) {
  KafkaClient::Properties out;
  for (const auto& kv : raw) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--property '" + kv + "': expected KEY=VALUE");
    }
    out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

bool Has(const KafkaClient::Properties& props, const std::string& key) {
  return std::any_of(props.begin(), props.end(), [&](const auto& kv) { return kv.first == key; });
}

}  // namespace

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void AddBrokerOptions(CLI::App& app, BrokerFlags* f) {
  app.add_option("-b,--brokers", f->brokers,
                 "Broker mode: talk to Kafka brokers HOST:PORT[,...] (default $KLOG_BROKERS)")
      ->type_name("HOSTS");
  app.add_option("-X,--property", f->properties,
                 "Broker mode: librdkafka setting KEY=VALUE (repeatable)")
      ->type_name("KEY=VALUE");
}

std::optional<std::string> ResolveBrokers(const BrokerFlags& f, const std::string& data_dir_flag) {
  if (!f.brokers.empty()) return f.brokers;
  if (!data_dir_flag.empty()) return std::nullopt;
  const char* env = std::getenv("KLOG_BROKERS");
  if (env != nullptr && env[0] != '\0') return std::string(env);
  return std::nullopt;
}

std::string BrokerErrorText(const std::string& reason) {
  std::string broker, cause = reason;
  size_t colon = reason.find(": ");
  if (colon != std::string::npos) {
    broker = reason.substr(0, colon);
    cause = reason.substr(colon + 2);
    broker = broker.substr(0, broker.find('/'));  // "HOST:PORT/bootstrap" or "/1"
  }
  size_t failed = cause.find(" failed: ");
  if (failed != std::string::npos) cause = cause.substr(failed + 9);
  size_t after = cause.find(" (after ");
  if (after != std::string::npos) cause.resize(after);
  return broker.empty() ? "broker: " + cause : "broker " + broker + ": " + cause;
}

int KafkaClient::Create(const Tool& tool, ClientRole role, const std::string& brokers,
                        const BrokerFlags& flags, const Properties& role_defaults,
                        std::unique_ptr<KafkaClient>* out, void (*hook)(rd_kafka_conf_t*)) {
  auto user = ParseProperties(flags.properties);
  if (!user.ok()) return tool.UsageError(user.status().message());
  std::unique_ptr<KafkaClient> c(new KafkaClient());
  c->tool_ = &tool;
  c->brokers_ = brokers;
  c->role_ = role;
  c->debug_ = Has(*user, "debug");
  c->log_level_ = c->debug_ ? 7 : 4;
  for (const auto& [k, v] : *user) {
    if (k == "log_level") c->log_level_ = std::atoi(v.c_str());
  }
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status st;
  const Properties common = CommonDefaults(tool, brokers);
  const Properties& given = *user;
  const bool consumer = role == ClientRole::kConsumer;
  const Properties checks = consumer ? Properties{{"check.crcs", "true"}} : Properties{};
  const Properties debug = consumer ? ConsumerDebug(given) : Properties{};
  for (const Properties* props : {&common, &checks, &role_defaults, &given, &debug}) {
    for (const auto& [k, v] : *props) {
      if (st.ok()) st = SetConf(conf, k, v);
    }
  }
  if (st.ok() && c->debug_ && !Has(*user, "log_level")) st = SetConf(conf, "log_level", "7");
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return tool.UsageError(st.message());
  }
  char buf[64];
  size_t n = sizeof buf;
  if (rd_kafka_conf_get(conf, "socket.timeout.ms", buf, &n) == RD_KAFKA_CONF_OK) {
    c->timeout_ms_ = std::max(100, std::atoi(buf));
  }
  rd_kafka_conf_set_log_cb(conf, OnLog);
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_opaque(conf, c.get());
  if (hook != nullptr) hook(conf);
  char err[512];
  rd_kafka_type_t type = role == ClientRole::kConsumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER;
  c->rk_ = rd_kafka_new(type, conf, err, sizeof err);  // takes conf on success
  if (c->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return tool.UsageError(std::string("-X: ") + err);
  }
  *out = std::move(c);
  return -1;
}

void KafkaClient::OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* c = static_cast<KafkaClient*>(opaque);
  if (c->rebalance_) c->rebalance_(err, parts);
}

KafkaClient::~KafkaClient() {
  if (rk_ == nullptr) return;
  // klog-read never joins its group, so there is nothing to leave or commit.
  rd_kafka_destroy_flags(rk_,
                         role_ == ClientRole::kConsumer ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0);
}

// librdkafka's log lines, on stderr under the tool's name, up to the level
// the user's settings ask for. Connection failures ("FAIL") also reach the
// error callback, which reports them once in klog's words, so they are shown
// only when debugging. A consumer's fetch retried on KAFKA_STORAGE_ERROR is
// recorded for TakeStorageError().
void KafkaClient::OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* c = static_cast<KafkaClient*>(rd_kafka_opaque(rk));
  if (c == nullptr) return;
  if (c->role_ == ClientRole::kConsumer && std::strcmp(fac, "BROKERUA") == 0) {
    std::optional<FetchError> e = ParseFetchUnavailable(buf);
    if (e && e->error == rd_kafka_err2str(RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR)) {
      std::lock_guard lock(c->storage_mu_);
      if (!c->storage_error_) c->storage_error_ = std::move(*e);
    }
  }
  if (level > c->log_level_) return;
  if (!c->debug_ && std::strcmp(fac, "FAIL") == 0) return;
  c->tool_->Diag(std::string("librdkafka: ") + fac + ": " + buf);
}

std::optional<FetchError> KafkaClient::TakeStorageError() {
  std::lock_guard lock(storage_mu_);
  return std::exchange(storage_error_, std::nullopt);
}

Status KafkaClient::StorageError(const FetchError& e) const {
  std::string where = "topic '" + e.topic + "' partition " + std::to_string(e.partition);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, e.topic.c_str(), e.partition);
  if (rd_kafka_position(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].offset >= 0) {
    where += " at offset " + std::to_string(list->elems[0].offset);
  }
  rd_kafka_topic_partition_list_destroy(list);
  return Status::IOError(where + ": the broker answers KAFKA_STORAGE_ERROR (" + e.error +
                         "): its log there is damaged or unreadable; the broker's log names "
                         "the file and position");
}

std::optional<FetchError> ParseFetchUnavailable(std::string_view line) {
  // "[thrd:HOST:PORT/ID]: TOPIC [N]: broker unavailable: fetch: REASON"
  constexpr std::string_view kMark = "]: broker unavailable: fetch: ";
  size_t mark = line.find(kMark);
  if (mark == std::string_view::npos) return std::nullopt;
  size_t open = line.rfind(" [", mark);
  if (open == std::string_view::npos) return std::nullopt;
  size_t start = line.rfind(": ", open);
  start = start == std::string_view::npos ? 0 : start + 2;
  FetchError e;
  e.topic = std::string(line.substr(start, open - start));
  std::string_view num = line.substr(open + 2, mark - open - 2);
  auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), e.partition);
  if (ec != std::errc() || end != num.data() + num.size() || e.topic.empty()) return std::nullopt;
  e.error = std::string(line.substr(mark + kMark.size()));
  return e;
}

void KafkaClient::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* c = static_cast<KafkaClient*>(opaque);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      c->broker_error_ = BrokerErrorText(reason);
      return;
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      c->brokers_down_ = true;
      if (c->broker_error_.empty()) c->broker_error_ = "broker " + c->brokers_ + ": " + reason;
      return;
    default:
      c->tool_->Diag(std::string("broker: ") + reason);
  }
}

Status KafkaClient::TimeoutError(const std::string& what) const {
  if (!broker_error_.empty()) return Status::IOError(broker_error_);
  return Status::IOError("broker " + brokers_ + ": no answer to " + what + " within " +
                         std::to_string(timeout_ms_) + " ms");
}

Result<const rd_kafka_metadata_t*> KafkaClient::AllTopicsMetadata() {
  const int64_t deadline = MonotonicMs() + timeout_ms_;
  for (;;) {
    int64_t left = deadline - MonotonicMs();
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk_, 1, nullptr, &md, int(std::clamp<int64_t>(left, 1, 250)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return md;
    Poll(0);
    if (brokers_down_) return Status::IOError(broker_error_);
    bool retry = err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT;
    if (!retry) return Status::IOError("metadata: " + std::string(rd_kafka_err2str(err)));
    if (MonotonicMs() >= deadline) return TimeoutError("a metadata request");
  }
}

const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t* md,
                                           const std::string& topic) {
  for (int i = 0; i < md->topic_cnt; i++) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (topic != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) return nullptr;
    return &t;
  }
  return nullptr;
}

RecordView MessageRecord(const rd_kafka_message_t* m, std::vector<HeaderView>* headers) {
  RecordView r;
  r.offset = m->offset;
  r.timestamp = rd_kafka_message_timestamp(m, nullptr);
  if (m->key != nullptr) r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) {
    r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
  }
  headers->clear();
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
      HeaderView h{name, std::nullopt};
      if (val != nullptr) h.value = std::string_view(static_cast<const char*>(val), size);
      headers->push_back(h);
    }
  }
  r.headers = *headers;
  return r;
}

}  // namespace klog::cli::kafka
