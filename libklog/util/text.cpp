// Strict UTF-8, base64 and JSON string output (contracts: klog/text.h).
#include "klog/text.h"

#include <cstdint>
#include <cstring>

namespace klog {
namespace {

using namespace std::string_view_literals;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789abcdef";

// The 6-bit value of a base64 character, or -1 for any other character.
int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// True if any of the eight bytes packed in `w` must be escaped in a JSON
// string: a byte below 0x20, '"' or '\\'. (Each term sets a byte's top bit
// only when some byte of `w` matches, so the test is exact.)
bool AnyNeedsEscape(uint64_t w) {
  constexpr uint64_t k01 = 0x0101010101010101ULL, k80 = 0x8080808080808080ULL;
  uint64_t quote = w ^ (k01 * '"'), backslash = w ^ (k01 * '\\');
  uint64_t hits =
      ((w - k01 * 0x20) & ~w) | ((quote - k01) & ~quote) | ((backslash - k01) & ~backslash);
  return (hits & k80) != 0;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    // Skip ASCII eight bytes at a time when possible.
    if (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    uint8_t c = *p;
    if (c < 0x80) {
      p++;
      continue;
    }
    // The lead byte fixes the length and the allowed range of the second
    // byte; the narrowed ranges exclude overlongs, surrogates and > U+10FFFF.
    int n;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; i++) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

void Base64Encode(std::string_view in, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8 | p[i + 2];
    char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63],
                 kBase64[v & 63]};
    out->append(q, 4);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t(p[i]) << 16;
    char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], '=', '='};
    out->append(q, 4);
  } else if (n - i == 2) {
    uint32_t v = uint32_t(p[i]) << 16 | uint32_t(p[i + 1]) << 8;
    char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63], '='};
    out->append(q, 4);
  }
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() % 4 != 0) return false;
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int a = Base64Value(in[i]), b = Base64Value(in[i + 1]);
    if (a < 0 || b < 0) return false;
    uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12;
    if (last && in[i + 2] == '=' && in[i + 3] == '=') {
      if (v & 0xFFFF) return false;
      out->push_back(char(v >> 16));
      return true;
    }
    int c = Base64Value(in[i + 2]);
    if (c < 0) return false;
    v |= uint32_t(c) << 6;
    if (last && in[i + 3] == '=') {
      if (v & 0xFF) return false;
      out->push_back(char(v >> 16));
      out->push_back(char(v >> 8));
      return true;
    }
    int d = Base64Value(in[i + 3]);
    if (d < 0) return false;
    v |= uint32_t(d);
    out->push_back(char(v >> 16));
    out->push_back(char(v >> 8));
    out->push_back(char(v));
  }
  return true;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->append("\""sv);
  size_t run = 0;  // start of the pending run of bytes copied as they are
  for (size_t i = 0; i < s.size();) {
    // Skip eight plain bytes at a time when possible.
    if (s.size() - i >= 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!AnyNeedsEscape(w)) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - 1 - run);
    run = i;
    switch (c) {
      case '"':
        out->append("\\\""sv);
        break;
      case '\\':
        out->append("\\\\"sv);
        break;
      case '\n':
        out->append("\\n"sv);
        break;
      case '\t':
        out->append("\\t"sv);
        break;
      case '\r':
        out->append("\\r"sv);
        break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(u, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->append("\""sv);
}

void AppendJsonBytesField(std::string_view name, std::optional<std::string_view> bytes,
                          std::string* out) {
  out->append("\""sv);
  out->append(name);
  out->append("\":"sv);
  if (!bytes) {
    out->append("null"sv);
  } else if (IsValidUtf8(*bytes)) {
    AppendJsonString(*bytes, out);
  } else {
    out->append("\""sv);
    Base64Encode(*bytes, out);
    out->append("\",\""sv);
    out->append(name);
    out->append("_encoding\":\"base64\""sv);
  }
}

}  // namespace klog
