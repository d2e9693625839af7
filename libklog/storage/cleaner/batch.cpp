// BatchFilter: see batch.h.
#include "storage/cleaner/batch.h"

#include <cstring>
#include <string>
#include <string_view>

#include "klog/batch_format.h"
#include "klog/batch_frame.h"
#include "klog/checksum.h"
#include "klog/coding.h"
#include "klog/compression.h"
#include "klog/record.h"

namespace klog {

namespace {

Status Malformed(int index, const char* what) {
  return Status::Corruption("record " + std::to_string(index) + ": " + what);
}

}  // namespace

Status BatchFilter::Parse(std::span<const uint8_t> records, int32_t count) {
  recs_.clear();
  const uint8_t* p = records.data();
  const uint8_t* end = p + records.size();
  for (int i = 0; i < count; ++i) {
    RawRecord r;
    r.begin = p;
    int32_t length, key_len, value_len;
    p = GetVarint32(p, end, &length);
    if (p == nullptr || length < 1 || length > end - p) return Malformed(i, "bad length");
    r.end = p + length;
    r.attributes = *p++;
    p = GetVarint64(p, r.end, &r.timestamp_delta);
    if (p == nullptr) return Malformed(i, "bad timestamp delta");
    r.offset_delta = p;
    p = GetVarint32(p, r.end, &r.offset_delta_value);
    if (p == nullptr) return Malformed(i, "bad offset delta");
    p = GetVarint32(p, r.end, &key_len);
    if (p == nullptr || key_len < -1 || key_len > r.end - p) return Malformed(i, "bad key");
    r.has_key = key_len >= 0;
    if (r.has_key) {
      r.digest = DigestKey(std::string_view(reinterpret_cast<const char*>(p), size_t(key_len)));
      p += key_len;
    }
    if (GetVarint32(p, r.end, &value_len) == nullptr || value_len < -1) {
      return Malformed(i, "bad value");
    }
    r.tombstone = value_len == -1;
    r.keep = false;
    recs_.push_back(r);
    p = r.end;
  }
  if (p != end) return Status::Corruption("bytes follow the last record");
  return Status::Ok();
}

void BatchFilter::Decide(const Rules& rules, int64_t base_offset, int64_t old_horizon,
                         CleanResult* stats, bool* any_tombstone) {
  constexpr size_t kPrefetchAhead = 8;  // records between a slot's prefetch and its use
  for (size_t i = 0; i < recs_.size(); ++i) {
    if (i + kPrefetchAhead < recs_.size() && recs_[i + kPrefetchAhead].has_key) {
      rules.map->Prefetch(recs_[i + kPrefetchAhead].digest);
    }
    RawRecord& r = recs_[i];
    stats->records_read++;
    if (!r.has_key) {
      stats->keyless_removed++;
    } else if (rules.map->Get(r.digest) > base_offset + r.offset_delta_value) {
      // superseded by a later record of the key
    } else if (r.tombstone && old_horizon >= 0 && old_horizon <= rules.now) {
      stats->tombstones_removed++;
    } else {
      r.keep = true;
      *any_tombstone |= r.tombstone;
      stats->records_kept++;
    }
  }
}

Status BatchFilter::Rewrite(std::span<const uint8_t> batch, int64_t new_horizon, int32_t kept) {
  using namespace batch;
  int64_t old_base_ts = int64_t(GetBE64(batch.data() + kBaseTimestampPos));
  int16_t attributes = int16_t(GetBE16(batch.data() + kAttributesPos));
  bool retime = new_horizon >= 0 && !(attributes & kDeleteHorizonBit);
  records_.clear();
  for (const RawRecord& r : recs_) {
    if (!r.keep) continue;
    if (!retime) {
      records_.insert(records_.end(), r.begin, r.end);
      continue;
    }
    // The base timestamp becomes the horizon: re-encode the delta so the
    // record keeps its own timestamp.
    int64_t delta =
        int64_t(uint64_t(old_base_ts) + uint64_t(r.timestamp_delta) - uint64_t(new_horizon));
    size_t rest = size_t(r.end - r.offset_delta);
    int32_t body = int32_t(1 + Varint64Length(delta) + rest);
    size_t at = records_.size();
    records_.resize(at + Varint32Length(body) + size_t(body));
    uint8_t* p = records_.data() + at;
    p = PutVarint32(p, body);
    *p++ = r.attributes;
    p = PutVarint64(p, delta);
    std::memcpy(p, r.offset_delta, rest);
  }
  out_.assign(batch.begin(), batch.begin() + kHeaderSize);
  Compression codec = Compression(attributes & kCompressionMask);
  if (codec == Compression::kNone) {
    out_.insert(out_.end(), records_.begin(), records_.end());
  } else {
    KLOG_RETURN_IF_ERROR(Compress(codec, records_, &out_));
  }
  uint8_t* h = out_.data();
  if (retime) {
    PutBE16(h + kAttributesPos, uint16_t(attributes | kDeleteHorizonBit));
    PutBE64(h + kBaseTimestampPos, uint64_t(new_horizon));
  }
  SetBatchLength(std::span<uint8_t>(out_.data(), out_.size()));
  PutBE32(h + kRecordsCountPos, uint32_t(kept));
  PutBE32(h + kCrcPos, Crc32c(h + kCrcStart, out_.size() - kCrcStart));
  return Status::Ok();
}

Status BatchFilter::Filter(std::span<const uint8_t> batch, const Rules& rules, Outcome* outcome,
                           CleanResult* stats) {
  BatchHeader h;
  KLOG_RETURN_IF_ERROR(ParseBatchHeader(batch, &h));
  bool has_horizon = h.attributes & batch::kDeleteHorizonBit;
  horizon_ = has_horizon ? h.base_timestamp : -1;  // as Decide() must see it
  if (h.is_control()) {
    horizon_ = -1;  // transaction markers are kept as they are
    stats->records_read += h.records_count;
    stats->records_kept += h.records_count;
    *outcome = Outcome::kCopy;
    return Status::Ok();
  }
  std::span<const uint8_t> records = batch.subspan(batch::kHeaderSize);
  if (h.compression() != Compression::kNone && !records.empty()) {
    Result<std::span<const uint8_t>> plain = decompressor_.Decompress(h.compression(), records);
    if (!plain.ok()) return plain.status();
    records = *plain;
  }
  bool any_tombstone = false;
  KLOG_RETURN_IF_ERROR(Parse(records, h.records_count));
  Decide(rules, h.base_offset, horizon_, stats, &any_tombstone);
  int32_t kept = 0;
  for (const RawRecord& r : recs_) kept += r.keep;
  int64_t new_horizon = horizon_;
  if (any_tombstone && !has_horizon) new_horizon = rules.now + rules.delete_retention_ms;
  if (kept == 0) {
    *outcome = Outcome::kDrop;
  } else if (kept == h.records_count && new_horizon == horizon_) {
    *outcome = Outcome::kCopy;
  } else {
    KLOG_RETURN_IF_ERROR(Rewrite(batch, new_horizon, kept));
    *outcome = Outcome::kRewritten;
  }
  horizon_ = any_tombstone ? new_horizon : -1;
  return Status::Ok();
}

}  // namespace klog
