// klog-serve's settings: defaults, "HOST:PORT" parsing and the key=value
// config file (server.properties style). The file keys are documented in
// klog-serve(1); flags given on the command line override the file.
#pragma once

#include <cstdint>
#include <string>

#include "broker/diagnostics.h"
#include "klog/status.h"

namespace klog::broker {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string ToString() const;  // "host:port", IPv6 hosts in brackets
};

// "127.0.0.1:9092", "[::1]:9092", "localhost:0". The port must be 0..65535
// and the host non-empty.
Result<HostPort> ParseHostPort(std::string_view text);

struct BrokerConfig {
  std::string data_dir = "./klog-data";
  HostPort listen{"127.0.0.1", 9092};
  // Empty host: advertise the listen host (or 127.0.0.1 for a wildcard
  // listen address) and the bound port.
  HostPort advertise;
  // The HTTP listener of the Prometheus metrics (klog-serve(1), METRICS);
  // an empty host means none.
  HostPort metrics;
  int32_t node_id = 0;
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  // Partitions of the internal topic __consumer_offsets when it is created
  // (Kafka's offsets.topic.num.partitions).
  int32_t offsets_topic_partitions = 50;
  int64_t max_request_bytes = 100 << 20;  // Kafka's socket.request.max.bytes
  // The bytes of requests being read or handled, over all connections, at
  // which the broker stops reading requests (request_budget.h; Kafka's
  // queued.max.request.bytes, which Kafka leaves unbounded by default).
  int64_t max_queued_request_bytes = 100 << 20;
  // The largest record batch a Produce may carry (Kafka's message.max.bytes);
  // a topic's max.message.bytes overrides it.
  int64_t message_max_bytes = 1048588;
  int32_t max_connections = 1024;
  int64_t idle_timeout_ms = 600000;  // Kafka's connections.max.idle.ms
  // How often retention.ms/retention.bytes are applied to every partition
  // (Kafka's log.retention.check.interval.ms).
  int64_t retention_check_interval_ms = 300000;
  // The log cleaner (compaction of cleanup.policy=compact topics): whether
  // it runs, how often partitions are checked against their
  // min.cleanable.dirty.ratio, and the key map's size (Kafka's
  // log.cleaner.enable, log.cleaner.backoff.ms, log.cleaner.dedupe.buffer.size).
  bool cleaner_enable = true;
  int64_t cleaner_backoff_ms = 15000;
  int64_t cleaner_dedupe_buffer_bytes = int64_t(128) << 20;
  // Requests received on one connection whose responses are not yet written
  // to the socket; reading from the client pauses at this many.
  int32_t max_queued_responses = 100;
  // Response bytes handed to the socket but not yet accepted by the kernel;
  // reading pauses above this.
  int64_t max_unsent_bytes = 8 << 20;
  // How long SIGTERM waits for in-flight requests before closing anyway.
  int64_t shutdown_grace_ms = 5000;
  LogLevel log_level = LogLevel::kInfo;
};

// Applies one "key=value" setting (file syntax) to *config. InvalidArgument
// naming the key for an unknown key or a bad value.
Status ApplyConfigSetting(const std::string& key, const std::string& value, BrokerConfig* config);

// Reads a config file: one key=value per line; blank lines and lines
// starting with '#' or '!' are ignored; spaces around key and value are
// trimmed. Errors name the file and line.
Status LoadConfigFile(const std::string& path, BrokerConfig* config);

// Checks ranges that the individual setters cannot (none of them negative,
// partitions >= 1, ...). InvalidArgument naming the setting.
Status ValidateConfig(const BrokerConfig& config);

}  // namespace klog::broker
