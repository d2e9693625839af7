// Writes N "key:value" lines of exactly LEN bytes (newline included) to
// stdout for klog-append -K ':'. Keys are "k" and 9 digits: line i < KEYS
// has key i, so every key occurs, and later lines a pseudo-random one of the
// KEYS, so a compaction keeps about KEYS records. Values are deterministic,
// incompressible printable text. Usage: gen_keyed N KEYS [LEN]
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

uint64_t Next(uint64_t* x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

bool Drain(std::vector<char>* buf) {
  const char* p = buf->data();
  size_t n = buf->size();
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  buf->clear();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gen_keyed N KEYS [LEN]\n");
    return 2;
  }
  const uint64_t n = std::strtoull(argv[1], nullptr, 10);
  const uint64_t keys = std::strtoull(argv[2], nullptr, 10);
  const size_t len = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100;
  constexpr size_t kKeyLen = 10;  // "k" + 9 digits
  if (keys == 0 || keys > 999999999 || len < kKeyLen + 2) return 2;
  static const char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.;-_=+/";
  std::vector<char> buf;
  buf.reserve(size_t(1) << 20);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  char key[kKeyLen + 1];
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t k = i < keys ? i : Next(&x) % keys;
    std::snprintf(key, sizeof key, "k%09llu", static_cast<unsigned long long>(k));
    buf.insert(buf.end(), key, key + kKeyLen);
    buf.push_back(':');
    for (size_t j = kKeyLen + 1; j + 1 < len; ++j) {
      buf.push_back(kAlphabet[Next(&x) % (sizeof(kAlphabet) - 1)]);
    }
    buf.push_back('\n');
    if (buf.size() + len >= (size_t(1) << 20) && !Drain(&buf)) return 1;
  }
  return Drain(&buf) ? 0 : 1;
}
