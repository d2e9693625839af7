#include "cli/size.h"

#include <charconv>
#include <limits>
#include <string>

namespace klog::cli {

Result<int64_t> ParseSize(std::string_view in) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("size '" + std::string(in) + "': " + why);
  };
  int64_t n = 0;
  auto r = std::from_chars(in.data(), in.data() + in.size(), n);
  if (r.ec == std::errc::result_out_of_range) return bad("too large");
  if (r.ec != std::errc() || r.ptr == in.data() || n < 0) return bad("not a number");
  std::string_view suffix(r.ptr, size_t(in.data() + in.size() - r.ptr));
  int shift = 0;
  if (!suffix.empty()) {
    switch (suffix[0]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      case 'b':
      case 'B':
        shift = 0;
        break;
      default:
        return bad("unknown suffix '" + std::string(suffix) + "' (use k, M or G)");
    }
    std::string_view rest = suffix.substr(1);
    bool ok = rest.empty() || (shift > 0 && (rest == "B" || rest == "iB"));
    if (!ok) return bad("unknown suffix '" + std::string(suffix) + "' (use k, M or G)");
  }
  if (n > (std::numeric_limits<int64_t>::max() >> shift)) return bad("too large");
  return n << shift;
}

}  // namespace klog::cli
