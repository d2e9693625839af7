// Fixed-width big-endian integers and Kafka varints (zigzag, LEB128), as used by
// RecordBatch v2 (klog-format(5)). Decoders are bounds-checked: they never read
// past `end` and report failure instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace klog {

inline void PutBE16(uint8_t* p, uint16_t v) {
  p[0] = v >> 8;
  p[1] = v;
}
inline void PutBE32(uint8_t* p, uint32_t v) {
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}
inline void PutBE64(uint8_t* p, uint64_t v) {
  PutBE32(p, static_cast<uint32_t>(v >> 32));
  PutBE32(p + 4, static_cast<uint32_t>(v));
}
inline uint16_t GetBE16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t GetBE32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
inline uint64_t GetBE64(const uint8_t* p) { return uint64_t(GetBE32(p)) << 32 | GetBE32(p + 4); }

inline uint32_t ZigZag32(int32_t n) { return (uint32_t(n) << 1) ^ uint32_t(n >> 31); }
inline uint64_t ZigZag64(int64_t n) { return (uint64_t(n) << 1) ^ uint64_t(n >> 63); }
inline int32_t UnZigZag32(uint32_t n) { return int32_t(n >> 1) ^ -int32_t(n & 1); }
inline int64_t UnZigZag64(uint64_t n) { return int64_t(n >> 1) ^ -int64_t(n & 1); }

constexpr size_t kMaxVarint32Bytes = 5;
constexpr size_t kMaxVarint64Bytes = 10;

// Writes an unsigned LEB128 varint; returns the byte after it. `p` needs room
// for kMaxVarint64Bytes.
inline uint8_t* PutUVarint64(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}
inline uint8_t* PutVarint32(uint8_t* p, int32_t v) { return PutUVarint64(p, ZigZag32(v)); }
inline uint8_t* PutVarint64(uint8_t* p, int64_t v) { return PutUVarint64(p, ZigZag64(v)); }
inline size_t UVarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline size_t Varint32Length(int32_t v) { return UVarintLength(ZigZag32(v)); }
inline size_t Varint64Length(int64_t v) { return UVarintLength(ZigZag64(v)); }

// Reads an unsigned LEB128 varint of at most `max_bytes` bytes from [p, end).
// Returns the byte after it, or nullptr if truncated or too long.
inline const uint8_t* GetUVarint64(const uint8_t* p, const uint8_t* end, uint64_t* v,
                                   size_t max_bytes = kMaxVarint64Bytes) {
  uint64_t result = 0;
  for (size_t i = 0; i < max_bytes && p < end; ++i) {
    uint8_t byte = *p++;
    result |= uint64_t(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}
inline const uint8_t* GetVarint32(const uint8_t* p, const uint8_t* end, int32_t* v) {
  uint64_t u;
  p = GetUVarint64(p, end, &u, kMaxVarint32Bytes);
  if (p == nullptr || u > 0xffffffffu) return nullptr;
  *v = UnZigZag32(static_cast<uint32_t>(u));
  return p;
}
inline const uint8_t* GetVarint64(const uint8_t* p, const uint8_t* end, int64_t* v) {
  uint64_t u;
  p = GetUVarint64(p, end, &u, kMaxVarint64Bytes);
  if (p == nullptr) return nullptr;
  *v = UnZigZag64(u);
  return p;
}

}  // namespace klog
