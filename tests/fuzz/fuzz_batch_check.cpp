// libFuzzer target: produce-batch validation (klog/batch_check.h) and the
// RecordIterator on arbitrary bytes. The input is one batch; its last byte
// also picks the options: keys required or not, and whether to put the
// right CRC-32C in before checking (so mutations get past the CRC to the
// records). The decompression bound is small so bombs are cheap. Whatever the bytes: no crash, no
// read outside the input, no allocation beyond the bound; a batch the checker passes must iterate
// to its declared count with offsets base + 0..n-1, and with keys when they were required.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "klog/batch_check.h"
#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static klog::BatchChecker checker;  // reused, as the broker reuses one per thread
  static klog::RecordIterator it;
  static std::vector<uint8_t> copy;
  const uint8_t flags = size > 0 ? data[size - 1] : 0;
  copy.assign(data, data + size);
  if ((flags & 2) != 0 && size >= klog::batch::kHeaderSize) {
    using namespace klog::batch;
    klog::PutBE32(copy.data() + kCrcPos,
                  klog::Crc32c(copy.data() + kCrcStart, copy.size() - kCrcStart));
  }
  std::span<const uint8_t> batch(copy.data(), copy.size());
  klog::BatchCheckOptions options;
  options.max_records_bytes = size_t(64) << 10;
  options.require_keys = (flags & 1) != 0;

  klog::Status st = checker.Check(batch, options, 0);
  if (st.ok() != st.message().empty()) std::abort();  // errors always say why

  // The iterator alone, as readers use it, must hold up on the same bytes.
  klog::RecordView rec;
  int32_t n = 0;
  bool iterated = it.Reset(batch, options.max_records_bytes).ok();
  while (iterated && it.Next(&rec)) {
    if (st.ok()) {
      if (uint64_t(rec.offset) - uint64_t(it.header().base_offset) != uint64_t(n)) std::abort();
      if (options.require_keys && !rec.key) std::abort();
    }
    ++n;
  }
  if (st.ok() && (!iterated || !it.status().ok() || n != checker.header().records_count)) {
    std::abort();  // the checker passed a batch a reader cannot read whole
  }
  return 0;
}
