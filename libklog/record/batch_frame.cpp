// Batch framing: BatchLength to frame size and back, and the walk over the
// frames of a buffer. See klog/batch_frame.h.
#include "klog/batch_frame.h"

#include <string>
#include <utility>

#include "klog/coding.h"

namespace klog {

Result<size_t> BatchFrameSize(std::span<const uint8_t> bytes, size_t max_frame) {
  using batch::kLogOverhead;
  if (bytes.size() < kLogOverhead) {
    return Status::Corruption("batch frame needs " + std::to_string(kLogOverhead) +
                              " bytes, only " + std::to_string(bytes.size()) + " present");
  }
  const int32_t length = int32_t(GetBE32(bytes.data() + batch::kBatchLengthPos));
  if (length < int32_t(kMinBatchFrameSize - kLogOverhead)) {
    return Status::Corruption("batch length " + std::to_string(length) + " is below the " +
                              std::to_string(kMinBatchFrameSize - kLogOverhead) + "-byte minimum");
  }
  const size_t frame = size_t(length) + kLogOverhead;
  if (frame > max_frame) {
    return Status::TooLarge(std::to_string(frame) + " bytes is over the limit of " +
                            std::to_string(max_frame));
  }
  return frame;
}

void SetBatchLength(std::span<uint8_t> frame) {
  PutBE32(frame.data() + batch::kBatchLengthPos, uint32_t(frame.size() - batch::kLogOverhead));
}

bool BatchFrameIterator::Stop(Status why, bool partial) {
  stopped_ = true;
  partial_ = partial;
  status_ = std::move(why);
  return false;
}

bool BatchFrameIterator::Next(std::span<const uint8_t>* batch) {
  if (stopped_) return false;
  const std::span<const uint8_t> rest = bytes_.subspan(pos_);
  if (rest.empty()) return Stop(Status::Ok(), false);  // the clean end
  if (rest.size() < batch::kLogOverhead) {
    return Stop(Status::Corruption("partial batch: " + std::to_string(rest.size()) +
                                   " bytes, short of the " + std::to_string(batch::kLogOverhead) +
                                   "-byte frame header"),
                true);
  }
  Result<size_t> frame = BatchFrameSize(rest, max_frame_);
  if (!frame.ok()) return Stop(frame.status(), false);
  if (*frame > rest.size()) {
    return Stop(Status::Corruption("partial batch: " + std::to_string(rest.size()) + " of " +
                                   std::to_string(*frame) + " bytes present"),
                true);
  }
  *batch = rest.first(*frame);
  pos_ += *frame;
  return true;
}

}  // namespace klog
