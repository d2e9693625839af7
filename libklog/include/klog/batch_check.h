// Validation of a RecordBatch v2 sent by a client, before it is appended:
// everything a reader will need to decode every record of it later, checked
// once, so that no batch that cannot be read gets into a log.
//
// The rules (man/klog-protocol.7, "Produce"):
//   - the header parses (ParseBatchHeader) and its length is the batch's;
//   - the CRC-32C matches;
//   - RecordsCount > 0 and RecordsCount == LastOffsetDelta + 1;
//   - not a control batch (only the broker writes those);
//   - a ProducerId >= 0 comes with a BaseSequence >= 0;
//   - the records section, decompressed if the batch is compressed, is at
//     most `max_records_bytes` (decompression stops there: a small batch
//     that would expand without bound costs no more than the bound);
//   - every record decodes (RecordIterator: lengths, varints, headers), its
//     offset delta is its index (0, 1, ..., RecordsCount - 1), it has a key
//     when keys are required, and no bytes follow the last record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "klog/record.h"
#include "klog/status.h"

namespace klog {

struct BatchCheckOptions {
  // Bound on the records section after decompression (on the records
  // section itself when the batch is not compressed): the topic's
  // max.message.bytes.
  size_t max_records_bytes = size_t(1) << 20;
  // Every record must have a key (not null): the topic is compacted.
  bool require_keys = false;
};

// Checks batches one at a time, reusing one RecordIterator (and so its
// decompression buffer, which grows to the largest batch's records, at most
// max_records_bytes + 1): no allocation per record, none per batch once the
// buffers have grown. Not thread-safe: keep one per thread.
class BatchChecker {
 public:
  BatchChecker();

  // Checks `batch`, exactly one whole batch. `position` (where the batch
  // starts in the caller's buffer) only names it in errors, which read
  // "batch at byte P: record I: <field> <what is wrong>". Returns:
  //   Corruption      damaged bytes: header, length, CRC, a record's
  //                   framing, compressed data that does not decode;
  //   InvalidArgument well-formed bytes that break a rule: record count,
  //                   offset deltas, control batch, producer fields, key;
  //   TooLarge        the records section is over max_records_bytes.
  Status Check(std::span<const uint8_t> batch, const BatchCheckOptions& options,
               size_t position = 0);
  // The same, for a batch whose header the caller has parsed already
  // (ParseBatchHeader's reading of `batch`, as a BatchList holds it): the
  // header is not parsed again.
  Status Check(std::span<const uint8_t> batch, const BatchHeader& header,
               const BatchCheckOptions& options, size_t position = 0);

  // The header of the batch last given to Check (valid once it passed).
  const BatchHeader& header() const { return header_; }

 private:
  // Checks header_, the header of `batch`.
  Status CheckHeader(std::span<const uint8_t> batch, const BatchCheckOptions& options);
  Status CheckRecords(std::span<const uint8_t> batch, const BatchCheckOptions& options);

  BatchHeader header_;
  RecordIterator records_;
};

}  // namespace klog
