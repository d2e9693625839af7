// A buffer of whole RecordBatch v2 batches, back to back, with the header of
// each, parsed once where the bytes come in (the Produce handler, a group
// commit) and handed down with them: the append checks and the writer read
// the parsed headers and never parse the bytes' headers again.
//
//   Result<BatchList> list = ParseBatchList(std::move(bytes));
//   for (size_t i = 0, pos = 0; i < list->size(); pos += list->headers[i++].size())
//     Use(list->batch(pos, i), list->headers[i]);
//
// Invariants (ParseBatchList establishes them; code that builds a BatchList
// by hand keeps them): `headers` has one entry per batch, in order; each
// header is ParseBatchHeader's reading of its batch; the frames are
// consecutive and together exactly `bytes`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "klog/record.h"
#include "klog/status.h"

namespace klog {

struct BatchList {
  std::vector<uint8_t> bytes;
  std::vector<BatchHeader> headers;

  size_t size() const { return headers.size(); }
  // Batch `i`, which starts at byte `position` (the sum of the sizes of the
  // batches before it).
  std::span<uint8_t> batch(size_t position, size_t i) {
    return std::span<uint8_t>(bytes).subspan(position, size_t(headers[i].size()));
  }
  // True if any batch is compressed (reads the parsed headers only).
  bool AnyCompressed() const;
};

// Parses the header of every batch of `bytes`. Fails with Corruption naming
// the byte position of the first batch whose frame or header is not sound
// or that runs past the end of `bytes` ("batch at byte P: ..."); an empty
// buffer is an empty list.
Result<BatchList> ParseBatchList(std::vector<uint8_t> bytes);

}  // namespace klog
