// Framing of RecordBatch v2 in a buffer of concatenated batches. Every batch
// starts with its BaseOffset (int64) and BatchLength (int32); BatchLength
// counts the bytes after itself, so a batch's frame, the whole batch, is
// BatchLength + batch::kLogOverhead bytes (man/klog-format.5). This file is
// the one place that turns a BatchLength into a frame size: code that walks
// batches uses BatchFrameSize or BatchFrameIterator, never the field itself.
//
// Framing reads the 12-byte frame header only. Whether the batch inside is
// sound (magic, counts, CRC, records) is for ParseBatchHeader, BatchCrcOk and
// the RecordIterator (klog/record.h), or NextBatchSize, which does both.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <span>

#include "klog/batch_format.h"
#include "klog/status.h"

namespace klog {

// The smallest frame: a batch header with no records (BatchLength 49).
inline constexpr size_t kMinBatchFrameSize = batch::kHeaderSize;
// The largest frame BatchLength (an int32) can describe; the default limit.
inline constexpr size_t kMaxBatchFrameSize = size_t(INT32_MAX) + batch::kLogOverhead;

// Returns the frame size (BatchLength + 12) of the batch that starts at
// `bytes`, reading only its first 12 bytes; `bytes` may end before the frame
// does (the caller compares the size with what it holds). Fails, with
// nothing read past the frame header:
//  - Corruption "batch frame needs 12 bytes, only N present" when `bytes` is
//    shorter than the frame header;
//  - Corruption "batch length L is below the 49-byte minimum" when
//    BatchLength is below a bare header's (negative lengths included);
//  - TooLarge "S bytes is over the limit of M" when the frame is larger than
//    `max_frame` bytes.
Result<size_t> BatchFrameSize(std::span<const uint8_t> bytes,
                              size_t max_frame = kMaxBatchFrameSize);

// Sets the BatchLength of `frame` (a whole batch, at least a header long) so
// that its frame is exactly `frame.size()` bytes. The caller guarantees the
// size is at most kMaxBatchFrameSize. BatchLength is covered by no CRC.
void SetBatchLength(std::span<uint8_t> frame);

// Walks the whole batches of a buffer, front to back, by their frames:
//
//   BatchFrameIterator frames(bytes);
//   std::span<const uint8_t> b;
//   while (frames.Next(&b)) Use(b);
//   if (!frames.status().ok()) ...;  // stopped at frames.position()
//
// Each batch yielded is a whole frame inside the buffer, at least
// kMinBatchFrameSize bytes; only its frame header has been checked. The walk
// stops at the end of the buffer with status() ok, or at the first frame
// that is not whole and sound: then position() is where that frame starts
// and status() names what is wrong with it, as BatchFrameSize does, or, for
// a frame that runs past the end of the buffer, as a Corruption beginning
// "partial batch: " with partial() true. The buffer must outlive the
// iterator; nothing is copied.
class BatchFrameIterator {
 public:
  explicit BatchFrameIterator(std::span<const uint8_t> bytes, size_t max_frame = kMaxBatchFrameSize)
      : bytes_(bytes), max_frame_(max_frame) {}

  // Sets *batch to the next whole batch and returns true; returns false,
  // leaving *batch alone, once the walk has stopped (see above).
  bool Next(std::span<const uint8_t>* batch);

  // Ok while walking and after a clean end; else why the walk stopped.
  const Status& status() const { return status_; }
  // True if the walk stopped at a frame that is sound so far but runs past
  // the end of the buffer (a torn or still-growing tail), a frame header
  // cut short included.
  bool partial() const { return partial_; }
  // Offset in the buffer of the next frame: the bytes of whole batches
  // yielded so far.
  size_t position() const { return pos_; }

 private:
  // Ends the walk with `why`; returns false for Next to return.
  bool Stop(Status why, bool partial);

  std::span<const uint8_t> bytes_;
  size_t max_frame_;
  size_t pos_ = 0;
  bool stopped_ = false;
  bool partial_ = false;
  Status status_;
};

}  // namespace klog
