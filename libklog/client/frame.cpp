#include "client/frame.h"

#include <algorithm>
#include <string>

namespace klog::client {

Status FrameAssembler::Feed(std::span<const uint8_t>* data,
                            std::optional<std::vector<uint8_t>>* frame) {
  while (!data->empty()) {
    if (header_len_ < 4) {
      size_t n = std::min(4 - header_len_, data->size());
      std::copy_n(data->begin(), n, header_ + header_len_);
      header_len_ += n;
      *data = data->subspan(n);
      if (header_len_ < 4) return Status::Ok();
      int32_t size = static_cast<int32_t>(uint32_t(header_[0]) << 24 | uint32_t(header_[1]) << 16 |
                                          uint32_t(header_[2]) << 8 | uint32_t(header_[3]));
      if (size < 0) {
        return Status::Corruption("frame size " + std::to_string(size) + " is negative");
      }
      if (size > max_frame_) {
        return Status::TooLarge("frame size " + std::to_string(size) + " is over the limit of " +
                                std::to_string(max_frame_) + " bytes");
      }
      want_ = static_cast<size_t>(size);
      body_.clear();
      body_.reserve(want_);
    }
    size_t n = std::min(want_ - body_.size(), data->size());
    body_.insert(body_.end(), data->begin(), data->begin() + static_cast<ptrdiff_t>(n));
    *data = data->subspan(n);
    if (body_.size() == want_) {
      frame->emplace(std::move(body_));
      body_ = {};
      header_len_ = 0;
      want_ = 0;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace klog::client
