// Writes N lines of exactly LEN bytes (LEN-1 printable bytes + '\n') to stdout,
// pseudo-random but deterministic, so benchmarks pipe realistic, incompressible
// text. Usage: gen_lines N [LEN]
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_lines N [LEN]\n");
    return 2;
  }
  const uint64_t n = std::strtoull(argv[1], nullptr, 10);
  const size_t len = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100;
  if (len < 2) return 2;
  std::vector<char> buf;
  buf.reserve(1 << 20);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  static const char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:;-_=+/";
  for (uint64_t i = 0; i < n; ++i) {
    for (size_t j = 0; j + 1 < len; ++j) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      buf.push_back(kAlphabet[x % (sizeof(kAlphabet) - 1)]);
    }
    buf.push_back('\n');
    if (buf.size() >= (1 << 20) - len) {
      if (write(1, buf.data(), buf.size()) != ssize_t(buf.size())) return 1;
      buf.clear();
    }
  }
  if (!buf.empty() && write(1, buf.data(), buf.size()) != ssize_t(buf.size())) return 1;
  return 0;
}
