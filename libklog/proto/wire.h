// Kafka wire primitives: a bounds-checked Reader over one request frame and a Writer that
// appends to a reusable byte buffer. All integers are big-endian; varints are the protobuf
// encoding (zigzag for signed). The layouts are in kafka-protocol.md §2.4 and are not
// re-described here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace klog::proto {

// Reads primitives from a byte span it does not own; the span must outlive the Reader and
// every string_view / span it returns. Reader never throws and never reads past the end:
// the first failure is recorded (ok() turns false, error() explains it) and every later
// read returns a zero value without moving. Callers check ok() once at the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  // Records `msg` as the error unless one is already recorded.
  void Fail(std::string msg);
  // Puts "<prefix>: " in front of the recorded error (used to add a field path).
  void PrefixError(std::string_view prefix);

  int8_t Int8();
  int16_t Int16();
  int32_t Int32();
  int64_t Int64();
  bool Bool() { return Int8() != 0; }
  uint32_t UVarint();  // at most 5 bytes; fails on a longer or overlong encoding
  int32_t Varint();    // zigzag

  // Length-prefixed byte runs. `null` is set when the wire length is the null marker
  // (-1 classic, 0 compact); the returned view is then empty. Lengths past the end of the
  // frame fail with "string length N past end of frame".
  std::string_view String(bool* null);                // int16 length
  std::string_view CompactString(bool* null);         // uvarint length+1
  std::span<const uint8_t> Bytes(bool* null);         // int32 length
  std::span<const uint8_t> CompactBytes(bool* null);  // uvarint length+1

  // Array element count. Returns -1 for null (-1 classic, 0 compact). Any other negative
  // count, or a count larger than the bytes left (each element takes at least one byte),
  // fails, so a hostile count can never cause a huge allocation.
  int32_t ArrayCount(bool compact);

  // Reads and discards one tagged-field section (uvarint count, then tag/size/payload).
  void SkipTaggedFields();

  // Returns the next `len` bytes and moves past them; a negative length or one past the end
  // fails with "<what> length N past end of frame".
  std::span<const uint8_t> Take(int64_t len, const char* what);

 private:
  bool Need(size_t n, const char* what);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  std::string error_;
};

// Appends primitives to a caller-owned std::vector<uint8_t>. The vector may be reused between
// responses (clear() keeps its capacity), so steady-state encoding does not allocate.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>* out) : out_(out) {}

  size_t size() const { return out_->size(); }
  std::vector<uint8_t>& buffer() { return *out_; }

  void Int8(int8_t v) { out_->push_back(static_cast<uint8_t>(v)); }
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Int64(int64_t v);
  void Bool(bool v) { Int8(v ? 1 : 0); }
  void UVarint(uint32_t v);
  void Varint(int32_t v);
  void Raw(const void* p, size_t n);

  // Classic: int16 length (-1 when null). Compact: uvarint(length+1) (0 when null).
  void String(std::string_view s);
  void NullString() { Int16(-1); }
  void CompactString(std::string_view s);
  void CompactNullString() { UVarint(0); }
  // Classic: int32 length (-1 when null). Compact: uvarint(length+1) (0 when null).
  void Bytes(std::span<const uint8_t> b);
  void NullBytes() { Int32(-1); }
  void CompactBytes(std::span<const uint8_t> b);
  void CompactNullBytes() { UVarint(0); }
  // Array count: int32 (classic) or uvarint(count+1) (compact); null is -1 / 0.
  void ArrayCount(int32_t n, bool compact);
  void NullArray(bool compact) { compact ? UVarint(0) : Int32(-1); }
  // An empty tagged-field section: the single byte 0x00.
  void EmptyTaggedFields() { UVarint(0); }

  // Overwrites 4 bytes at `pos` (already written) with `v`; used for the frame size.
  void PatchInt32(size_t pos, int32_t v);

 private:
  std::vector<uint8_t>* out_;
};

}  // namespace klog::proto
