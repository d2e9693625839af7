// libFuzzer target: arbitrary bytes read as concatenated RecordBatch v2, the
// way a segment, a fetch answer or a produced records field is read, by the
// parsers that exist today: NextBatchSize splits, ParseBatchHeader and
// BatchCrcOk check the header, Decompress (with a small bound) and
// RecordIterator (with its own) decode the records.
//
// Properties checked (a failure aborts with the reason):
//  - a size from NextBatchSize is a whole batch inside the input whose
//    header parses;
//  - a bounded Decompress never returns more than the bound;
//  - RecordIterator yields no more records than the header counts, each
//    offset inside the batch's range, and exactly the count when it ends ok;
//  - the records of a batch that decodes, rebuilt with BatchBuilder (same
//    codec), read back the same, and the rebuilt batch's CRC is right;
//  - StampLogAppendTime leaves a batch whose CRC is right;
//  - ParseBatchList of the whole input either fails or gives headers whose
//    frames tile the input exactly, each equal to ParseBatchHeader's reading
//    of the batch at its position.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "klog/batch_format.h"
#include "klog/batch_list.h"
#include "klog/compression.h"
#include "klog/record.h"

namespace {

using namespace klog;

constexpr size_t kDecompressBound = size_t(1) << 20;

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "fuzz_record_batch: %s\n", why.c_str());
  std::abort();
}

// A record copied out of the iterator's buffers.
struct OwnedRecord {
  int64_t timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::optional<std::string> Own(std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

OwnedRecord Copy(const RecordView& r) {
  OwnedRecord o{r.timestamp, Own(r.key), Own(r.value), {}};
  for (const HeaderView& h : r.headers) o.headers.emplace_back(std::string(h.key), Own(h.value));
  return o;
}

bool Same(const OwnedRecord& a, const OwnedRecord& b) {
  return a.timestamp == b.timestamp && a.key == b.key && a.value == b.value &&
         a.headers == b.headers;
}

// Iterates one batch, checking the iterator's promises. Returns the records
// when every one decoded, nullopt otherwise.
std::optional<std::vector<OwnedRecord>> ReadRecords(std::span<const uint8_t> batch) {
  static RecordIterator it;  // reused, as readers do
  if (!it.Reset(batch).ok()) return std::nullopt;
  const BatchHeader& h = it.header();
  std::vector<OwnedRecord> out;
  RecordView r;
  while (it.Next(&r)) {
    if (int64_t(out.size()) >= h.records_count) Fail("more records than the header counts");
    uint64_t delta = uint64_t(r.offset) - uint64_t(h.base_offset);
    if (delta > uint64_t(h.last_offset_delta)) Fail("record offset outside the batch's range");
    out.push_back(Copy(r));
  }
  if (!it.status().ok()) return std::nullopt;
  if (int64_t(out.size()) != h.records_count) Fail("iteration ended ok before the count");
  return out;
}

void RebuildAndCompare(const BatchHeader& h, const std::vector<OwnedRecord>& records) {
  if (records.empty() || h.is_control()) return;
  static BatchBuilder builder;
  builder.Reset(records.front().timestamp);
  std::vector<BatchBuilder::Header> headers;
  for (const OwnedRecord& r : records) {
    headers.clear();
    for (const auto& [k, v] : r.headers) headers.push_back({k, v});
    builder.Add(r.key, r.value, headers, r.timestamp);
  }
  Result<std::span<uint8_t>> built = builder.Finish(h.compression());
  if (!built.ok()) Fail("BatchBuilder::Finish: " + built.status().message());
  if (!BatchCrcOk(*built)) Fail("rebuilt batch has a bad CRC");
  std::optional<std::vector<OwnedRecord>> again = ReadRecords(*built);
  if (!again) Fail("rebuilt batch does not decode");
  if (again->size() != records.size()) Fail("rebuilt batch has another record count");
  for (size_t i = 0; i < records.size(); ++i) {
    if (!Same(records[i], (*again)[i])) Fail("rebuilt record " + std::to_string(i) + " differs");
  }
}

void CheckBatch(std::span<const uint8_t> batch) {
  BatchHeader h;
  if (!ParseBatchHeader(batch, &h).ok()) Fail("NextBatchSize took a batch whose header fails");
  (void)BatchCrcOk(batch);
  int codec = int(h.compression());
  if (codec >= int(Compression::kGzip) && codec <= int(Compression::kZstd)) {
    static std::vector<uint8_t> out;
    Status s =
        Decompress(Compression(codec), batch.subspan(batch::kHeaderSize), &out, kDecompressBound);
    if (s.ok() && out.size() > kDecompressBound) Fail("Decompress went past its bound");
  }
  std::optional<std::vector<OwnedRecord>> records = ReadRecords(batch);
  if (records) RebuildAndCompare(h, *records);

  std::vector<uint8_t> copy(batch.begin(), batch.end());
  StampLogAppendTime(copy, 1700000000000);
  if (!BatchCrcOk(copy)) Fail("StampLogAppendTime left a bad CRC");
}

}  // namespace

// ParseBatchList's headers tile the input and are the batches' own.
void CheckBatchList(std::span<const uint8_t> input) {
  Result<BatchList> list = ParseBatchList({input.begin(), input.end()});
  if (!list.ok()) return;
  size_t position = 0;
  for (size_t i = 0; i < list->size(); ++i) {
    const BatchHeader& h = list->headers[i];
    if (h.size() < int64_t(batch::kHeaderSize) || size_t(h.size()) > input.size() - position) {
      Fail("ParseBatchList gave a frame outside the input");
    }
    BatchHeader again;
    if (!ParseBatchHeader(input.subspan(position), &again).ok() ||
        again.batch_length != h.batch_length || again.crc != h.crc ||
        again.records_count != h.records_count) {
      Fail("ParseBatchList gave a header that is not the batch's");
    }
    position += size_t(h.size());
  }
  if (position != input.size()) Fail("ParseBatchList's frames do not cover the input");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckBatchList(std::span<const uint8_t>(data, size));
  std::span<const uint8_t> rest(data, size);
  while (!rest.empty()) {
    Result<size_t> n = NextBatchSize(rest);
    if (!n.ok() || *n == 0) break;
    if (*n > rest.size() || *n < batch::kHeaderSize) Fail("NextBatchSize out of range");
    CheckBatch(rest.subspan(0, *n));
    rest = rest.subspan(*n);
  }
  return 0;
}
