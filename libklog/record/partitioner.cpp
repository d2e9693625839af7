// Kafka's Java murmur2 (Utils.murmur2) and the key → partition rule.
#include "klog/partitioner.h"

#include <cassert>

namespace klog {

uint32_t Murmur2(std::string_view key) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const size_t len = key.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(len);
  const size_t words = len / 4;
  for (size_t i = 0; i < words; ++i) {
    const uint8_t* w = data + 4 * i;
    uint32_t k = uint32_t(w[0]) | uint32_t(w[1]) << 8 | uint32_t(w[2]) << 16 | uint32_t(w[3]) << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const uint8_t* tail = data + 4 * words;
  switch (len % 4) {
    case 3:
      h ^= uint32_t(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t(tail[0]);
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

int32_t PartitionForKey(std::string_view key, int32_t partitions) {
  assert(partitions > 0);
  return static_cast<int32_t>((Murmur2(key) & 0x7fffffffu) % uint32_t(partitions));
}

}  // namespace klog
