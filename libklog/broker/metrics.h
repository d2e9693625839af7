// Metrics: the broker's counters, gauges and latency histograms, and their
// rendering in the Prometheus text exposition format (version 0.0.4). The
// names and what each one counts are listed in klog-serve(1), METRICS.
//
// The broker updates them from the loop thread through one-line hooks:
// Dispatch counts requests, the Responder reports each answer (with the
// time since dispatch) or a connection closed instead of an answer,
// Connection counts socket bytes and the Server counts connections (and,
// through LoopLag, how late its loop runs); the
// group coordinator counts what it could not load at start. Plain
// integers: loop thread only, never touched from the thread pool. Nothing
// here is per record.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "proto/schema.h"

namespace klog::broker {

// A latency histogram with fixed buckets (upper bounds in seconds, see
// kBoundsNs). Observations are in nanoseconds.
class LatencyHistogram {
 public:
  static constexpr std::array<uint64_t, 16> kBoundsNs = {
      100'000,       250'000,       500'000,       1'000'000,     2'500'000,   5'000'000,
      10'000'000,    25'000'000,    50'000'000,    100'000'000,   250'000'000, 500'000'000,
      1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

  void Observe(uint64_t ns);
  uint64_t count() const { return count_; }
  uint64_t sum_ns() const { return sum_ns_; }
  // Observations <= kBoundsNs[i] (cumulative, as the format wants).
  uint64_t CumulativeCount(size_t i) const;

 private:
  std::array<uint64_t, kBoundsNs.size()> in_bucket_{};  // not cumulative; above all bounds: none
  uint64_t count_ = 0;
  uint64_t sum_ns_ = 0;
};

// One partition's line of klog_log_end_offset.
struct PartitionEnd {
  std::string topic;
  int32_t partition = 0;
  int64_t end_offset = 0;
};

class Metrics {
 public:
  // API keys above this share no counters (none is served).
  static constexpr int16_t kMaxApiKey = 127;

  // A request of a known API key was decoded and is handed to its handler.
  void OnRequest(int16_t api_key);
  // Its response was completed (sent, or deliberately none: Produce acks=0)
  // `elapsed_ns` after dispatch; `error` when it carries an error code.
  void OnAnswer(int16_t api_key, bool error, uint64_t elapsed_ns);
  // It was answered by closing the connection (or dropped): an error.
  void OnUnanswered(int16_t api_key);

  void AddBytesIn(uint64_t n) { bytes_in_ += n; }
  void AddBytesOut(uint64_t n) { bytes_out_ += n; }
  void OnConnectionAccepted() { ++connections_accepted_; }
  void SetOpenConnections(uint64_t n) { connections_open_ = n; }
  // Loading __consumer_offsets skipped `n` records that do not decode /
  // dropped `n` bytes of damaged or torn batches.
  void AddOffsetRecordsSkipped(uint64_t n) { offset_records_skipped_ += n; }
  void AddOffsetBytesDropped(uint64_t n) { offset_bytes_dropped_ += n; }
  // Bytes reserved by requests being read or handled, and connections
  // waiting for such a reservation (Server::ReserveRequestMemory).
  void SetRequestMemory(uint64_t bytes, uint64_t waiting) {
    request_memory_bytes_ = bytes;
    connections_waiting_for_memory_ = waiting;
  }

  // The loop thread ran a timer `ns` nanoseconds after it was due (LoopLag).
  void OnLoopLag(uint64_t ns) {
    loop_lag_.Observe(ns);
    if (ns > loop_lag_max_ns_) loop_lag_max_ns_ = ns;
  }

  uint64_t requests(int16_t api_key) const;
  uint64_t errors(int16_t api_key) const;
  const LatencyHistogram& produce_latency() const { return produce_latency_; }
  const LatencyHistogram& fetch_latency() const { return fetch_latency_; }
  const LatencyHistogram& loop_lag() const { return loop_lag_; }
  uint64_t loop_lag_max_ns() const { return loop_lag_max_ns_; }

  // Appends the whole exposition to *out: every metric with its HELP and
  // TYPE lines, one requests/errors line per API of the protocol registry,
  // and one klog_log_end_offset line per entry of `partitions`.
  void Render(std::span<const PartitionEnd> partitions, std::string* out) const;

 private:
  static bool Counted(int16_t api_key) { return api_key >= 0 && api_key <= kMaxApiKey; }

  std::array<uint64_t, kMaxApiKey + 1> requests_{};
  std::array<uint64_t, kMaxApiKey + 1> errors_{};
  LatencyHistogram produce_latency_;
  LatencyHistogram fetch_latency_;
  LatencyHistogram loop_lag_;
  uint64_t loop_lag_max_ns_ = 0;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  uint64_t connections_accepted_ = 0;
  uint64_t connections_open_ = 0;
  uint64_t offset_records_skipped_ = 0;
  uint64_t offset_bytes_dropped_ = 0;
  uint64_t request_memory_bytes_ = 0;
  uint64_t connections_waiting_for_memory_ = 0;
};

// Appends `value` as the inside of a quoted label value: backslash, double
// quote and newline escaped as the format requires.
void AppendLabelValue(std::string_view value, std::string* out);

// A field visitor (see proto/schema.h) that looks for a non-zero int16
// field named "error_code" anywhere in a message, arrays of structs
// included. Its cost is one step per struct and field, never per record.
class ErrorCodeScan {
 public:
  bool found() const { return found_; }

  template <class T>
  void operator()(const char* name, T& field, proto::Ver = {}) {
    if (found_) return;
    if constexpr (std::is_same_v<T, int16_t>) {
      if (field != 0 && std::strcmp(name, "error_code") == 0) found_ = true;
    } else {
      Visit(field);
    }
  }

 private:
  template <class T>
  void Visit(T&) {}
  template <class E>
  void Visit(std::vector<E>& v) {
    if constexpr (proto::HasFields<E, ErrorCodeScan>) {
      for (E& e : v) e.Fields(*this);
    }
  }
  template <class E>
  void Visit(std::optional<std::vector<E>>& v) {
    if (v) Visit(*v);
  }

  bool found_ = false;
};

// True when a response message carries a non-zero error code anywhere.
template <class Msg>
bool ResponseHasError(const Msg& msg) {
  ErrorCodeScan scan;
  // The scan only reads; Fields() is non-const so one method serves every visitor.
  const_cast<Msg&>(msg).Fields(scan);
  return scan.found();
}

}  // namespace klog::broker
