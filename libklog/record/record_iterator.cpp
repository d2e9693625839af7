// RecordIterator: decodes the records of one batch with every length checked
// against the end of the record and of the batch. Malformed bytes end the
// iteration with a Corruption status naming the record and the field.
#include <cassert>
#include <string>

#include "klog/batch_format.h"
#include "klog/compression.h"
#include "klog/coding.h"
#include "klog/record.h"

namespace klog {
namespace {

// Reads a zigzag varint32, with a fast path for the common one-byte case.
inline const uint8_t* ReadVarint32(const uint8_t* p, const uint8_t* end, int32_t* v) {
  if (p < end && *p < 0x80) {
    *v = UnZigZag32(*p);
    return p + 1;
  }
  return GetVarint32(p, end, v);
}

// Reads a length-prefixed byte field (-1 = null) within [p, end).
// Returns nullptr with *why set when the field is malformed.
inline const uint8_t* ReadBytes(const uint8_t* p, const uint8_t* end,
                                std::optional<std::string_view>* out, bool nullable,
                                const char** why) {
  int32_t len;
  p = ReadVarint32(p, end, &len);
  if (p == nullptr) {
    *why = "length varint is truncated or too long";
    return nullptr;
  }
  if (len < 0) {
    if (len == -1 && nullable) {
      out->reset();
      return p;
    }
    *why = "length is negative";
    return nullptr;
  }
  if (len > end - p) {
    *why = "length runs past the record";
    return nullptr;
  }
  *out = std::string_view(reinterpret_cast<const char*>(p), size_t(len));
  return p + len;
}

}  // namespace

RecordIterator::RecordIterator() = default;
RecordIterator::~RecordIterator() = default;
RecordIterator::RecordIterator(RecordIterator&&) noexcept = default;
RecordIterator& RecordIterator::operator=(RecordIterator&&) noexcept = default;

Status RecordIterator::Reset(std::span<const uint8_t> batch, size_t max_decompressed) {
  pos_ = end_ = nullptr;
  remaining_ = 0;
  status_ = ParseBatchHeader(batch, &header_);
  if (!status_.ok()) return status_;
  if (size_t(header_.size()) != batch.size()) {
    status_ = Status::Corruption("batch length says " + std::to_string(header_.size()) +
                                 " bytes but " + std::to_string(batch.size()) + " were given");
    return status_;
  }
  return Reset(batch, header_, max_decompressed);
}

Status RecordIterator::Reset(std::span<const uint8_t> batch, const BatchHeader& header,
                             size_t max_decompressed) {
  assert(batch.size() >= batch::kHeaderSize && size_t(header.size()) == batch.size());
  header_ = header;
  pos_ = end_ = nullptr;
  remaining_ = 0;
  status_ = Status::Ok();
  std::span<const uint8_t> records = batch.subspan(batch::kHeaderSize);
  Compression codec = header_.compression();
  // An empty batch (left by compaction) has no records section to decompress.
  if (codec == Compression::kNone || (records.empty() && header_.records_count == 0)) {
    pos_ = records.data();
    end_ = records.data() + records.size();
  } else {
    if (int(codec) > int(Compression::kZstd)) {
      status_ = Status::Corruption("unknown compression codec " + std::to_string(int(codec)));
      return status_;
    }
    if (!decompressor_) decompressor_ = std::make_unique<Decompressor>();
    Result<std::span<const uint8_t>> plain =
        decompressor_->Decompress(codec, records, max_decompressed);
    if (!plain.ok()) {
      status_ = plain.status();
      return status_;
    }
    pos_ = plain->data();
    end_ = plain->data() + plain->size();
  }
  remaining_ = header_.records_count;
  return status_;
}

bool RecordIterator::Next(RecordView* out) {
  if (!status_.ok()) return false;
  const int index = header_.records_count - remaining_;  // of the record being read
  auto fail = [&](const char* field, const char* why) {
    status_ = Status::Corruption("record " + std::to_string(index) + ": " + field + " " + why);
    remaining_ = 0;
    pos_ = end_;
    return false;
  };
  if (remaining_ == 0) {
    if (pos_ != end_) {
      status_ = Status::Corruption(std::to_string(end_ - pos_) + " bytes follow record " +
                                   std::to_string(index - 1) + ", the last of " +
                                   std::to_string(header_.records_count));
      pos_ = end_;
    }
    return false;
  }
  if (pos_ == end_) {
    status_ = Status::Corruption("batch says " + std::to_string(header_.records_count) +
                                 " records but its data ends after " + std::to_string(index));
    remaining_ = 0;
    return false;
  }
  int32_t length;
  const uint8_t* p = ReadVarint32(pos_, end_, &length);
  if (p == nullptr) return fail("length", "varint is truncated or too long");
  if (length < 0 || length > end_ - p) return fail("length", "runs past the batch");
  const uint8_t* rec_end = p + length;
  if (p == rec_end) return fail("attributes", "missing");
  ++p;  // attributes, unused

  int64_t ts_delta;
  int32_t offset_delta;
  p = GetVarint64(p, rec_end, &ts_delta);
  if (p == nullptr) return fail("timestamp delta", "varint is truncated or too long");
  p = ReadVarint32(p, rec_end, &offset_delta);
  if (p == nullptr) return fail("offset delta", "varint is truncated or too long");
  if (offset_delta < 0 || offset_delta > header_.last_offset_delta) {
    return fail("offset delta", "is outside the batch's offset range");
  }
  const char* why = nullptr;
  p = ReadBytes(p, rec_end, &out->key, true, &why);
  if (p == nullptr) return fail("key", why);
  p = ReadBytes(p, rec_end, &out->value, true, &why);
  if (p == nullptr) return fail("value", why);
  int32_t header_count;
  p = ReadVarint32(p, rec_end, &header_count);
  if (p == nullptr) return fail("header count", "varint is truncated or too long");
  // Each header takes at least two bytes, which bounds a hostile count.
  if (header_count < 0 || header_count > (rec_end - p) / 2) {
    return fail("header count", "does not fit the record");
  }
  headers_.resize(size_t(header_count));
  for (HeaderView& h : headers_) {
    std::optional<std::string_view> key;
    p = ReadBytes(p, rec_end, &key, false, &why);
    if (p == nullptr) return fail("header key", why);
    h.key = *key;
    p = ReadBytes(p, rec_end, &h.value, true, &why);
    if (p == nullptr) return fail("header value", why);
  }
  if (p != rec_end) return fail("length", "is longer than the record's fields");

  // Unsigned sums: hostile headers may overflow, which must not be undefined.
  out->offset = int64_t(uint64_t(header_.base_offset) + uint64_t(offset_delta));
  out->timestamp = header_.log_append_time()
                       ? header_.max_timestamp
                       : int64_t(uint64_t(header_.base_timestamp) + uint64_t(ts_delta));
  out->headers = std::span<const HeaderView>(headers_.data(), headers_.size());
  pos_ = rec_end;
  --remaining_;
  return true;
}

}  // namespace klog
