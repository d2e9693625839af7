// Broker mode plumbing shared by klog-append, klog-read and klog-topic: the
// -b/--brokers and -X/--property flags, the choice between local and broker
// mode, and a librdkafka handle (<librdkafka/rdkafka.h>) configured with
// klog's defaults, its logs on stderr under the tool's name and every wait
// bounded. Contract in the BROKER MODE sections of klog-append(1),
// klog-read(1) and klog-topic(1).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/tool.h"

#include "klog/record.h"
#include "klog/status.h"

namespace klog::cli::kafka {

// The raw broker-mode flags of one command line.
struct BrokerFlags {
  std::string brokers;                  // -b HOST:PORT[,HOST:PORT...]
  std::vector<std::string> properties;  // -X KEY=VALUE, in order
};

// Adds -b/--brokers and -X/--property to `app`.
void AddBrokerOptions(CLI::App& app, BrokerFlags* f);

// The broker list when the command runs in broker mode, else nullopt: -b
// wins; else an explicit -d (`data_dir_flag` non-empty) means local mode;
// else $KLOG_BROKERS if set and non-empty.
std::optional<std::string> ResolveBrokers(const BrokerFlags& f, const std::string& data_dir_flag);

// What a client is used for; each role has its own defaults.
enum class ClientRole { kProducer, kConsumer, kAdmin };

// A partition whose fetches the broker answers with an error that librdkafka
// retries without telling the application.
struct FetchError {
  std::string topic;
  int32_t partition = 0;
  std::string error;  // librdkafka's text of the broker's error code
};

// A configured librdkafka handle. Not thread-safe: one thread uses it (the
// log callback alone runs on librdkafka's threads: it writes stderr and
// records a FetchError under a lock).
//
// Consumers check CRCs (check.crcs=true): a damaged batch is an error, never
// printed. librdkafka 2.0 retries a fetch answered with KAFKA_STORAGE_ERROR
// (damaged or unreadable data on the broker) for ever without telling the
// application; a consumer therefore also runs with librdkafka's "topic"
// debug context, whose lines are shown only with -X debug=..., and takes
// the error from the line that reports it (TakeStorageError).
class KafkaClient {
 public:
  using Properties = std::vector<std::pair<std::string, std::string>>;

  // Builds the configuration (klog defaults, then `role_defaults`, then the
  // user's -X settings, which win) and creates the handle. Returns -1 on
  // success, else the exit code with the diagnostic printed: 2 when a -X
  // setting or the combination is rejected (naming the key). `hook`, if
  // given, adds callbacks (such as a delivery report) to the configuration.
  // `tool` names the client (client.id) and prints its diagnostics; it must
  // outlive the client.
  static int Create(const Tool& tool, ClientRole role, const std::string& brokers,
                    const BrokerFlags& flags, const Properties& role_defaults,
                    std::unique_ptr<KafkaClient>* out, void (*hook)(rd_kafka_conf_t*) = nullptr);
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  rd_kafka_t* handle() const { return rk_; }
  // The tool this client was created for.
  const Tool& tool() const { return *tool_; }
  // The bound on every wait for the broker (socket.timeout.ms, default 10 s).
  int timeout_ms() const { return timeout_ms_; }

  // Waits (at most timeout_ms()) for the cluster's metadata with every topic.
  // A broker that cannot be reached is IOError "broker HOST:PORT: <cause>".
  // The metadata is owned by the caller (see MetadataPtr).
  Result<const rd_kafka_metadata_t*> AllTopicsMetadata();

  // Serves queued callbacks (errors, delivery reports) without waiting.
  void Poll(int timeout_ms = 0) { rd_kafka_poll(rk_, timeout_ms); }

