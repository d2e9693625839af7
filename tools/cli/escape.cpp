#include "cli/escape.h"

namespace klog::cli {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string DecodeEscape(std::string_view in, size_t* pos, char* out) {
  size_t p = *pos + 1;
  if (p >= in.size()) return "trailing backslash";
  switch (in[p]) {
    case 'n':
      *out = '\n';
      break;
    case 't':
      *out = '\t';
      break;
    case 'r':
      *out = '\r';
      break;
    case '0':
      *out = '\0';
      break;
    case '\\':
      *out = '\\';
      break;
    case 'x': {
      int hi = p + 1 < in.size() ? HexValue(in[p + 1]) : -1;
      int lo = p + 2 < in.size() ? HexValue(in[p + 2]) : -1;
      if (hi < 0 || lo < 0) return "\\x needs two hex digits";
      *out = char(hi * 16 + lo);
      p += 2;
      break;
    }
    default:
      return std::string("unknown escape '\\") + in[p] + "'";
  }
  *pos = p + 1;
  return {};
}

Result<std::string> ParseEscapes(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    if (in[i] != '\\') {
      out.push_back(in[i++]);
      continue;
    }
    char c;
    std::string err = DecodeEscape(in, &i, &c);
    if (!err.empty()) {
      return Status::InvalidArgument("'" + std::string(in) + "': " + err);
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace klog::cli
