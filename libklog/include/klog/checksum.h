// The two checksums klog uses: CRC-32C (Castagnoli) inside Kafka's RecordBatch,
// computed with isa-l; and XXH3 for what klog adds beside Kafka's format
// (sealed-segment digests, checkpoint and metadata files).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace klog {

// CRC-32C of [data, data+n): reflected 0x82F63B78, init and final xor 0xFFFFFFFF.
// Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(const void* data, size_t n);

// XXH3-64 of a buffer, and its 16-digit lower-case hex form.
uint64_t Xxh3_64(const void* data, size_t n);
std::string Hex64(uint64_t v);

// Streaming XXH3-64 over a file or a sequence of buffers.
class Xxh3Stream {
 public:
  Xxh3Stream();
  ~Xxh3Stream();
  Xxh3Stream(const Xxh3Stream&) = delete;
  Xxh3Stream& operator=(const Xxh3Stream&) = delete;
  void Update(const void* data, size_t n);
  uint64_t Digest() const;

 private:
  void* state_;
};

}  // namespace klog
