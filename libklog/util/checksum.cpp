// CRC-32C through isa-l and XXH3 through libxxhash.
#include "klog/checksum.h"

#include <isa-l/crc.h>
// On x86-64, Debian's libxxhash exports runtime-dispatched XXH3 (SSE2, AVX2 or
// AVX-512 as the CPU allows); including this header routes the XXH3 calls
// below to it. That is 2-3x the plain SSE2 build on the append path, where the
// writer digests every batch of the active segment.
#if defined(__x86_64__)
#include <xxh_x86dispatch.h>
#else
#include <xxhash.h>
#endif

#include <climits>
#include <cstdio>

namespace klog {

// isa-l's crc32_iscsi takes the running (pre-inverted) register and returns it
// without the final xor, so the standard CRC-32C is ~crc32_iscsi(.., ~0).
uint32_t Crc32c(const void* data, size_t n) {
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  uint32_t crc = 0xffffffffu;
  while (n > 0) {
    int chunk = n > size_t(INT_MAX / 2) ? INT_MAX / 2 : static_cast<int>(n);
    crc = crc32_iscsi(p, chunk, crc);
    p += chunk;
    n -= size_t(chunk);
  }
  return ~crc;
}

uint64_t Xxh3_64(const void* data, size_t n) { return XXH3_64bits(data, n); }

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Xxh3Stream::Xxh3Stream() : state_(XXH3_createState()) {
  XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}

Xxh3Stream::~Xxh3Stream() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void Xxh3Stream::Update(const void* data, size_t n) {
  XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data, n);
}

uint64_t Xxh3Stream::Digest() const {
  return XXH3_64bits_digest(static_cast<XXH3_state_t*>(state_));
}

}  // namespace klog
