// Helpers shared by the record-layer tests.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "klog/record.h"

namespace klog::testing {

// "00 0a ff" (spaces and newlines ignored) → bytes.
inline std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(uint8_t(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

// A record with owned bytes, for comparing what went in with what came out.
struct OwnedRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const OwnedRecord&) const = default;
};

inline std::optional<std::string> Own(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

// Iterates a whole batch; the Status is the iterator's final one.
inline Status ReadAll(std::span<const uint8_t> batch, std::vector<OwnedRecord>* out) {
  RecordIterator it;
  KLOG_RETURN_IF_ERROR(it.Reset(batch));
  RecordView r;
  while (it.Next(&r)) {
    OwnedRecord o{r.offset, r.timestamp, Own(r.key), Own(r.value), {}};
    for (const HeaderView& h : r.headers) o.headers.emplace_back(std::string(h.key), Own(h.value));
    out->push_back(std::move(o));
  }
  return it.status();
}

inline std::vector<uint8_t> Copy(std::span<const uint8_t> s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

}  // namespace klog::testing
