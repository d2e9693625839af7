#include "test_support.h"

#include <cstdio>

namespace klog::proto::test {

namespace {
const uint8_t kRecordBytes[5] = {1, 2, 3, 4, 5};
}

std::vector<uint8_t> Hex(const std::string& hex) {
  std::vector<uint8_t> out;
  std::string digits;
  for (char c : hex) {
    if (c != ' ' && c != '\n') digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string ToHex(const std::vector<uint8_t>& b) {
  std::string s;
  char buf[3];
  for (uint8_t x : b) {
    std::snprintf(buf, sizeof buf, "%02x", x);
    s += buf;
  }
  return s;
}

void Filler::Fill(Records& r) {
  r.bytes = std::span<const uint8_t>(kRecordBytes, 2 + (n_++ % 3));
  r.is_null = false;
}

std::string FullRender::Scalar(const Records& r) {
  if (r.is_null) return "null";
  return "rec" + ToHex(std::vector<uint8_t>(r.bytes.begin(), r.bytes.end()));
}

}  // namespace klog::proto::test
