// RecordIterator: decodes the records of one batch with every length checked
// against the end of the record and of the batch. Malformed bytes end the
// iteration with a Corruption status naming the record and the field.
#include <cassert>
#include <string>
#include <vector>

#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/compression.h"
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

// Why a record failed to decode: the field and what is wrong with it, as in
// "record 3: key length runs past the record".
struct RecordError {
  const char* field = nullptr;
  const char* why = nullptr;
};

inline const uint8_t* Failed(RecordError* err, const char* field, const char* why) {
  *err = {field, why};
  return nullptr;
}

// Reads a record's `count` headers from [p, end) into *headers (resized to
// `count`). Returns the end of the last header, or nullptr with *err set.
inline const uint8_t* ReadHeaders(const uint8_t* p, const uint8_t* end, int32_t count,
                                  std::vector<HeaderView>* headers, RecordError* err) {
  headers->resize(size_t(count));
  const char* why = nullptr;
  for (HeaderView& h : *headers) {
    std::optional<std::string_view> key;
    p = ReadBytes(p, end, &key, false, &why);
    if (p == nullptr) return Failed(err, "header key", why);
    h.key = *key;
    p = ReadBytes(p, end, &h.value, true, &why);
    if (p == nullptr) return Failed(err, "header value", why);
  }
  return p;
}

// The deltas of a decoded record, which the iterator adds to the batch's bases.
struct RecordDeltas {
  int64_t timestamp = 0;
  int32_t offset = 0;
};

// Decodes the record that starts at `p` in a records section ending at
// `end`: its length, then every field within that length, which must be
// used up exactly. Fills *deltas, out->key, out->value and *headers (out's
// other members are left alone) and returns the end of the record; on
// malformed bytes returns nullptr with *err set, the outputs partly filled.
// An offset delta outside [0, last_offset_delta] is malformed.
inline const uint8_t* DecodeRecord(const uint8_t* p, const uint8_t* end, int32_t last_offset_delta,
                                   RecordDeltas* deltas, RecordView* out,
                                   std::vector<HeaderView>* headers, RecordError* err) {
  int32_t length;
  p = ReadVarint32(p, end, &length);
  if (p == nullptr) return Failed(err, "length", "varint is truncated or too long");
  if (length < 0 || length > end - p) return Failed(err, "length", "runs past the batch");
  const uint8_t* rec_end = p + length;
  if (p == rec_end) return Failed(err, "attributes", "missing");
  ++p;  // attributes, unused

  p = GetVarint64(p, rec_end, &deltas->timestamp);
  if (p == nullptr) return Failed(err, "timestamp delta", "varint is truncated or too long");
  p = ReadVarint32(p, rec_end, &deltas->offset);
  if (p == nullptr) return Failed(err, "offset delta", "varint is truncated or too long");
  if (deltas->offset < 0 || deltas->offset > last_offset_delta) {
    return Failed(err, "offset delta", "is outside the batch's offset range");
  }
  const char* why = nullptr;
  p = ReadBytes(p, rec_end, &out->key, true, &why);
  if (p == nullptr) return Failed(err, "key", why);
  p = ReadBytes(p, rec_end, &out->value, true, &why);
  if (p == nullptr) return Failed(err, "value", why);
  int32_t header_count;
  p = ReadVarint32(p, rec_end, &header_count);
  if (p == nullptr) return Failed(err, "header count", "varint is truncated or too long");
  // Each header takes at least two bytes, which bounds a hostile count.
  if (header_count < 0 || header_count > (rec_end - p) / 2) {
    return Failed(err, "header count", "does not fit the record");
  }
  p = ReadHeaders(p, rec_end, header_count, headers, err);
  if (p == nullptr) return nullptr;
  if (p != rec_end) return Failed(err, "length", "is longer than the record's fields");
  return rec_end;
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
  RecordDeltas deltas;
  RecordError err;
  const uint8_t* rec_end =
      DecodeRecord(pos_, end_, header_.last_offset_delta, &deltas, out, &headers_, &err);
  if (rec_end == nullptr) {
    status_ =
        Status::Corruption("record " + std::to_string(index) + ": " + err.field + " " + err.why);
    remaining_ = 0;
    pos_ = end_;
    return false;
  }
  // Unsigned sums: hostile headers may overflow, which must not be undefined.
  out->offset = int64_t(uint64_t(header_.base_offset) + uint64_t(deltas.offset));
  out->timestamp = header_.log_append_time()
                       ? header_.max_timestamp
                       : int64_t(uint64_t(header_.base_timestamp) + uint64_t(deltas.timestamp));
  out->headers = std::span<const HeaderView>(headers_.data(), headers_.size());
  pos_ = rec_end;
  --remaining_;
  return true;
}

}  // namespace klog
