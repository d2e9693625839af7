// Batch decompression (klog/codec.h): gzip, snappy (raw block or xerial
// framing), lz4 frames, zstd. Every decoder writes into one output buffer
// that grows in steps up to max_out + 1 bytes, so crossing the limit is
// detected without ever holding more than that; the buffer and the codecs'
// contexts are kept by the Decompressor from one call to the next.
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "klog/coding.h"
#include "klog/compression.h"

namespace klog {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic, int32 version, int32 compatible

Status TooBig(std::string_view codec, size_t max_out) {
  return Status::TooLarge(std::string(codec) + " data decompresses to more than " +
                          std::to_string(max_out) + " bytes");
}

// The output of one decompression: a buffer kept from call to call (its
// bytes are not zeroed: decoders write before anything reads), of which
// size() bytes may be written, never more than the limit max_out + 1.
class OutBuffer {
 public:
  void Start(size_t max_out) {
    limit_ = max_out == SIZE_MAX ? SIZE_MAX : max_out + 1;
    size_ = std::min(cap_, limit_);
  }
  uint8_t* data() { return buf_.get(); }
  size_t size() const { return size_; }
  // Makes room past the first `used` bytes (kept) for the next decoder
  // step: at least `need` bytes in all. False if that is over the limit.
  bool Grow(size_t used, size_t in_size, size_t need = 0) {
    if (size_ >= limit_ || need > limit_) return false;
    size_t want = std::max<size_t>({cap_ * 2, in_size * 4, size_t(64) << 10, need});
    want = std::min(want, limit_);
    if (want > cap_) {
      std::unique_ptr<uint8_t[]> bigger(new uint8_t[want]);
      if (used > 0) std::memcpy(bigger.get(), buf_.get(), used);
      buf_ = std::move(bigger);
      cap_ = want;
    }
    size_ = want;
    return true;
  }

 private:
  std::unique_ptr<uint8_t[]> buf_;
  size_t cap_ = 0;
  size_t size_ = 0;
  size_t limit_ = 0;
};

// Decodes one or more concatenated gzip members with `zs` (initialised).
Status DecompressGzip(z_stream* zs, std::span<const uint8_t> in, size_t max_out, OutBuffer* out,
                      size_t* used_out) {
  inflateReset(zs);
  zs->next_in = const_cast<Bytef*>(in.data());
  zs->avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  while (true) {
    if (used == out->size() && !out->Grow(used, in.size())) return TooBig("gzip", max_out);
    zs->next_out = out->data() + used;
    zs->avail_out = static_cast<uInt>(out->size() - used);
    int rc = inflate(zs, Z_NO_FLUSH);
    used = out->size() - zs->avail_out;
    *used_out = used;
    if (rc == Z_STREAM_END) {
      if (zs->avail_in == 0) return Status::Ok();
      inflateReset(zs);  // another member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && zs->avail_in == 0 && used < out->size()) {
      return Status::Corruption("gzip data is truncated");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::Corruption(std::string("gzip data is malformed: ") +
                                (zs->msg ? zs->msg : "?"));
    }
  }
}

// Appends the raw-block decode of [p, p+n) after the first *used bytes.
Status AppendSnappyBlock(const uint8_t* p, size_t n, size_t max_out, OutBuffer* out, size_t* used) {
  const char* src = reinterpret_cast<const char*>(p);
  size_t len = 0;
  if (!snappy::GetUncompressedLength(src, n, &len)) {
    return Status::Corruption("snappy block has a malformed length");
  }
  if (len > max_out - std::min(max_out, *used)) return TooBig("snappy", max_out);
  if (*used + len > out->size() && !out->Grow(*used, n, *used + len)) {
    return TooBig("snappy", max_out);
  }
  if (!snappy::RawUncompress(src, n, reinterpret_cast<char*>(out->data() + *used))) {
    return Status::Corruption("snappy block is malformed");
  }
  *used += len;
  return Status::Ok();
}

Status DecompressSnappy(std::span<const uint8_t> in, size_t max_out, OutBuffer* out, size_t* used) {
  if (in.size() < kXerialHeaderSize || std::memcmp(in.data(), kXerialMagic, 8) != 0) {
    return AppendSnappyBlock(in.data(), in.size(), max_out, out, used);
  }
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4) {
      return Status::Corruption("xerial snappy frame at byte " + std::to_string(pos) +
                                " has a truncated block length");
    }
    uint32_t len = GetBE32(in.data() + pos);
    pos += 4;
    if (len > in.size() - pos) {
      return Status::Corruption("xerial snappy block at byte " + std::to_string(pos - 4) +
                                " of length " + std::to_string(len) + " runs past the data");
    }
    KLOG_RETURN_IF_ERROR(AppendSnappyBlock(in.data() + pos, len, max_out, out, used));
    pos += len;
  }
  return Status::Ok();
}

Status DecompressLz4(LZ4F_dctx* dctx, std::span<const uint8_t> in, size_t max_out, OutBuffer* out,
                     size_t* used_out) {
  LZ4F_resetDecompressionContext(dctx);  // also after an error in the last call
  size_t in_pos = 0, used = 0, hint = 1;
  while (in_pos < in.size() || hint != 0) {
    if (used == out->size() && !out->Grow(used, in.size())) return TooBig("lz4", max_out);
    size_t src_n = in.size() - in_pos, dst_n = out->size() - used;
    hint = LZ4F_decompress(dctx, out->data() + used, &dst_n, in.data() + in_pos, &src_n, nullptr);
    if (LZ4F_isError(hint)) {
      return Status::Corruption(std::string("lz4 data is malformed: ") + LZ4F_getErrorName(hint));
    }
    in_pos += src_n;
    used += dst_n;
    *used_out = used;
    if (hint != 0 && in_pos == in.size() && dst_n == 0 && used < out->size()) {
      return Status::Corruption("lz4 data is truncated");
    }
  }
  return Status::Ok();
}

