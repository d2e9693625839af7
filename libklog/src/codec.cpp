// Batch compression codecs. Every decoder writes into a buffer it grows in
// steps up to max_out + 1 bytes, so crossing the limit is detected without
// ever allocating more than that.
#include "klog/codec.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "klog/coding.h"

namespace klog {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic, int32 version, int32 compatible

Status TooBig(std::string_view codec, size_t max_out) {
  return Status::TooLarge(std::string(codec) + " data decompresses to more than " +
                            std::to_string(max_out) + " bytes");
}

// Grows `out` (whose first `used` bytes are data) for the next decoder step.
// Returns false when the buffer already holds max_out + 1 bytes.
bool Grow(std::vector<uint8_t>* out, size_t used, size_t in_size, size_t max_out) {
  size_t limit = max_out + 1;
  if (used >= limit) return false;
  size_t want = std::min(std::max<size_t>({out->size() * 2, in_size * 4, 64 * 1024}), limit);
  out->reserve(want);  // exactly: resize() alone may double past the limit
  out->resize(want);
  return true;
}

Status CompressGzip(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::IOError("gzip: deflateInit2 failed");
  }
  size_t start = out->size();
  out->resize(start + deflateBound(&zs, in.size()) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out->data() + start;
  zs.avail_out = static_cast<uInt>(out->size() - start);
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::IOError("gzip: deflate failed");
  out->resize(start + produced);
  return Status::Ok();
}

// Decodes one or more concatenated gzip members.
Status DecompressGzip(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return Status::IOError("gzip: inflateInit2 failed");
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  Status st;
  while (true) {
    if (used == out->size() && !Grow(out, used, in.size(), max_out)) {
      st = TooBig("gzip", max_out);
      break;
    }
    zs.next_out = out->data() + used;
    zs.avail_out = static_cast<uInt>(out->size() - used);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used = out->size() - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && used < out->size()) {
      st = Status::Corruption("gzip data is truncated");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      st = Status::Corruption(std::string("gzip data is malformed: ") + (zs.msg ? zs.msg : "?"));
      break;
    }
  }
  inflateEnd(&zs);
  if (st.ok() && used > max_out) st = TooBig("gzip", max_out);
  out->resize(st.ok() ? used : 0);
  return st;
}

// Appends the raw-block decode of [p, p+n) to `out`, bounded by max_out in total.
Status AppendSnappyBlock(const uint8_t* p, size_t n, std::vector<uint8_t>* out, size_t max_out) {
  const char* src = reinterpret_cast<const char*>(p);
  size_t len = 0;
  if (!snappy::GetUncompressedLength(src, n, &len)) {
    return Status::Corruption("snappy block has a malformed length");
  }
  if (len > max_out - std::min(max_out, out->size()) || out->size() > max_out) {
    return TooBig("snappy", max_out);
  }
  size_t start = out->size();
  out->resize(start + len);
  if (!snappy::RawUncompress(src, n, reinterpret_cast<char*>(out->data() + start))) {
    return Status::Corruption("snappy block is malformed");
  }
  return Status::Ok();
}

Status DecompressSnappy(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t max_out) {
  out->clear();
  if (in.size() < kXerialHeaderSize || std::memcmp(in.data(), kXerialMagic, 8) != 0) {
    return AppendSnappyBlock(in.data(), in.size(), out, max_out);
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
    KLOG_RETURN_IF_ERROR(AppendSnappyBlock(in.data() + pos, len, out, max_out));
    pos += len;
  }
  return Status::Ok();
}

Status CompressLz4(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  size_t start = out->size();
  out->resize(start + LZ4F_compressFrameBound(in.size(), &prefs));
  size_t n =
      LZ4F_compressFrame(out->data() + start, out->size() - start, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) return Status::IOError(std::string("lz4: ") + LZ4F_getErrorName(n));
  out->resize(start + n);
  return Status::Ok();
}

