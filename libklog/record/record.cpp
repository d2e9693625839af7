// RecordBatch v2: codec names, header decoding, CRC, stamping and building.
// The record iterator is in record_iterator.cpp.
#include "klog/record.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstring>
#include <string>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/compression.h"

namespace klog {

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<Compression> ParseCompression(std::string_view name) {
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                        Compression::kLz4, Compression::kZstd}) {
    if (name == CompressionName(c)) return c;
  }
  return Status::InvalidArgument("unknown compression codec '" + std::string(name) +
                                 "' (expected none, gzip, snappy, lz4 or zstd)");
}

Status ParseBatchHeader(std::span<const uint8_t> bytes, BatchHeader* out) {
  using namespace batch;
  if (bytes.size() < kHeaderSize) {
    return Status::Corruption("batch header needs " + std::to_string(kHeaderSize) +
                              " bytes, only " + std::to_string(bytes.size()) + " present");
  }
  const uint8_t* p = bytes.data();
  BatchHeader h;
  h.base_offset = int64_t(GetBE64(p + kBaseOffsetPos));
  h.batch_length = int32_t(GetBE32(p + kBatchLengthPos));
  h.leader_epoch = int32_t(GetBE32(p + kLeaderEpochPos));
  h.magic = int8_t(p[kMagicPos]);
  h.crc = GetBE32(p + kCrcPos);
  h.attributes = int16_t(GetBE16(p + kAttributesPos));
  h.last_offset_delta = int32_t(GetBE32(p + kLastOffsetDeltaPos));
  h.base_timestamp = int64_t(GetBE64(p + kBaseTimestampPos));
  h.max_timestamp = int64_t(GetBE64(p + kMaxTimestampPos));
  h.producer_id = int64_t(GetBE64(p + kProducerIdPos));
  h.producer_epoch = int16_t(GetBE16(p + kProducerEpochPos));
  h.base_sequence = int32_t(GetBE32(p + kBaseSequencePos));
  h.records_count = int32_t(GetBE32(p + kRecordsCountPos));
  if (h.magic != kMagic) {
    return Status::Corruption("magic " + std::to_string(h.magic) + ", expected 2");
  }
  if (h.batch_length < int32_t(kMinBatchFrameSize - kLogOverhead)) {
    return Status::Corruption("batch length " + std::to_string(h.batch_length) +
                              " is below the 49-byte minimum");
  }
  if (h.base_offset < 0) {
    return Status::Corruption("negative base offset " + std::to_string(h.base_offset));
  }
  if (h.last_offset_delta < 0) {
    return Status::Corruption("negative last offset delta " + std::to_string(h.last_offset_delta));
  }
  if (h.records_count < 0 || int64_t(h.records_count) > int64_t(h.last_offset_delta) + 1) {
    return Status::Corruption("records count " + std::to_string(h.records_count) +
                              " does not fit last offset delta " +
                              std::to_string(h.last_offset_delta));
  }
  *out = h;
  return Status::Ok();
}

bool BatchCrcOk(std::span<const uint8_t> batch) {
  if (batch.size() < batch::kHeaderSize) return false;
  uint32_t stored = GetBE32(batch.data() + batch::kCrcPos);
  return Crc32c(batch.data() + batch::kCrcStart, batch.size() - batch::kCrcStart) == stored;
}

void StampBatch(std::span<uint8_t> batch, int64_t base_offset, int32_t leader_epoch) {
  assert(batch.size() >= batch::kHeaderSize);
  PutBE64(batch.data() + batch::kBaseOffsetPos, uint64_t(base_offset));
  PutBE32(batch.data() + batch::kLeaderEpochPos, uint32_t(leader_epoch));
}

void StampLogAppendTime(std::span<uint8_t> batch, int64_t append_ms) {
  assert(batch.size() >= batch::kHeaderSize);
  uint8_t* p = batch.data();
  uint16_t attributes = GetBE16(p + batch::kAttributesPos) | batch::kTimestampTypeBit;
  PutBE16(p + batch::kAttributesPos, attributes);
  PutBE64(p + batch::kMaxTimestampPos, uint64_t(append_ms));
  PutBE32(p + batch::kCrcPos, Crc32c(p + batch::kCrcStart, batch.size() - batch::kCrcStart));
}

Result<size_t> NextBatchSize(std::span<const uint8_t> bytes) {
  using namespace batch;
  if (bytes.size() < kLogOverhead) return size_t(0);
  Result<size_t> frame = BatchFrameSize(bytes);
  if (!frame.ok()) return frame.status();
  if (bytes.size() > kMagicPos && int8_t(bytes[kMagicPos]) != kMagic) {
    return Status::Corruption("magic " + std::to_string(int8_t(bytes[kMagicPos])) + ", expected 2");
  }
  if (bytes.size() < *frame) return size_t(0);
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(bytes, &h));
  return *frame;
}