// A single zstd frame that states its content size (ZSTD_compress and
// producers that pledge the size write one) is decoded in one call straight
// into the output, and refused before any work if the size is over max_out;
// *done is false for other input, which goes to the streaming decoder.
Status DecompressZstdFrame(ZSTD_DCtx* dctx, std::span<const uint8_t> in, size_t max_out,
                           OutBuffer* out, size_t* used, bool* done) {
  *done = false;
  unsigned long long n = ZSTD_getFrameContentSize(in.data(), in.size());
  if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR) return Status::Ok();
  if (ZSTD_findFrameCompressedSize(in.data(), in.size()) != in.size()) return Status::Ok();
  *done = true;
  if (n > max_out) return TooBig("zstd", max_out);
  if (n > out->size() && !out->Grow(0, in.size(), size_t(n))) return TooBig("zstd", max_out);
  size_t got = ZSTD_decompressDCtx(dctx, out->data(), size_t(n), in.data(), in.size());
  if (ZSTD_isError(got)) {
    return Status::Corruption(std::string("zstd data is malformed: ") + ZSTD_getErrorName(got));
  }
  if (got != n) {
    return Status::Corruption("zstd frame says " + std::to_string(n) + " bytes but holds " +
                              std::to_string(got));
  }
  *used = got;
  return Status::Ok();
}

Status DecompressZstd(ZSTD_DCtx* dctx, std::span<const uint8_t> in, size_t max_out, OutBuffer* out,
                      size_t* used_out) {
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  bool done = false;
  Status frame = DecompressZstdFrame(dctx, in, max_out, out, used_out, &done);
  if (done) return frame;
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t used = 0, hint = 1;
  while (src.pos < src.size || hint != 0) {
    if (used == out->size() && !out->Grow(used, in.size())) return TooBig("zstd", max_out);
    ZSTD_outBuffer dst{out->data(), out->size(), used};
    size_t before_in = src.pos;
    hint = ZSTD_decompressStream(dctx, &dst, &src);
    if (ZSTD_isError(hint)) {
      return Status::Corruption(std::string("zstd data is malformed: ") + ZSTD_getErrorName(hint));
    }
    bool progressed = dst.pos > used || src.pos > before_in;
    used = dst.pos;
    *used_out = used;
    if (hint != 0 && src.pos == src.size && !progressed && used < out->size()) {
      return Status::Corruption("zstd data is truncated");
    }
  }
  return Status::Ok();
}

}  // namespace

// The contexts are created on first use of their codec.
struct Decompressor::Impl {
  OutBuffer out;
  z_stream zs{};
  bool zs_ready = false;
  LZ4F_dctx* lz4 = nullptr;
  ZSTD_DCtx* zstd = nullptr;

  ~Impl() {
    if (zs_ready) inflateEnd(&zs);
    if (lz4 != nullptr) LZ4F_freeDecompressionContext(lz4);
    ZSTD_freeDCtx(zstd);
  }
  Status Run(Compression codec, std::span<const uint8_t> in, size_t max_out, size_t* used);
};

Status Decompressor::Impl::Run(Compression codec, std::span<const uint8_t> in, size_t max_out,
                               size_t* used) {
  switch (codec) {
    case Compression::kNone:
      if (in.size() > max_out) return TooBig("uncompressed", max_out);
      if (in.size() > out.size() && !out.Grow(0, 0, in.size()))
        return TooBig("uncompressed", max_out);
      if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
      *used = in.size();
      return Status::Ok();
    case Compression::kGzip:
      if (!zs_ready) {
        if (inflateInit2(&zs, 15 + 16) != Z_OK) return Status::IOError("gzip: inflateInit2 failed");
        zs_ready = true;
      }
      return DecompressGzip(&zs, in, max_out, &out, used);
    case Compression::kSnappy:
      return DecompressSnappy(in, max_out, &out, used);
    case Compression::kLz4:
      if (lz4 == nullptr && LZ4F_isError(LZ4F_createDecompressionContext(&lz4, LZ4F_VERSION))) {
        lz4 = nullptr;
        return Status::IOError("lz4: cannot create a decompression context");
      }
      return DecompressLz4(lz4, in, max_out, &out, used);
    case Compression::kZstd:
      if (zstd == nullptr && (zstd = ZSTD_createDCtx()) == nullptr) {
        return Status::IOError("zstd: cannot create a decompression context");
      }
      return DecompressZstd(zstd, in, max_out, &out, used);
  }
  return Status::Corruption("unknown compression codec " + std::to_string(int(codec)));
}

Decompressor::Decompressor() : impl_(std::make_unique<Impl>()) {}
Decompressor::~Decompressor() = default;

Result<std::span<const uint8_t>> Decompressor::Decompress(Compression codec,
                                                          std::span<const uint8_t> in,
                                                          size_t max_out) {
  impl_->out.Start(max_out);
  size_t used = 0;
  Status st = impl_->Run(codec, in, max_out, &used);
  if (!st.ok()) return st;
  if (used > max_out) return TooBig(CompressionName(codec), max_out);
  return std::span<const uint8_t>(impl_->out.data(), used);
}

Status Decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out,
                  size_t max_out) {
  Decompressor d;
  Result<std::span<const uint8_t>> r = d.Decompress(codec, in, max_out);
  if (!r.ok()) {
    out->clear();
    return r.status();
  }
  out->assign(r->begin(), r->end());
  return Status::Ok();
}

}  // namespace klog
