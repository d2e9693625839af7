// ClientOptions: what a klog::client::Client is configured with, passed in
// explicitly (no globals). Times are in milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "klog/status.h"

namespace klog::client {

// One broker address, "host:port" parsed.
struct BrokerAddress {
  std::string host;
  uint16_t port = 0;

  std::string ToString() const { return host + ":" + std::to_string(port); }
};

struct ClientOptions {
  // "host:port" of the brokers to ask first (Metadata with node id kAnyBroker
  // goes to the first of them that can be reached).
  std::vector<std::string> bootstrap;
  std::string client_id = "klog";
  // A request not answered within this time fails (Fetch gets its max_wait_ms on top).
  uint32_t request_timeout_ms = 30000;
  // Resolving, connecting and the ApiVersions exchange together.
  uint32_t connect_timeout_ms = 10000;
  // After a failed connection attempt, the next waits this long, doubled after
  // every further failure up to the maximum, back to the minimum on success.
  uint32_t reconnect_backoff_ms = 100;
  uint32_t reconnect_backoff_max_ms = 10000;
  // A response frame larger than this fails the connection (TooLarge).
  int32_t max_response_bytes = 100 * 1024 * 1024;
};

// Parses "host:port" (a port 1-65535; "[v6]:port" for an IPv6 literal).
Status ParseBrokerAddress(std::string_view text, BrokerAddress* out);

}  // namespace klog::client