// ---- BatchBuilder ----

BatchBuilder::BatchBuilder() { Reset(0); }

void BatchBuilder::Reset(int64_t base_timestamp) {
  buf_.resize(batch::kHeaderSize);
  out_.clear();
  base_timestamp_ = base_timestamp;
  max_timestamp_ = base_timestamp;
  count_ = 0;
}

size_t BatchBuilder::size_estimate() const { return buf_.size(); }

namespace {

inline size_t BytesFieldLength(const std::optional<std::string_view>& v) {
  return v ? Varint32Length(int32_t(v->size())) + v->size() : 1;
}

inline uint8_t* PutBytesField(uint8_t* p, const std::optional<std::string_view>& v) {
  if (!v) return PutVarint32(p, -1);
  p = PutVarint32(p, int32_t(v->size()));
  if (!v->empty()) std::memcpy(p, v->data(), v->size());
  return p + v->size();
}

}  // namespace

void BatchBuilder::Add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                       std::span<const Header> headers, std::optional<int64_t> timestamp) {
  const int64_t ts = timestamp.value_or(base_timestamp_);
  // Wraps instead of overflowing (timestamps are any int64); readers add it
  // back the same way, so every timestamp round-trips.
  const int64_t ts_delta = int64_t(uint64_t(ts) - uint64_t(base_timestamp_));
  const int32_t offset_delta = count_;
  size_t body = 1 + Varint64Length(ts_delta) + Varint32Length(offset_delta) +
                BytesFieldLength(key) + BytesFieldLength(value) +
                Varint32Length(int32_t(headers.size()));
  for (const Header& h : headers) body += BytesFieldLength(h.key) + BytesFieldLength(h.value);

  const size_t start = buf_.size();
  buf_.resize(start + Varint32Length(int32_t(body)) + body);
  uint8_t* p = buf_.data() + start;
  p = PutVarint32(p, int32_t(body));
  *p++ = 0;  // record attributes, unused
  p = PutVarint64(p, ts_delta);
  p = PutVarint32(p, offset_delta);
  p = PutBytesField(p, key);
  p = PutBytesField(p, value);
  p = PutVarint32(p, int32_t(headers.size()));
  for (const Header& h : headers) {
    p = PutBytesField(p, h.key);
    p = PutBytesField(p, h.value);
  }
  assert(p == buf_.data() + buf_.size());
  max_timestamp_ = std::max(max_timestamp_, ts);
  ++count_;
}

Result<std::span<uint8_t>> BatchBuilder::Finish(Compression codec, bool log_append_time) {
  using namespace batch;
  if (count_ == 0) return Status::InvalidArgument("cannot finish a batch with no records");
  std::vector<uint8_t>* dst = &buf_;
  if (codec != Compression::kNone) {
    out_.assign(kHeaderSize, 0);
    std::span<const uint8_t> records(buf_.data() + kHeaderSize, buf_.size() - kHeaderSize);
    KLOG_RETURN_IF_ERROR(Compress(codec, records, &out_));
    dst = &out_;
  }
  if (dst->size() > kMaxBatchFrameSize) {
    return Status::TooLarge("batch of " + std::to_string(dst->size()) + " bytes is too large");
  }
  int16_t attributes = int16_t(codec) | (log_append_time ? kTimestampTypeBit : 0);
  uint8_t* p = dst->data();
  PutBE64(p + kBaseOffsetPos, 0);
  SetBatchLength(std::span<uint8_t>(dst->data(), dst->size()));
  PutBE32(p + kLeaderEpochPos, 0);
  p[kMagicPos] = uint8_t(kMagic);
  PutBE16(p + kAttributesPos, uint16_t(attributes));
  PutBE32(p + kLastOffsetDeltaPos, uint32_t(count_ - 1));
  PutBE64(p + kBaseTimestampPos, uint64_t(base_timestamp_));
  PutBE64(p + kMaxTimestampPos, uint64_t(max_timestamp_));
  PutBE64(p + kProducerIdPos, uint64_t(-1));
  PutBE16(p + kProducerEpochPos, uint16_t(-1));
  PutBE32(p + kBaseSequencePos, uint32_t(-1));
  PutBE32(p + kRecordsCountPos, uint32_t(count_));
  PutBE32(p + kCrcPos, Crc32c(p + kCrcStart, dst->size() - kCrcStart));
  return std::span<uint8_t>(dst->data(), dst->size());
}

}  // namespace klog
