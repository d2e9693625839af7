// libFuzzer target: one record of __consumer_offsets (key and value as
// stored) through DecodeOffsetsRecord, which klog-serve runs on every record
// when it loads group offsets and klog-dump --verify on the internal topic.
// Input: byte 0 bit 0 = null key, bit 1 = null value; bytes 1-2 the key's
// length (big-endian, clamped); then the key; the rest is the value.
// Property: an offset commit that decodes encodes back to a value and key
// that decode to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "klog/offsets_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  size_t key_len = std::min(size - 3, size_t(data[1]) << 8 | data[2]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::optional<std::string_view> key, value;
  if (!(data[0] & 1)) key = rest.substr(0, key_len);
  if (!(data[0] & 2)) value = rest.substr(key_len);
  klog::OffsetsRecord rec;
  if (!klog::DecodeOffsetsRecord(key, value, &rec).ok()) return 0;
  if (rec.kind != klog::OffsetsRecord::Kind::kOffsetCommit || !rec.value) return 0;
  std::string k = klog::EncodeOffsetCommitKey(rec.group, rec.topic, rec.partition);
  std::string v = klog::EncodeOffsetCommitValue(*rec.value);
  klog::OffsetsRecord again;
  if (!klog::DecodeOffsetsRecord(k, v, &again).ok()) std::abort();
  if (again.group != rec.group || again.topic != rec.topic || again.partition != rec.partition ||
      again.value->offset != rec.value->offset || again.value->metadata != rec.value->metadata ||
      again.value->commit_timestamp != rec.value->commit_timestamp) {
    std::abort();
  }
  return 0;
}