Status DecompressLz4(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t max_out) {
  LZ4F_dctx* dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
    return Status::IOError("lz4: cannot create a decompression context");
  }
  size_t in_pos = 0, used = 0, hint = 1;
  Status st;
  while (in_pos < in.size() || hint != 0) {
    if (used == out->size() && !Grow(out, used, in.size(), max_out)) {
      st = TooBig("lz4", max_out);
      break;
    }
    size_t src_n = in.size() - in_pos, dst_n = out->size() - used;
    hint = LZ4F_decompress(dctx, out->data() + used, &dst_n, in.data() + in_pos, &src_n, nullptr);
    if (LZ4F_isError(hint)) {
      st = Status::Corruption(std::string("lz4 data is malformed: ") + LZ4F_getErrorName(hint));
      break;
    }
    in_pos += src_n;
    used += dst_n;
    if (hint != 0 && in_pos == in.size() && dst_n == 0 && used < out->size()) {
      st = Status::Corruption("lz4 data is truncated");
      break;
    }
  }
  LZ4F_freeDecompressionContext(dctx);
  if (st.ok() && used > max_out) st = TooBig("lz4", max_out);
  out->resize(st.ok() ? used : 0);
  return st;
}

Status CompressZstd(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  size_t start = out->size();
  out->resize(start + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out->data() + start, out->size() - start, in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(start + n);
  return Status::Ok();
}

Status DecompressZstd(std::span<const uint8_t> in, std::vector<uint8_t>* out, size_t max_out) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return Status::IOError("zstd: cannot create a decompression context");
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t used = 0, hint = 1;
  Status st;
  while (src.pos < src.size || hint != 0) {
    if (used == out->size() && !Grow(out, used, in.size(), max_out)) {
      st = TooBig("zstd", max_out);
      break;
    }
    ZSTD_outBuffer dst{out->data(), out->size(), used};
    size_t before_in = src.pos;
    hint = ZSTD_decompressStream(dctx, &dst, &src);
    if (ZSTD_isError(hint)) {
      st = Status::Corruption(std::string("zstd data is malformed: ") + ZSTD_getErrorName(hint));
      break;
    }
    bool progressed = dst.pos > used || src.pos > before_in;
    used = dst.pos;
    if (hint != 0 && src.pos == src.size && !progressed && used < out->size()) {
      st = Status::Corruption("zstd data is truncated");
      break;
    }
  }
  ZSTD_freeDCtx(dctx);
  if (st.ok() && used > max_out) st = TooBig("zstd", max_out);
  out->resize(st.ok() ? used : 0);
  return st;
}

}  // namespace

Status Compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  switch (codec) {
    case Compression::kNone:
      out->insert(out->end(), in.begin(), in.end());
      return Status::Ok();
    case Compression::kGzip:
      return CompressGzip(in, out);
    case Compression::kSnappy: {
      // A raw block, as librdkafka writes it.
      size_t start = out->size(), n = 0;
      out->resize(start + snappy::MaxCompressedLength(in.size()));
      snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(),
                          reinterpret_cast<char*>(out->data() + start), &n);
      out->resize(start + n);
      return Status::Ok();
    }
    case Compression::kLz4:
      return CompressLz4(in, out);
    case Compression::kZstd:
      return CompressZstd(in, out);
  }
  return Status::Unsupported("compression codec " + std::to_string(int(codec)));
}

Status Decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>* out,
                  size_t max_out) {
  switch (codec) {
    case Compression::kNone:
      if (in.size() > max_out) return TooBig("uncompressed", max_out);
      out->assign(in.begin(), in.end());
      return Status::Ok();
    case Compression::kGzip:
      out->clear();
      return DecompressGzip(in, out, max_out);
    case Compression::kSnappy:
      return DecompressSnappy(in, out, max_out);
    case Compression::kLz4:
      out->clear();
      return DecompressLz4(in, out, max_out);
    case Compression::kZstd:
      out->clear();
      return DecompressZstd(in, out, max_out);
  }
  return Status::Corruption("unknown compression codec " + std::to_string(int(codec)));
}

}  // namespace klog
