#include "base64.h"

#include <cstdint>

namespace klog::cli {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

void Base64Encode(std::string_view in, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
    char q[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                 kAlphabet[v & 63]};
    out->append(q, 4);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t(p[i]) << 16;
    char q[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
    out->append(q, 4);
  } else if (n - i == 2) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8;
    char q[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
    out->append(q, 4);
  }
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() % 4 != 0) return false;
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int a = Value(in[i]), b = Value(in[i + 1]);
    if (a < 0 || b < 0) return false;
    uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12;
    if (last && in[i + 2] == '=' && in[i + 3] == '=') {
      if (v & 0xFFFF) return false;
      out->push_back(char(v >> 16));
      return true;
    }
    int c = Value(in[i + 2]);
    if (c < 0) return false;
    v |= uint32_t(c) << 6;
    if (last && in[i + 3] == '=') {
      if (v & 0xFF) return false;
      out->push_back(char(v >> 16));
      out->push_back(char(v >> 8));
      return true;
    }
    int d = Value(in[i + 3]);
    if (d < 0) return false;
    v |= uint32_t(d);
    out->push_back(char(v >> 16));
    out->push_back(char(v >> 8));
    out->push_back(char(v));
  }
  return true;
}

}  // namespace klog::cli
