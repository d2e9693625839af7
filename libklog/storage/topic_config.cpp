// Topic config validation (Kafka names and value rules) and their mapping to
// LogOptions: see topic.h.
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>

#include "klog/cleaner.h"
#include "klog/log.h"
#include "klog/topic.h"

namespace klog {

namespace {

enum class Kind { kLong, kInt, kRatio, kCleanupPolicy, kTimestampType };

struct ConfigRule {
  const char* key;
  Kind kind;
  int64_t min;                // for kLong and kInt
  const char* default_value;  // Kafka's default
};

// Kafka's LogConfig definitions for the keys klog accepts.
constexpr ConfigRule kRules[] = {
    {"retention.ms", Kind::kLong, -1, "604800000"},
    {"retention.bytes", Kind::kLong, -1, "-1"},
    {"segment.bytes", Kind::kInt, 14, "1073741824"},
    {"segment.ms", Kind::kLong, 1, "604800000"},
    {"cleanup.policy", Kind::kCleanupPolicy, 0, "delete"},
    {"delete.retention.ms", Kind::kLong, 0, "86400000"},
    {"min.cleanable.dirty.ratio", Kind::kRatio, 0, "0.5"},
    {"min.compaction.lag.ms", Kind::kLong, 0, "0"},
    {"max.message.bytes", Kind::kInt, 0, "1048588"},
    {"message.timestamp.type", Kind::kTimestampType, 0, "CreateTime"},
    {"index.interval.bytes", Kind::kInt, 0, "4096"},
};

bool ParseInt64(const std::string& s, int64_t* v) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

Status Bad(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("config '" + key + "': " + why);
}

Status CheckValue(const ConfigRule& rule, const std::string& key, const std::string& value) {
  switch (rule.kind) {
    case Kind::kLong:
    case Kind::kInt: {
      int64_t v = 0;
      if (!ParseInt64(value, &v)) return Bad(key, "'" + value + "' is not an integer");
      int64_t max = rule.kind == Kind::kInt ? INT32_MAX : INT64_MAX;
      if (v < rule.min || v > max) {
        return Bad(key, "value " + value + " is out of range [" + std::to_string(rule.min) + ", " +
                            std::to_string(max) + "]");
      }
      return Status::Ok();
    }
    case Kind::kRatio: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
          !std::isfinite(d) || d < 0 || d > 1) {
        return Bad(key, "'" + value + "' is not a number between 0 and 1");
      }
      return Status::Ok();
    }
    case Kind::kCleanupPolicy:
      if (value == "delete" || value == "compact" || value == "compact,delete" ||
          value == "delete,compact") {
        return Status::Ok();
      }
      return Bad(key, "'" + value + "' is not delete, compact or compact,delete");
    case Kind::kTimestampType:
      if (value == "CreateTime" || value == "LogAppendTime") return Status::Ok();
      return Bad(key, "'" + value + "' is not CreateTime or LogAppendTime");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTopicConfig(const std::string& key, const std::string& value) {
  for (const ConfigRule& rule : kRules) {
    if (key == rule.key) return CheckValue(rule, key, value);
  }
  return Bad(key, "unknown config");
}

const std::vector<TopicConfigDefault>& TopicConfigDefaults() {
  static const std::vector<TopicConfigDefault> defaults = [] {
    std::vector<TopicConfigDefault> out;
    for (const ConfigRule& rule : kRules) out.push_back({rule.key, rule.default_value});
    return out;
  }();
  return defaults;
}

Status ApplyTopicConfigs(const TopicInfo& info, LogOptions* opts) {
  opts->compacted = TopicIsCompacted(info);  // set even when a config is bad
  for (const auto& [key, value] : info.configs) {
    KLOG_RETURN_IF_ERROR(ValidateTopicConfig(key, value).WithContext("topic '" + info.name + "'"));
    int64_t v = 0;
    if (key == "segment.bytes" && ParseInt64(value, &v)) opts->segment_bytes = v;
    if (key == "segment.ms" && ParseInt64(value, &v)) opts->segment_ms = v;
    if (key == "max.message.bytes" && ParseInt64(value, &v)) opts->max_batch_bytes = v;
    if (key == "index.interval.bytes" && ParseInt64(value, &v)) {
      opts->index_interval_bytes = int32_t(v);
    }
    if (key == "message.timestamp.type") opts->log_append_time = value == "LogAppendTime";
  }
  return Status::Ok();
}

Status TopicRetention(const TopicInfo& info, int64_t* retention_ms, int64_t* retention_bytes) {
  *retention_ms = 604800000;
  *retention_bytes = -1;
  auto policy = info.configs.find("cleanup.policy");
  if (policy != info.configs.end() && policy->second.find("delete") == std::string::npos) {
    KLOG_RETURN_IF_ERROR(ValidateTopicConfig(policy->first, policy->second)
                             .WithContext("topic '" + info.name + "'"));
    *retention_ms = -1;
    return Status::Ok();
  }
  for (const auto& [key, value] : info.configs) {
    int64_t v = 0;
    if (key != "retention.ms" && key != "retention.bytes") continue;
    KLOG_RETURN_IF_ERROR(ValidateTopicConfig(key, value).WithContext("topic '" + info.name + "'"));
    if (ParseInt64(value, &v)) *(key == "retention.ms" ? retention_ms : retention_bytes) = v;
  }
  return Status::Ok();
}

bool TopicIsCompacted(const TopicInfo& info) {
  auto it = info.configs.find("cleanup.policy");
  return it != info.configs.end() && it->second.find("compact") != std::string::npos;
}

Status TopicCleanerOptions(const TopicInfo& info, CleanerOptions* opts, double* min_dirty_ratio) {
  LogOptions log;
  KLOG_RETURN_IF_ERROR(ApplyTopicConfigs(info, &log));  // validates every config
  opts->segment_bytes = log.segment_bytes;
  opts->index_interval_bytes = log.index_interval_bytes;
  opts->delete_retention_ms = CleanerOptions{}.delete_retention_ms;
  opts->min_compaction_lag_ms = CleanerOptions{}.min_compaction_lag_ms;
  *min_dirty_ratio = 0.5;
  for (const auto& [key, value] : info.configs) {
    int64_t v = 0;
    if (key == "delete.retention.ms" && ParseInt64(value, &v)) opts->delete_retention_ms = v;
    if (key == "min.compaction.lag.ms" && ParseInt64(value, &v)) opts->min_compaction_lag_ms = v;
    if (key == "min.cleanable.dirty.ratio") *min_dirty_ratio = std::strtod(value.c_str(), nullptr);
  }
  return Status::Ok();
}

}  // namespace klog
