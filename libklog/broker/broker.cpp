#include "broker/broker.h"

#include <filesystem>

namespace klog::broker {
namespace {

uint64_t Fnv1a64(const std::string& s, uint64_t seed) {
  uint64_t h = 14695981039346656037ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string ClusterIdForPath(const std::string& path) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t bytes[16];
  uint64_t a = Fnv1a64(path, 0), b = Fnv1a64(path, 0x6b6c6f67);  // "klog"
  for (int i = 0; i < 8; ++i) {
    bytes[i] = uint8_t(a >> (56 - 8 * i));
    bytes[8 + i] = uint8_t(b >> (56 - 8 * i));
  }
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t byte : bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;  // 128 bits -> 22 characters
}

Broker::Broker(BrokerConfig config)
    : config_(std::move(config)),
      own_diagnostics_(std::make_unique<Diagnostics>("klog-serve", config_.log_level)),
      diagnostics_(*own_diagnostics_),
      data_dir_(config_.data_dir),
      partitions_(config_, data_dir_, diagnostics_) {
  Init();
}

Broker::Broker(BrokerConfig config, Diagnostics& diagnostics)
    : Broker(config, DataDir(config.data_dir), diagnostics) {}

Broker::Broker(BrokerConfig config, DataDir data_dir, Diagnostics& diagnostics)
    : config_(std::move(config)),
      diagnostics_(diagnostics),
      data_dir_(std::move(data_dir)),
      partitions_(config_, data_dir_, diagnostics_) {
  Init();
}

void Broker::Init() {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(config_.data_dir, ec);
  std::filesystem::path canon = std::filesystem::weakly_canonical(abs, ec);
  cluster_id_ = ClusterIdForPath(ec ? abs.string() : canon.string());
  advertised_ = config_.advertise;
}

void Broker::SetBoundAddress(const HostPort& bound) {
  if (!config_.advertise.host.empty()) {
    advertised_ = config_.advertise;
    if (advertised_.port == 0) advertised_.port = bound.port;
    return;
  }
  advertised_ = bound;
  if (advertised_.host == "0.0.0.0" || advertised_.host == "::") advertised_.host = "127.0.0.1";
}

}  // namespace klog::broker
