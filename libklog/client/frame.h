// FrameAssembler: cuts a byte stream into size-prefixed frames (kafka-protocol.md §2.4:
// an int32 size, then that many bytes), whatever sizes the reads come in. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "klog/status.h"

namespace klog::client {

class FrameAssembler {
 public:
  // A frame over max_frame bytes (after the size prefix) is refused.
  explicit FrameAssembler(int32_t max_frame) : max_frame_(max_frame) {}

  // Consumes bytes from the front of *data until a frame completes or *data is empty. A
  // completed frame (the bytes after its size prefix) is moved into *frame, and *data is
  // left at the first byte after it, so the caller calls again with the rest. A size prefix
  // above the maximum is TooLarge, a negative one Corruption; after an error the assembler
  // must not be fed again.
  Status Feed(std::span<const uint8_t>* data, std::optional<std::vector<uint8_t>>* frame);

  // True when no partial frame is buffered.
  bool idle() const { return header_len_ == 0; }

 private:
  int32_t max_frame_;
  uint8_t header_[4] = {0, 0, 0, 0};
  size_t header_len_ = 0;  // bytes of the size prefix seen
  size_t want_ = 0;        // frame size, once the prefix is whole
  std::vector<uint8_t> body_;
};

}  // namespace klog::client
