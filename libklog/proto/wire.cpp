#include "proto/wire.h"

#include <cstring>

namespace klog::proto {

void Reader::Fail(std::string msg) {
  if (error_.empty()) error_ = msg.empty() ? std::string("error") : std::move(msg);
}

void Reader::PrefixError(std::string_view prefix) {
  if (error_.empty() || prefix.empty()) return;
  error_.insert(0, std::string(prefix) + ": ");
}

bool Reader::Need(size_t n, const char* what) {
  if (!ok()) return false;
  if (remaining() >= n) return true;
  Fail(std::string(what) + " needs " + std::to_string(n) + " bytes at offset " +
       std::to_string(pos_) + ", " + std::to_string(remaining()) + " left");
  return false;
}

int8_t Reader::Int8() {
  if (!Need(1, "int8")) return 0;
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t Reader::Int16() {
  if (!Need(2, "int16")) return 0;
  uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return static_cast<int16_t>(v);
}

int32_t Reader::Int32() {
  if (!Need(4, "int32")) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return static_cast<int32_t>(v);
}

int64_t Reader::Int64() {
  if (!Need(8, "int64")) return 0;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 8;
  return static_cast<int64_t>(v);
}

uint32_t Reader::UVarint() {
  uint32_t v = 0;
  for (int i = 0; i < 5; ++i) {
    if (!Need(1, "uvarint")) return 0;
    uint8_t b = data_[pos_++];
    if (i == 4 && b > 0x0f) {
      Fail("uvarint does not fit 32 bits at offset " + std::to_string(pos_ - 1));
      return 0;
    }
    v |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  return v;  // unreachable: the fifth byte has no continuation bit (checked above)
}

int32_t Reader::Varint() {
  uint32_t u = UVarint();
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

std::span<const uint8_t> Reader::Take(int64_t len, const char* what) {
  if (!ok()) return {};
  if (len < 0 || static_cast<uint64_t>(len) > remaining()) {
    Fail(std::string(what) + " length " + std::to_string(len) + " past end of frame");
    return {};
  }
  auto s = data_.subspan(pos_, static_cast<size_t>(len));
  pos_ += static_cast<size_t>(len);
  return s;
}

static std::string_view AsView(std::span<const uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

std::string_view Reader::String(bool* null) {
  int16_t len = Int16();
  *null = ok() && len == -1;
  if (!ok() || *null) return {};
  if (len < 0) {
    Fail("string length " + std::to_string(len) + " is negative");
    return {};
  }
  return AsView(Take(len, "string"));
}

std::string_view Reader::CompactString(bool* null) {
  uint32_t n = UVarint();
  *null = ok() && n == 0;
  if (!ok() || *null) return {};
  return AsView(Take(static_cast<int64_t>(n) - 1, "string"));
}

std::span<const uint8_t> Reader::Bytes(bool* null) {
  int32_t len = Int32();
  *null = ok() && len == -1;
  if (!ok() || *null) return {};
  if (len < 0) {
    Fail("bytes length " + std::to_string(len) + " is negative");
    return {};
  }
  return Take(len, "bytes");
}

std::span<const uint8_t> Reader::CompactBytes(bool* null) {
  uint32_t n = UVarint();
  *null = ok() && n == 0;
  if (!ok() || *null) return {};
  return Take(static_cast<int64_t>(n) - 1, "bytes");
}

int32_t Reader::ArrayCount(bool compact) {
  int64_t n = compact ? static_cast<int64_t>(UVarint()) - 1 : Int32();
  if (!ok()) return 0;
  if (n == -1) return -1;
  if (n < 0) {
    Fail("array count " + std::to_string(n) + " is negative");
    return 0;
  }
  if (static_cast<uint64_t>(n) > remaining()) {
    Fail("array count " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) +
         " bytes left");
    return 0;
  }
  return static_cast<int32_t>(n);
}

void Reader::SkipTaggedFields() {
  uint32_t count = UVarint();
  for (uint32_t i = 0; i < count && ok(); ++i) {
    UVarint();  // tag
    uint32_t size = UVarint();
    Take(size, "tagged field");
  }
}

void Writer::Int16(int16_t v) {
  uint16_t u = static_cast<uint16_t>(v);
  uint8_t b[2] = {static_cast<uint8_t>(u >> 8), static_cast<uint8_t>(u)};
  Raw(b, 2);
}

void Writer::Int32(int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(u >> (24 - 8 * i));
  Raw(b, 4);
}

void Writer::Int64(int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(u >> (56 - 8 * i));
  Raw(b, 8);
}

void Writer::UVarint(uint32_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<uint8_t>(v));
}

void Writer::Varint(int32_t v) {
  UVarint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::Raw(const void* p, size_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  out_->insert(out_->end(), b, b + n);
}

void Writer::String(std::string_view s) {
  Int16(static_cast<int16_t>(s.size()));
  Raw(s.data(), s.size());
}

void Writer::CompactString(std::string_view s) {
  UVarint(static_cast<uint32_t>(s.size()) + 1);
  Raw(s.data(), s.size());
}

void Writer::Bytes(std::span<const uint8_t> b) {
  Int32(static_cast<int32_t>(b.size()));
  Raw(b.data(), b.size());
}

void Writer::CompactBytes(std::span<const uint8_t> b) {
  UVarint(static_cast<uint32_t>(b.size()) + 1);
  Raw(b.data(), b.size());
}

void Writer::ArrayCount(int32_t n, bool compact) {
  if (compact) {
    UVarint(static_cast<uint32_t>(n) + 1);
  } else {
    Int32(n);
  }
}

void Writer::PatchInt32(size_t pos, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) (*out_)[pos + i] = static_cast<uint8_t>(u >> (24 - 8 * i));
}

}  // namespace klog::proto