  // True once every broker was found down since the last ClearBrokersDown();
  // the reason ("broker HOST:PORT: Connection refused") is broker_error().
  bool brokers_down() const { return brokers_down_; }
  void ClearBrokersDown() { brokers_down_ = false; }
  const std::string& broker_error() const { return broker_error_; }
  // The first fetch answered with KAFKA_STORAGE_ERROR since the last call
  // (consumers only), if any. Any thread.
  std::optional<FetchError> TakeStorageError();
  // The error that ends a read at `e`: IOError naming the topic, partition
  // and (if known) the consumer's position there.
  Status StorageError(const FetchError& e) const;
  // The error to report when the broker did not answer in time.
  Status TimeoutError(const std::string& what) const;

  // What a consumer does when the group's partitions are assigned or
  // revoked. The handler runs inside rd_kafka_consumer_poll(), on the thread
  // that polls, and only if the configuration has OnRebalance as its
  // rebalance callback (added by Create's `hook`); an event that arrives
  // while no handler is set is ignored.
  using RebalanceHandler =
      std::function<void(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts)>;
  void set_rebalance_handler(RebalanceHandler h) { rebalance_ = std::move(h); }
  // The rebalance callback (rd_kafka_conf_set_rebalance_cb) that hands the
  // event to the rebalance handler of the KafkaClient that is `opaque`.
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque);

 private:
  KafkaClient() = default;
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf);

  const Tool* tool_ = nullptr;
  rd_kafka_t* rk_ = nullptr;
  ClientRole role_ = ClientRole::kProducer;
  std::string brokers_;
  int timeout_ms_ = 10000;
  bool brokers_down_ = false;
  std::string broker_error_;
  // Set before the handle exists, then read by OnLog on librdkafka's threads.
  bool debug_ = false;  // -X debug given: every librdkafka line is shown
  int log_level_ = 4;   // else lines up to this syslog level are shown
  std::mutex storage_mu_;
  std::optional<FetchError> storage_error_;  // guarded by storage_mu_
  RebalanceHandler rebalance_;
};

// The FetchError of a librdkafka "BROKERUA" debug line, "TOPIC [N]: broker
// unavailable: fetch: REASON", if it is one. Exposed for tests.
std::optional<FetchError> ParseFetchUnavailable(std::string_view line);

// Frees metadata returned by librdkafka when it goes out of scope.
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

// The topic's entry in `md`, or nullptr if the cluster does not have it.
const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t* md, const std::string& topic);

// "broker HOST:PORT: cause" from a librdkafka transport error such as
// "HOST:PORT/bootstrap: Connect to ipv4#HOST:PORT failed: Connection refused
// (after 0ms in state CONNECT)". Exposed for tests.
std::string BrokerErrorText(const std::string& reason);

// Milliseconds on a monotonic clock.
int64_t MonotonicMs();

// The record view of a consumed message (offset, timestamp, key, value,
// headers) as the local printers take it. Views point into `m`; `headers`
// is reused storage for the header views (no allocation once grown).
RecordView MessageRecord(const rd_kafka_message_t* m, std::vector<HeaderView>* headers);

struct EventDeleter {
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// Runs one admin request (`send` queues it on the given queue with the given
// options) and waits, bounded by the client's timeout, for its result event.
// A request-level error is returned as a Status naming `what`.
template <typename Send>
Result<EventPtr> AdminCall(KafkaClient& c, const char* what, Send send) {
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(c.handle(), RD_KAFKA_ADMIN_OP_ANY);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(options, c.timeout_ms(), err, sizeof err);
  rd_kafka_AdminOptions_set_operation_timeout(options, c.timeout_ms(), err, sizeof err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(c.handle());
  send(options, q);
  // The request timeout yields a result event; the margin only guards against a lost one.
  const int64_t deadline = MonotonicMs() + c.timeout_ms() + 2000;
  rd_kafka_event_t* ev = nullptr;
  while (ev == nullptr && MonotonicMs() < deadline) ev = rd_kafka_queue_poll(q, 250);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(options);
  if (ev == nullptr) return c.TimeoutError(what);
  EventPtr owned(ev);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    c.Poll(0);
    if (rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__TIMED_OUT) return c.TimeoutError(what);
    return Status::IOError(std::string(what) + ": " + rd_kafka_event_error_string(ev));
  }
  return owned;
}

}  // namespace klog::cli::kafka
