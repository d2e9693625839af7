// Batch compression codecs: gzip (zlib), snappy (raw block and xerial
// framing on decode), lz4 (frame format), zstd. Decompression output is
// bounded so a hostile batch cannot make us allocate without limit.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "klog/record.h"
#include "klog/status.h"

namespace klog {

// Appends the compressed form of `in` to `out`.
Status Compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out);

// Replaces `out` with the decompressed form of `in`. Fails with Corruption if
// the input is malformed, and with TooLarge if it would decompress to more
// than `max_out` bytes (found without allocating more than max_out + 1).
Status Decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out,
                  size_t max_out = kDefaultMaxDecompressed);

}  // namespace klog
