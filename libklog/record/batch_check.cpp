// BatchChecker: one pass over a client's batch, header first (cheap refusals
// before any decompression), then every record through the RecordIterator.
#include "klog/batch_check.h"

#include <string>

#include "klog/batch_format.h"
#include "klog/checksum.h"
#include "klog/coding.h"

namespace klog {
namespace {

std::string Hex32(uint32_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s = "0x00000000";
  for (int i = 9; i >= 2; --i, v >>= 4) s[size_t(i)] = kDigits[v & 0xf];
  return s;
}

}  // namespace

BatchChecker::BatchChecker() = default;

Status BatchChecker::Check(std::span<const uint8_t> batch, const BatchCheckOptions& options,
                           size_t position) {
  Status st = ParseBatchHeader(batch, &header_);
  if (!st.ok()) return st.WithContext("batch at byte " + std::to_string(position));
  return Check(batch, header_, options, position);
}

Status BatchChecker::Check(std::span<const uint8_t> batch, const BatchHeader& header,
                           const BatchCheckOptions& options, size_t position) {
  header_ = header;
  Status st = CheckHeader(batch, options);
  if (st.ok()) st = CheckRecords(batch, options);
  if (!st.ok()) return st.WithContext("batch at byte " + std::to_string(position));
  return st;
}

Status BatchChecker::CheckHeader(std::span<const uint8_t> batch, const BatchCheckOptions& options) {
  const BatchHeader& h = header_;
  if (uint64_t(h.size()) != batch.size()) {
    return Status::Corruption("batch length says " + std::to_string(h.size()) + " bytes but " +
                              std::to_string(batch.size()) + " were given");
  }
  uint32_t crc = Crc32c(batch.data() + batch::kCrcStart, batch.size() - batch::kCrcStart);
  if (crc != h.crc) {
    return Status::Corruption("CRC-32C mismatch: stored " + Hex32(h.crc) + ", computed " +
                              Hex32(crc));
  }
  if (h.records_count <= 0) return Status::InvalidArgument("no records");
  if (int64_t(h.records_count) != int64_t(h.last_offset_delta) + 1) {
    return Status::InvalidArgument(
        "records count " + std::to_string(h.records_count) + " does not match last offset delta " +
        std::to_string(h.last_offset_delta) + " (count must be delta + 1)");
  }
  if (h.is_control()) {
    return Status::InvalidArgument("control batch; only the broker writes those");
  }
  if (h.producer_id >= 0 && h.base_sequence < 0) {
    return Status::InvalidArgument("producer id " + std::to_string(h.producer_id) +
                                   " with base sequence " + std::to_string(h.base_sequence));
  }
  size_t section = batch.size() - batch::kHeaderSize;
  if (h.compression() == Compression::kNone && section > options.max_records_bytes) {
    return Status::TooLarge("records take " + std::to_string(section) +
                            " bytes, over the limit of " +
                            std::to_string(options.max_records_bytes));
  }
  return Status::Ok();
}

Status BatchChecker::CheckRecords(std::span<const uint8_t> batch,
                                  const BatchCheckOptions& options) {
  KLOG_RETURN_IF_ERROR(records_.Reset(batch, header_, options.max_records_bytes));
  const uint64_t base = uint64_t(header_.base_offset);
  RecordView rec;
  for (int32_t i = 0; records_.Next(&rec); ++i) {
    // The iterator kept the delta in [0, last offset delta]; the sum cannot wrap back.
    const uint64_t delta = uint64_t(rec.offset) - base;
    if (delta != uint64_t(i)) {
      return Status::InvalidArgument("record " + std::to_string(i) + ": offset delta " +
                                     std::to_string(delta) + ", expected " + std::to_string(i));
    }
    if (options.require_keys && !rec.key) {
      return Status::InvalidArgument(
          "record " + std::to_string(i) +
          ": key is null; a compacted topic (cleanup.policy=compact) needs one");
    }
  }
  return records_.status();
}

}  // namespace klog
