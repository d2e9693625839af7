#include "broker/metrics.h"

#include "proto/api.h"

namespace klog::broker {
namespace {

// The `le` label of each bucket of LatencyHistogram::kBoundsNs, in seconds.
constexpr const char* kBoundLabels[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
                                        "0.01",   "0.025",   "0.05",   "0.1",   "0.25",   "0.5",
                                        "1",      "2.5",     "5",      "10"};
static_assert(std::size(kBoundLabels) == LatencyHistogram::kBoundsNs.size());

void Header(std::string_view name, std::string_view type, std::string_view help, std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string_view name, std::string_view labels, uint64_t value, std::string* out) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(std::to_string(value)).append("\n");
}

// Nanoseconds as exact decimal seconds: "12.000034500".
std::string Seconds(uint64_t ns) {
  std::string frac = std::to_string(ns % 1'000'000'000);
  return std::to_string(ns / 1'000'000'000) + "." + std::string(9 - frac.size(), '0') + frac;
}

void RenderHistogram(std::string_view name, std::string_view help, const LatencyHistogram& h,
                     std::string* out) {
  Header(name, "histogram", help, out);
  std::string bucket = std::string(name) + "_bucket";
  for (size_t i = 0; i < LatencyHistogram::kBoundsNs.size(); ++i) {
    Sample(bucket, "le=\"" + std::string(kBoundLabels[i]) + "\"", h.CumulativeCount(i), out);
  }
  Sample(bucket, "le=\"+Inf\"", h.count(), out);
  out->append(name).append("_sum ").append(Seconds(h.sum_ns())).append("\n");
  Sample(std::string(name) + "_count", "", h.count(), out);
}

void RenderPerApi(std::string_view name, std::string_view help, const Metrics& m, bool errors,
                  std::string* out) {
  Header(name, "counter", help, out);
  for (const proto::ApiEntry& api : proto::ApiTable()) {
    std::string labels = "api=\"";
    AppendLabelValue(api.name, &labels);
    labels += "\"";
    Sample(name, labels, errors ? m.errors(api.key) : m.requests(api.key), out);
  }
}

void RenderPartitions(std::span<const PartitionEnd> partitions, std::string* out) {
  Header("klog_partitions", "gauge", "Partitions the broker serves.", out);
  Sample("klog_partitions", "", partitions.size(), out);
  Header("klog_log_end_offset", "gauge",
         "High watermark (next offset to be written) of each open partition.", out);
  for (const PartitionEnd& p : partitions) {
    std::string labels = "topic=\"";
    AppendLabelValue(p.topic, &labels);
    labels += "\",partition=\"" + std::to_string(p.partition) + "\"";
    out->append("klog_log_end_offset{").append(labels).append("} ");
    out->append(std::to_string(p.end_offset)).append("\n");
  }
}

}  // namespace

void LatencyHistogram::Observe(uint64_t ns) {
  ++count_;
  sum_ns_ += ns;
  for (size_t i = 0; i < kBoundsNs.size(); ++i) {
    if (ns <= kBoundsNs[i]) {
      ++in_bucket_[i];
      return;
    }
  }
}

uint64_t LatencyHistogram::CumulativeCount(size_t i) const {
  uint64_t n = 0;
  for (size_t j = 0; j <= i && j < in_bucket_.size(); ++j) n += in_bucket_[j];
  return n;
}

void Metrics::OnRequest(int16_t api_key) {
  if (Counted(api_key)) ++requests_[size_t(api_key)];
}

void Metrics::OnAnswer(int16_t api_key, bool error, uint64_t elapsed_ns) {
  if (error && Counted(api_key)) ++errors_[size_t(api_key)];
  if (api_key == proto::kProduce) produce_latency_.Observe(elapsed_ns);
  if (api_key == proto::kFetch) fetch_latency_.Observe(elapsed_ns);
}

void Metrics::OnUnanswered(int16_t api_key) {
  if (Counted(api_key)) ++errors_[size_t(api_key)];
}

uint64_t Metrics::requests(int16_t api_key) const {
  return Counted(api_key) ? requests_[size_t(api_key)] : 0;
}

uint64_t Metrics::errors(int16_t api_key) const {
  return Counted(api_key) ? errors_[size_t(api_key)] : 0;
}

void Metrics::Render(std::span<const PartitionEnd> partitions, std::string* out) const {
  RenderPerApi("klog_requests_total", "Requests received, by API.", *this, false, out);
  RenderPerApi("klog_request_errors_total",
               "Requests answered with a non-zero error code or by closing the connection.", *this,
               true, out);
  RenderHistogram("klog_produce_latency_seconds",
                  "Time from dispatch to the completed response of Produce requests.",
                  produce_latency_, out);
  RenderHistogram("klog_fetch_latency_seconds",
                  "Time from dispatch to the completed response of Fetch requests "
                  "(long-poll waits included).",
                  fetch_latency_, out);
  RenderHistogram("klog_loop_lag_seconds",
                  "How late the loop thread ran a timer due every 100 ms: time it spent "
                  "blocked while work was due.",
                  loop_lag_, out);
  Header("klog_loop_lag_max_seconds", "gauge",
         "Largest klog_loop_lag_seconds observation since the broker started.", out);
  out->append("klog_loop_lag_max_seconds ").append(Seconds(loop_lag_max_ns_)).append("\n");
  Header("klog_bytes_in_total", "counter", "Bytes read from client connections.", out);
  Sample("klog_bytes_in_total", "", bytes_in_, out);
  Header("klog_bytes_out_total", "counter", "Bytes written to client connections.", out);
  Sample("klog_bytes_out_total", "", bytes_out_, out);
  Header("klog_connections", "gauge", "Open client connections.", out);
  Sample("klog_connections", "", connections_open_, out);
  Header("klog_connections_accepted_total", "counter", "Client connections accepted.", out);
  Sample("klog_connections_accepted_total", "", connections_accepted_, out);
  Header("klog_offset_records_skipped_total", "counter",
         "Records of __consumer_offsets skipped at start because they do not decode.", out);
  Sample("klog_offset_records_skipped_total", "", offset_records_skipped_, out);
  Header("klog_offset_bytes_dropped_total", "counter",
         "Bytes of __consumer_offsets not loaded at start: damaged batches and torn tails.", out);
  Sample("klog_offset_bytes_dropped_total", "", offset_bytes_dropped_, out);
  Header("klog_request_memory_bytes", "gauge",
         "Bytes reserved by requests being read or handled (max.queued.request.bytes).", out);
  Sample("klog_request_memory_bytes", "", request_memory_bytes_, out);
  Header("klog_connections_waiting_for_memory", "gauge",
         "Connections not read from until request memory is released.", out);
  Sample("klog_connections_waiting_for_memory", "", connections_waiting_for_memory_, out);
  RenderPartitions(partitions, out);
}

void AppendLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace klog::broker
