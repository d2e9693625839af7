// __consumer_offsets records (klog/offsets_record.h; layouts in klog-format(5)).
#include "klog/offsets_record.h"

#include "klog/coding.h"

namespace klog {
namespace {

constexpr int16_t kOffsetKeyVersion = 1;     // written; 0 shares its layout
constexpr int16_t kMaxOtherKeyVersion = 15;  // Kafka's other group coordinator records
constexpr int16_t kOffsetValueVersion = 3;   // written
constexpr int16_t kMaxValueVersion = 4;      // 4 is version 3 in Kafka's flexible encoding

// Reads big-endian fields from a byte string, bounds-checked. After the
// first failure every read returns a zero value and error() says what
// failed first.
class FieldReader {
 public:
  explicit FieldReader(std::string_view bytes) : bytes_(bytes) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  int16_t Int16() { return Need(2, "int16") ? int16_t(GetBE16(Take(2))) : 0; }
  int32_t Int32() { return Need(4, "int32") ? int32_t(GetBE32(Take(4))) : 0; }
  int64_t Int64() { return Need(8, "int64") ? int64_t(GetBE64(Take(8))) : 0; }

  // A non-nullable string: int16 length, then the bytes.
  std::string String(const char* field) {
    int16_t len = Int16();
    if (!ok()) return {};
    if (len < 0)
      return Fail(std::string(field) + " string length " + std::to_string(len) + " is negative");
    return Need(size_t(len), field) ? Bytes(size_t(len)) : std::string();
  }

  // A non-nullable compact string: unsigned varint length + 1, then the bytes.
  std::string CompactString(const char* field) {
    uint64_t n = UVarint(field);
    if (!ok()) return {};
    if (n == 0) return Fail(std::string(field) + " is null");
    return Need(size_t(n - 1), field) ? Bytes(size_t(n - 1)) : std::string();
  }

  // Tagged fields (flexible versions): a count, then (tag, size, bytes) each.
  void SkipTaggedFields() {
    uint64_t count = UVarint("tagged field count");
    for (uint64_t i = 0; ok() && i < count; ++i) {
      UVarint("tag");
      uint64_t size = UVarint("tagged field size");
      if (ok() && Need(size_t(size), "tagged field")) Take(size_t(size));
    }
  }

 private:
  bool Need(size_t n, const char* what) {
    if (!ok()) return false;
    if (n <= bytes_.size() - pos_) return true;
    Fail(std::string(what) + " needs " + std::to_string(n) + " bytes at byte " +
         std::to_string(pos_) + ", " + std::to_string(bytes_.size() - pos_) + " left");
    return false;
  }
  const uint8_t* Take(size_t n) {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes_.data()) + pos_;
    pos_ += n;
    return p;
  }
  std::string Bytes(size_t n) { return std::string(reinterpret_cast<const char*>(Take(n)), n); }
  uint64_t UVarint(const char* what) {
    if (!ok()) return 0;
    const uint8_t* begin = reinterpret_cast<const uint8_t*>(bytes_.data()) + pos_;
    const uint8_t* end = reinterpret_cast<const uint8_t*>(bytes_.data()) + bytes_.size();
    uint64_t v = 0;
    const uint8_t* next = GetUVarint64(begin, end, &v, kMaxVarint32Bytes);
    if (next == nullptr || v > 0x7fffffff) {
      Fail(std::string(what) + ": bad varint at byte " + std::to_string(pos_));
      return 0;
    }
    pos_ += size_t(next - begin);
    return v;
  }
  std::string Fail(std::string message) {
    if (ok()) error_ = std::move(message);
    return {};
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  std::string error_;
};

void PutString(std::string_view s, std::string* out) {
  uint8_t len[2];
  PutBE16(len, uint16_t(s.size()));
  out->append(reinterpret_cast<const char*>(len), 2).append(s);
}

template <class T>
void PutInt(T v, std::string* out) {
  uint8_t b[8];
  if constexpr (sizeof(T) == 2) PutBE16(b, uint16_t(v));
  if constexpr (sizeof(T) == 4) PutBE32(b, uint32_t(v));
  if constexpr (sizeof(T) == 8) PutBE64(b, uint64_t(v));
  out->append(reinterpret_cast<const char*>(b), sizeof(T));
}

Status DecodeValue(std::string_view value, const std::string& group, OffsetCommitValue* out) {
  FieldReader r(value);
  int16_t version = r.Int16();
  if (r.ok() && (version < 0 || version > kMaxValueVersion)) {
    return Status::Corruption("offset commit value of group '" + group + "': version " +
                              std::to_string(version) + " is unknown");
  }
  out->offset = r.Int64();
  if (version >= 3) out->leader_epoch = r.Int32();
  out->metadata = version >= 4 ? r.CompactString("metadata") : r.String("metadata");
  out->commit_timestamp = r.Int64();
  if (version == 1) r.Int64();  // expire timestamp: not used
  if (version >= 4) r.SkipTaggedFields();
  if (!r.ok()) {
    return Status::Corruption("offset commit value of group '" + group + "': " + r.error());
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeOffsetCommitKey(std::string_view group, std::string_view topic,
                                  int32_t partition) {
  std::string out;
  PutInt(kOffsetKeyVersion, &out);
  PutString(group, &out);
  PutString(topic, &out);
  PutInt(partition, &out);
  return out;
}

std::string EncodeOffsetCommitValue(const OffsetCommitValue& v) {
  std::string out;
  PutInt(kOffsetValueVersion, &out);
  PutInt(v.offset, &out);
  PutInt(v.leader_epoch, &out);
  PutString(v.metadata, &out);
  PutInt(v.commit_timestamp, &out);
  return out;
}

Status DecodeOffsetsRecord(std::optional<std::string_view> key,
                           std::optional<std::string_view> value, OffsetsRecord* out) {
  if (!key) return Status::Corruption("offset commit key: the key is null");
  FieldReader k(*key);
  out->key_version = k.Int16();
  out->value.reset();
  if (!k.ok()) return Status::Corruption("offset commit key: " + k.error());
  if (out->key_version < 0 || out->key_version > kMaxOtherKeyVersion) {
    return Status::Corruption("offset commit key: version " + std::to_string(out->key_version) +
                              " is unknown");
  }
  if (out->key_version > kOffsetKeyVersion) {
    out->kind = OffsetsRecord::Kind::kOther;
    return Status::Ok();
  }
  out->kind = OffsetsRecord::Kind::kOffsetCommit;
  out->group = k.String("group");
  out->topic = k.String("topic");
  out->partition = k.Int32();
  if (!k.ok()) return Status::Corruption("offset commit key: " + k.error());
  if (!value) return Status::Ok();  // a tombstone
  Status s = DecodeValue(*value, out->group, &out->value.emplace());
  if (!s.ok()) out->value.reset();
  return s;
}

}  // namespace klog
