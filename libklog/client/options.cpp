#include "client/options.h"

#include <charconv>

namespace klog::client {

Status ParseBrokerAddress(std::string_view text, BrokerAddress* out) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("broker address '" + std::string(text) +
                                   "': expected host:port");
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return Status::InvalidArgument("broker address '" + std::string(text) +
                                   "': port must be 1-65535");
  }
  out->host = std::string(host);
  out->port = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace klog::client
