// Batch compression codecs: gzip (zlib), snappy (raw block and xerial
// framing on decode), lz4 (frame format), zstd. Decompression output is
// bounded so a hostile batch cannot make us allocate without limit.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "klog/record.h"
#include "klog/status.h"

namespace klog {

// Appends the compressed form of `in` to `out`.
Status Compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out);

// Decompresses batch after batch, keeping the codecs' contexts and the
// output buffer from one call to the next: once the buffer has grown to the
// largest output, a call allocates nothing and makes no system call (a
// fresh zstd context is over 100 KiB, which malloc takes from mmap, and
// costs more than decoding a 16 KiB batch). Not thread-safe: one per thread
// (each RecordIterator has its own).
class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // The decompressed form of `in`, valid until the next call. Corruption if
  // the input is malformed; TooLarge if it would decompress to more than
  // `max_out` bytes, found without ever holding more than max_out + 1.
  Result<std::span<const uint8_t>> Decompress(Compression codec, std::span<const uint8_t> in,
                                              size_t max_out = kDefaultMaxDecompressed);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-off form of Decompressor::Decompress: replaces `out` with the
// decompressed form of `in` (emptied on error).
Status Decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out,
                  size_t max_out = kDefaultMaxDecompressed);

}  // namespace klog
