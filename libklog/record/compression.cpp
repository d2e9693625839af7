// Batch compression (klog/compression.h); decompression is in decompressor.cpp.
#include "klog/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

namespace klog {
namespace {

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

Status CompressZstd(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  size_t start = out->size();
  out->resize(start + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress(out->data() + start, out->size() - start, in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(start + n);
  return Status::Ok();
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

}  // namespace klog
