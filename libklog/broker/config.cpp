#include "broker/config.h"

#include <charconv>
#include <fstream>

namespace klog::broker {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

template <typename T>
Status ParseInt(const std::string& key, const std::string& value, T min, T max, T* out) {
  T v{};
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || p != value.data() + value.size() || value.empty()) {
    return Status::InvalidArgument("config '" + key + "': '" + value + "' is not an integer");
  }
  if (v < min || v > max) {
    return Status::InvalidArgument("config '" + key + "': " + value + " is out of range [" +
                                   std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  *out = v;
  return Status::Ok();
}

Status ParseBool(const std::string& key, const std::string& value, bool* out) {
  if (value == "true") {
    *out = true;
  } else if (value == "false") {
    *out = false;
  } else {
    return Status::InvalidArgument("config '" + key + "': expected true or false, not '" + value +
                                   "'");
  }
  return Status::Ok();
}

Status ParseAddress(const std::string& key, const std::string& value, HostPort* out) {
  Result<HostPort> hp = ParseHostPort(value);
  if (!hp.ok()) return hp.status().WithContext("config '" + key + "'");
  *out = *hp;
  return Status::Ok();
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(std::string_view text) {
  std::string t(text);
  size_t colon = t.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("address '" + t + "': expected HOST:PORT");
  }
  HostPort hp;
  hp.host = t.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  if (hp.host.empty()) return Status::InvalidArgument("address '" + t + "': empty host");
  std::string port = t.substr(colon + 1);
  uint32_t p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535) {
    return Status::InvalidArgument("address '" + t + "': port must be 0..65535");
  }
  hp.port = uint16_t(p);
  return hp;
}

Status ApplyConfigSetting(const std::string& key, const std::string& value, BrokerConfig* c) {
  if (key == "listen" || key == "listeners") return ParseAddress(key, value, &c->listen);
  if (key == "advertise" || key == "advertised.listeners") {
    return ParseAddress(key, value, &c->advertise);
  }
  if (key == "metrics.listen") return ParseAddress(key, value, &c->metrics);
  if (key == "node.id" || key == "broker.id") {
    return ParseInt<int32_t>(key, value, 0, INT32_MAX, &c->node_id);
  }
  if (key == "log.dir" || key == "log.dirs") {
    if (value.empty()) return Status::InvalidArgument("config '" + key + "': empty directory");
    c->data_dir = value;
    return Status::Ok();
  }
  if (key == "auto.create.topics.enable") return ParseBool(key, value, &c->auto_create_topics);
  if (key == "num.partitions") {
    return ParseInt<int32_t>(key, value, 1, 100000, &c->default_partitions);
  }
  if (key == "offsets.topic.num.partitions") {
    return ParseInt<int32_t>(key, value, 1, 1000, &c->offsets_topic_partitions);
  }
  if (key == "max.request.bytes" || key == "socket.request.max.bytes") {
    return ParseInt<int64_t>(key, value, 64, INT32_MAX, &c->max_request_bytes);
  }
  if (key == "max.queued.request.bytes" || key == "queued.max.request.bytes") {
    return ParseInt<int64_t>(key, value, 64, int64_t(1) << 40, &c->max_queued_request_bytes);
  }
  if (key == "message.max.bytes") {
    return ParseInt<int64_t>(key, value, 64, INT32_MAX, &c->message_max_bytes);
  }
  if (key == "max.connections") {
    return ParseInt<int32_t>(key, value, 1, 1000000, &c->max_connections);
  }
  if (key == "idle.timeout.ms" || key == "connections.max.idle.ms") {
    return ParseInt<int64_t>(key, value, 1, INT64_MAX / 2, &c->idle_timeout_ms);
  }
  if (key == "log.retention.check.interval.ms") {
    return ParseInt<int64_t>(key, value, 1, INT64_MAX / 2, &c->retention_check_interval_ms);
  }
  if (key == "log.cleaner.enable") return ParseBool(key, value, &c->cleaner_enable);
  if (key == "log.cleaner.backoff.ms") {
    return ParseInt<int64_t>(key, value, 1, INT64_MAX / 2, &c->cleaner_backoff_ms);
  }
  if (key == "log.cleaner.dedupe.buffer.size") {
    return ParseInt<int64_t>(key, value, 1 << 16, int64_t(1) << 40,
                             &c->cleaner_dedupe_buffer_bytes);
  }
  if (key == "log.level") {
    Result<LogLevel> level = ParseLogLevel(value);
    if (!level.ok()) return level.status().WithContext("config '" + key + "'");
    c->log_level = *level;
    return Status::Ok();
  }
  return Status::InvalidArgument("config '" + key + "': unknown key");
}

Status LoadConfigFile(const std::string& path, BrokerConfig* config) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("config file " + path + ": cannot open");
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t eq = t.find('=');
    std::string where = path + " line " + std::to_string(lineno);
    if (eq == std::string::npos) return Status::InvalidArgument(where + ": expected key=value");
    Status s = ApplyConfigSetting(Trim(t.substr(0, eq)), Trim(t.substr(eq + 1)), config);
    if (!s.ok()) return s.WithContext(where);
  }
  if (in.bad()) return Status::IOError("config file " + path + ": read error");
  return Status::Ok();
}

Status ValidateConfig(const BrokerConfig& c) {
  if (c.data_dir.empty()) return Status::InvalidArgument("data directory is empty");
  if (c.node_id < 0) return Status::InvalidArgument("node id must be >= 0");
  if (c.default_partitions < 1) return Status::InvalidArgument("default partitions must be >= 1");
  if (c.offsets_topic_partitions < 1) {
    return Status::InvalidArgument("offsets topic partitions must be >= 1");
  }
  if (c.max_request_bytes < 64) return Status::InvalidArgument("max request bytes must be >= 64");
  if (c.max_queued_request_bytes < 64) {
    return Status::InvalidArgument("max queued request bytes must be >= 64");
  }
  if (c.max_connections < 1) return Status::InvalidArgument("max connections must be >= 1");
  if (c.idle_timeout_ms < 1) return Status::InvalidArgument("idle timeout must be >= 1 ms");
  return Status::Ok();
}

}  // namespace klog::broker
