// Records and RecordBatch v2: building batches and iterating their records.
// Layout: man/klog-format.5 and batch_format.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "klog/batch_format.h"
#include "klog/status.h"

namespace klog {

class Decompressor;

enum class Compression : int8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// The decompressed size of a batch's records allowed when the caller names
// no smaller bound (Decompress, RecordIterator::Reset).
inline constexpr size_t kDefaultMaxDecompressed = size_t(256) << 20;

// "none", "gzip", "snappy", "lz4", "zstd".
std::string_view CompressionName(Compression c);
Result<Compression> ParseCompression(std::string_view name);

// A header: the key is never null, the value may be.
struct HeaderView {
  std::string_view key;
  std::optional<std::string_view> value;
};

// A record as read from a batch. Views point into the batch (or the
// iterator's decompression buffer) and stay valid until the iterator moves on.
struct RecordView {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;    // nullopt = null key
  std::optional<std::string_view> value;  // nullopt = null value (tombstone)
  std::span<const HeaderView> headers;
};

// The 61-byte batch header, decoded.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  Compression compression() const { return Compression(attributes & 0x07); }
  bool log_append_time() const { return attributes & 0x08; }
  bool is_transactional() const { return attributes & 0x10; }
  bool is_control() const { return attributes & 0x20; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // Whole batch size in bytes, header included: its frame (klog/batch_frame.h).
  int64_t size() const { return int64_t(batch_length) + int64_t(batch::kLogOverhead); }
};

// Decodes the header at the start of `bytes` (needs >= 61 bytes) and checks
// what the header alone can tell: magic 2, batch_length >= 49, counts >= 0.
// Does not check the CRC. Errors are Corruption with a message naming the field.
Status ParseBatchHeader(std::span<const uint8_t> bytes, BatchHeader* out);

// Computes the CRC-32C of a whole batch's [21, end) and compares it with the
// stored one. `batch` is exactly one batch.
bool BatchCrcOk(std::span<const uint8_t> batch);

// Overwrites BaseOffset (and the leader epoch) of an encoded batch in place.
// Neither is covered by the CRC, so nothing else changes.
void StampBatch(std::span<uint8_t> batch, int64_t base_offset, int32_t leader_epoch = 0);

// Marks an encoded batch as LogAppendTime with MaxTimestamp `append_ms` and
// recomputes its CRC (both fields are covered by it). Readers then give every
// record of the batch that timestamp.
void StampLogAppendTime(std::span<uint8_t> batch, int64_t append_ms);

// Builds one RecordBatch v2. Records are encoded straight into an internal
// buffer (no per-record allocation once the buffer has grown); Finish()
// compresses if asked, fills the header and CRC and returns the batch bytes.
class BatchBuilder {
 public:
  struct Header {
    std::string_view key;
    std::optional<std::string_view> value;
  };

  BatchBuilder();
  // Starts a new batch; `base_timestamp` is the first record's timestamp.
  void Reset(int64_t base_timestamp);
  // Appends one record. `timestamp` defaults to the batch's base timestamp.
  void Add(std::optional<std::string_view> key, std::optional<std::string_view> value,
           std::span<const Header> headers = {}, std::optional<int64_t> timestamp = {});
  int count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Size the batch would have uncompressed.
  size_t size_estimate() const;
  // Encodes the header, compressing the records with `codec`. The returned
  // span stays valid until the next Reset(); BaseOffset is 0 (the log writer
  // stamps it). With LogAppendTime set, the timestamp type bit is set.
  Result<std::span<uint8_t>> Finish(Compression codec = Compression::kNone,
                                    bool log_append_time = false);

 private:
  std::vector<uint8_t> buf_;  // header space + uncompressed records
  std::vector<uint8_t> out_;  // compressed batch when a codec is used
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
  int count_ = 0;
};

// Iterates the records of one batch, decompressing it first if needed.
// Control batches yield their (single) control record like any other; the
// caller decides whether to show it (see BatchHeader::is_control()).
class RecordIterator {
 public:
  RecordIterator();
  ~RecordIterator();
  RecordIterator(RecordIterator&&) noexcept;
  RecordIterator& operator=(RecordIterator&&) noexcept;
  // `batch` is exactly one whole batch; it must outlive the iteration. Does
  // not check the CRC (call BatchCrcOk first where wanted). A compressed
  // batch is decompressed by a Decompressor (klog/codec.h) kept from batch
  // to batch, into at most `max_decompressed` bytes (TooLarge beyond that).
  Status Reset(std::span<const uint8_t> batch, size_t max_decompressed = kDefaultMaxDecompressed);
  // The same for a batch whose header the caller has just decoded with
  // ParseBatchHeader and whose size it has checked (header.size() ==
  // batch.size()): the header is not parsed again.
  Status Reset(std::span<const uint8_t> batch, const BatchHeader& header,
               size_t max_decompressed = kDefaultMaxDecompressed);
  // Fills `out` with the next record; returns false at the end or on error
  // (then status() says which record was malformed and why).
  bool Next(RecordView* out);
  const Status& status() const { return status_; }
  const BatchHeader& header() const { return header_; }

 private:
  BatchHeader header_;
  std::unique_ptr<Decompressor> decompressor_;  // created for the first compressed batch
  std::vector<HeaderView> headers_;             // current record's headers, reused
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  int remaining_ = 0;
  Status status_;
};

// Splits a buffer of concatenated batches: returns the size of the whole
// batch at the start of `bytes`, 0 if `bytes` holds only part of one (a torn
// or still-growing tail), or an error if the header is invalid. The frame is
// read by BatchFrameSize (klog/batch_frame.h); a whole batch's header is then
// checked by ParseBatchHeader, a partial one's magic byte when present.
Result<size_t> NextBatchSize(std::span<const uint8_t> bytes);

}  // namespace klog
