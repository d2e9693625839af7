// klog-serve metrics: the Prometheus text rendering (cumulative histogram
// buckets, exact sums, label escaping, HELP/TYPE for every family), the
// error-code scan of responses, and the status code the --metrics listener
// gives a parsed request.
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "broker/config.h"
#include "broker/metrics.h"
#include "broker/net/metrics_http.h"
#include "proto/api.h"
#include "proto/messages.h"

using klog::broker::Metrics;
using klog::broker::PartitionEnd;
using klog::broker::net::MetricsHttpStatus;

namespace {

std::string Render(const Metrics& m, const std::vector<PartitionEnd>& parts = {}) {
  std::string out;
  m.Render(parts, &out);
  return out;
}

// The value printed for the sample `series` (name plus labels, exactly as
// rendered), or "missing".
std::string ValueOf(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return line.substr(series.size() + 1);
    }
  }
  return "missing";
}

constexpr uint64_t kMs = 1'000'000;

}  // namespace

TEST_CASE("histogram buckets are cumulative, an observation on a bound falls in it") {
  Metrics m;
  m.OnAnswer(klog::proto::kProduce, false, 50'000);        // 50 us
  m.OnAnswer(klog::proto::kProduce, false, 100'000);       // exactly 0.0001 s
  m.OnAnswer(klog::proto::kProduce, false, 300'000);       // 0.3 ms
  m.OnAnswer(klog::proto::kProduce, false, 20'000 * kMs);  // 20 s: above every bound
  std::string text = Render(m);
  const std::string b = "klog_produce_latency_seconds_bucket";
  CHECK(ValueOf(text, b + "{le=\"0.0001\"}") == "2");
  CHECK(ValueOf(text, b + "{le=\"0.00025\"}") == "2");
  CHECK(ValueOf(text, b + "{le=\"0.0005\"}") == "3");
  CHECK(ValueOf(text, b + "{le=\"1\"}") == "3");
  CHECK(ValueOf(text, b + "{le=\"10\"}") == "3");
  CHECK(ValueOf(text, b + "{le=\"+Inf\"}") == "4");
  CHECK(ValueOf(text, "klog_produce_latency_seconds_count") == "4");
  CHECK(ValueOf(text, "klog_produce_latency_seconds_sum") == "20.000450000");
  // Fetch has its own histogram, untouched by Produce.
  CHECK(ValueOf(text, "klog_fetch_latency_seconds_count") == "0");
  CHECK(ValueOf(text, "klog_fetch_latency_seconds_bucket{le=\"+Inf\"}") == "0");
}

TEST_CASE("loop lag: a histogram of every tick's lag and the largest one as a gauge") {
  Metrics m;
  std::string text = Render(m);
  CHECK(ValueOf(text, "klog_loop_lag_seconds_count") == "0");
  CHECK(ValueOf(text, "klog_loop_lag_max_seconds") == "0.000000000");
  m.OnLoopLag(200'000);      // 0.2 ms
  m.OnLoopLag(1'500 * kMs);  // 1.5 s
  m.OnLoopLag(3 * kMs);      // 3 ms
  text = Render(m);
  CHECK(ValueOf(text, "klog_loop_lag_seconds_bucket{le=\"0.00025\"}") == "1");
  CHECK(ValueOf(text, "klog_loop_lag_seconds_bucket{le=\"1\"}") == "2");
  CHECK(ValueOf(text, "klog_loop_lag_seconds_count") == "3");
  CHECK(ValueOf(text, "klog_loop_lag_seconds_sum") == "1.503200000");
  CHECK(ValueOf(text, "klog_loop_lag_max_seconds") == "1.500000000");
  CHECK(text.find("# TYPE klog_loop_lag_max_seconds gauge\n") != std::string::npos);
}

TEST_CASE("bucket counts never decrease and +Inf equals _count") {
  Metrics m;
  for (uint64_t ns = 1; ns < 30'000 * kMs; ns = ns * 3 + 7)
    m.OnAnswer(klog::proto::kFetch, false, ns);
  std::string text = Render(m);
  uint64_t prev = 0;
  for (const char* le : {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                         "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    std::string v =
        ValueOf(text, std::string("klog_fetch_latency_seconds_bucket{le=\"") + le + "\"}");
    REQUIRE(v != "missing");
    CHECK(std::stoull(v) >= prev);
    prev = std::stoull(v);
  }
  CHECK(std::to_string(prev) == ValueOf(text, "klog_fetch_latency_seconds_count"));
  CHECK(m.fetch_latency().count() == prev);
}

TEST_CASE("label values escape backslash, double quote and newline") {
  std::string out;
  klog::broker::AppendLabelValue("a\"b\\c\nd.e-f_g", &out);
  CHECK(out == "a\\\"b\\\\c\\nd.e-f_g");
  Metrics m;
  std::string text = Render(m, {{"orders.eu-1_x", 3, 42}, {"we\"ird", 0, 7}});
  CHECK(ValueOf(text, "klog_log_end_offset{topic=\"orders.eu-1_x\",partition=\"3\"}") == "42");
  CHECK(ValueOf(text, "klog_log_end_offset{topic=\"we\\\"ird\",partition=\"0\"}") == "7");
  CHECK(ValueOf(text, "klog_partitions") == "2");
}

TEST_CASE("every sample belongs to a family with HELP and TYPE lines") {
  Metrics m;
  m.OnRequest(klog::proto::kMetadata);
  std::string text = Render(m, {{"t", 0, 100}});
  std::set<std::string> typed, helped;
  std::istringstream in(text);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    REQUIRE(!line.empty());
    if (line.rfind("# TYPE ", 0) == 0) {
      typed.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    ++samples;
    std::string name = line.substr(0, line.find_first_of("{ "));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      // A histogram's series: its family was TYPEd before them.
      if (name.size() > s.size() && name.ends_with(s) &&
          typed.count(name.substr(0, name.size() - s.size())) == 1) {
        name.resize(name.size() - s.size());
      }
    }
    CHECK_MESSAGE(typed.count(name) == 1, "no TYPE before " << line);
    CHECK_MESSAGE(helped.count(name) == 1, "no HELP before " << line);
  }
  CHECK(samples > 20);
  for (const char* family :
       {"klog_requests_total", "klog_request_errors_total", "klog_bytes_in_total",
        "klog_bytes_out_total", "klog_produce_latency_seconds", "klog_fetch_latency_seconds",
        "klog_connections", "klog_connections_accepted_total", "klog_partitions",
        "klog_log_end_offset", "klog_loop_lag_seconds", "klog_loop_lag_max_seconds"}) {
    CHECK_MESSAGE(typed.count(family) == 1, family);
  }
  CHECK(text.ends_with("\n"));
}

TEST_CASE("requests and errors are counted per API name; unknown keys are ignored") {
  Metrics m;
  m.OnRequest(klog::proto::kProduce);
  m.OnRequest(klog::proto::kProduce);
  m.OnRequest(klog::proto::kMetadata);
  m.OnRequest(-1);
  m.OnRequest(32000);
  m.OnAnswer(klog::proto::kProduce, true, 1000);
  m.OnAnswer(klog::proto::kMetadata, false, 1000);
  m.OnUnanswered(klog::proto::kProduce);
  m.OnUnanswered(32000);
  m.AddBytesIn(10);
  m.AddBytesOut(20);
  m.OnConnectionAccepted();
  m.SetOpenConnections(5);
  std::string text = Render(m);
  CHECK(ValueOf(text, "klog_requests_total{api=\"Produce\"}") == "2");
  CHECK(ValueOf(text, "klog_requests_total{api=\"Metadata\"}") == "1");
  CHECK(ValueOf(text, "klog_requests_total{api=\"Fetch\"}") == "0");
  CHECK(ValueOf(text, "klog_request_errors_total{api=\"Produce\"}") == "2");
  CHECK(ValueOf(text, "klog_request_errors_total{api=\"Metadata\"}") == "0");
  CHECK(ValueOf(text, "klog_bytes_in_total") == "10");
  CHECK(ValueOf(text, "klog_bytes_out_total") == "20");
  CHECK(ValueOf(text, "klog_connections_accepted_total") == "1");
  CHECK(ValueOf(text, "klog_connections") == "5");
  // A Produce closed instead of answered has no latency sample.
  CHECK(ValueOf(text, "klog_produce_latency_seconds_count") == "1");
}

TEST_CASE("a response with a non-zero error code at any depth is an error") {
  klog::proto::MetadataResponse md;
  md.topics.resize(2);
  md.topics[1].partitions.resize(3);
  CHECK_FALSE(klog::broker::ResponseHasError(md));
  md.topics[1].partitions[2].error_code = 3;  // UNKNOWN_TOPIC_OR_PARTITION
  CHECK(klog::broker::ResponseHasError(md));
  md.topics[1].partitions[2].error_code = 0;
  md.topics[0].error_code = 3;
  CHECK(klog::broker::ResponseHasError(md));

  klog::proto::ProduceResponse pr;
  pr.responses.resize(1);
  pr.responses[0].partition_responses.resize(2);
  pr.throttle_time_ms = 5;  // a non-zero field that is not an error code
  CHECK_FALSE(klog::broker::ResponseHasError(pr));
  pr.responses[0].partition_responses[1].error_code = 2;
  CHECK(klog::broker::ResponseHasError(pr));
}

TEST_CASE("HTTP: GET /metrics is 200, other paths 404, other methods 405") {
  CHECK(MetricsHttpStatus("GET", "/metrics") == 200);
  CHECK(MetricsHttpStatus("GET", "/") == 404);
  CHECK(MetricsHttpStatus("GET", "/metrics/") == 404);
  CHECK(MetricsHttpStatus("GET", "/other") == 404);
  CHECK(MetricsHttpStatus("POST", "/metrics") == 405);
  CHECK(MetricsHttpStatus("HEAD", "/metrics") == 405);
  CHECK(MetricsHttpStatus("POST", "/other") == 404);
}

TEST_CASE("metrics.listen sets the metrics address; none by default") {
  klog::broker::BrokerConfig config;
  CHECK(config.metrics.host.empty());
  REQUIRE(klog::broker::ApplyConfigSetting("metrics.listen", "[::1]:9404", &config).ok());
  CHECK(config.metrics.host == "::1");
  CHECK(config.metrics.port == 9404);
  klog::Status bad = klog::broker::ApplyConfigSetting("metrics.listen", "9404", &config);
  CHECK_FALSE(bad.ok());
  CHECK(bad.message().find("metrics.listen") != std::string::npos);
}
