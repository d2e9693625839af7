// BatchList: a buffer of batches with their headers parsed once. See
// klog/batch_list.h.
#include "klog/batch_list.h"

#include <string>
#include <utility>

#include "klog/batch_frame.h"

namespace klog {

bool BatchList::AnyCompressed() const {
  for (const BatchHeader& h : headers) {
    if (h.compression() != Compression::kNone) return true;
  }
  return false;
}

Result<BatchList> ParseBatchList(std::vector<uint8_t> bytes) {
  BatchList list;
  BatchFrameIterator frames(bytes);
  std::span<const uint8_t> b;
  size_t position = 0;
  while (frames.Next(&b)) {
    BatchHeader h;
    Status s = ParseBatchHeader(b, &h);
    if (!s.ok()) return s.WithContext("batch at byte " + std::to_string(position));
    list.headers.push_back(h);
    position = frames.position();
  }
  if (!frames.status().ok()) {
    return frames.status().WithContext("batch at byte " + std::to_string(frames.position()));
  }
  list.bytes = std::move(bytes);
  return list;
}

}  // namespace klog
