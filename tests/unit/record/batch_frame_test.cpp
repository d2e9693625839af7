// Batch framing: BatchFrameSize, SetBatchLength and BatchFrameIterator
// (klog/batch_frame.h), each edge case of the frame header on its own.
#include "klog/batch_frame.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "klog/batch_format.h"
#include "klog/coding.h"
#include "klog/record.h"

namespace klog {
namespace {

// A frame of `size` bytes whose BatchLength says `size` (the contents past
// the frame header do not matter to framing).
std::vector<uint8_t> Frame(size_t size, uint8_t fill = 0) {
  std::vector<uint8_t> f(size, fill);
  SetBatchLength(f);
  return f;
}

// 12 bytes of frame header with BatchLength `length`.
std::vector<uint8_t> FrameHeader(int32_t length) {
  std::vector<uint8_t> h(batch::kLogOverhead, 0);
  PutBE32(h.data() + batch::kBatchLengthPos, uint32_t(length));
  return h;
}

TEST_CASE("short header: fewer than 12 bytes have no frame size") {
  std::vector<uint8_t> bytes = Frame(100);
  for (size_t n = 0; n < batch::kLogOverhead; ++n) {
    Result<size_t> r = BatchFrameSize(std::span<const uint8_t>(bytes.data(), n));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsCorruption());
    CHECK(r.status().message() ==
          "batch frame needs 12 bytes, only " + std::to_string(n) + " present");
  }
  Result<size_t> twelve = BatchFrameSize(std::span<const uint8_t>(bytes.data(), 12));
  REQUIRE(twelve.ok());
  CHECK(*twelve == 100);  // the frame header alone gives the size
}

TEST_CASE("negative length is refused, not read as a huge unsigned size") {
  for (int32_t length : {-1, -49, INT32_MIN}) {
    Result<size_t> r = BatchFrameSize(FrameHeader(length));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsCorruption());
    CHECK(r.status().message() ==
          "batch length " + std::to_string(length) + " is below the 49-byte minimum");
  }
}

TEST_CASE("length below minimal header is refused; the bare header length is accepted") {
  for (int32_t length : {0, 1, 48}) {
    Result<size_t> r = BatchFrameSize(FrameHeader(length));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          "batch length " + std::to_string(length) + " is below the 49-byte minimum");
  }
  Result<size_t> bare = BatchFrameSize(FrameHeader(49));
  REQUIRE(bare.ok());
  CHECK(*bare == kMinBatchFrameSize);
  CHECK(kMinBatchFrameSize == batch::kHeaderSize);
}

TEST_CASE("over limit: a frame larger than max_frame is TooLarge, one at the limit is not") {
  Result<size_t> over = BatchFrameSize(FrameHeader(int32_t(101 - batch::kLogOverhead)), 100);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == Status::Code::kTooLarge);
  CHECK(over.status().message() == "101 bytes is over the limit of 100");
  Result<size_t> at = BatchFrameSize(FrameHeader(int32_t(100 - batch::kLogOverhead)), 100);
  REQUIRE(at.ok());
  CHECK(*at == 100);
  // The default limit is what an int32 BatchLength can say.
  Result<size_t> largest = BatchFrameSize(FrameHeader(INT32_MAX));
  REQUIRE(largest.ok());
  CHECK(*largest == kMaxBatchFrameSize);
}

TEST_CASE("over limit is checked before the length is known to be short of the buffer") {
  // Only the frame header is present: the limit is still enforced.
  Result<size_t> r = BatchFrameSize(FrameHeader(1 << 20), 4096);
  CHECK(r.status().code() == Status::Code::kTooLarge);
}

TEST_CASE("set batch length writes the frame size minus the frame header") {
  std::vector<uint8_t> f = Frame(70);
  CHECK(GetBE32(f.data() + batch::kBatchLengthPos) == 58);
  CHECK(GetBE64(f.data() + batch::kBaseOffsetPos) == 0);  // nothing else is touched
}

TEST_CASE("exact fit: frames filling the buffer are all yielded and the walk ends ok") {
  std::vector<uint8_t> bytes = Frame(61, 1);
  std::vector<uint8_t> second = Frame(200, 2);
  bytes.insert(bytes.end(), second.begin(), second.end());
  BatchFrameIterator frames(bytes);
  std::span<const uint8_t> b;
  REQUIRE(frames.Next(&b));
  CHECK(b.data() == bytes.data());
  CHECK(b.size() == 61);
  REQUIRE(frames.Next(&b));
  CHECK(b.data() == bytes.data() + 61);
  CHECK(b.size() == 200);
  CHECK_FALSE(frames.Next(&b));
  CHECK(frames.status().ok());
  CHECK_FALSE(frames.partial());
  CHECK(frames.position() == bytes.size());
  CHECK_FALSE(frames.Next(&b));  // stays stopped
}

TEST_CASE("empty buffer: no frames and a clean end") {
  BatchFrameIterator frames(std::span<const uint8_t>{});
  std::span<const uint8_t> b;
  CHECK_FALSE(frames.Next(&b));
  CHECK(frames.status().ok());
  CHECK(frames.position() == 0);
}

TEST_CASE("trailing partial frame: the whole ones come first, then a partial stop") {
  std::vector<uint8_t> bytes = Frame(80);
  std::vector<uint8_t> tail = Frame(90);
  for (size_t cut = 1; cut < tail.size(); ++cut) {
    std::vector<uint8_t> buf = bytes;
    buf.insert(buf.end(), tail.begin(), tail.begin() + std::ptrdiff_t(cut));
    BatchFrameIterator frames(buf);
    std::span<const uint8_t> b;
    REQUIRE(frames.Next(&b));
    CHECK(b.size() == 80);
    CHECK_FALSE(frames.Next(&b));
    CHECK(b.size() == 80);  // left alone
    CHECK(frames.partial());
    CHECK(frames.status().IsCorruption());
    CHECK(frames.position() == 80);
    if (cut >= batch::kLogOverhead) {
      CHECK(frames.status().message() ==
            "partial batch: " + std::to_string(cut) + " of 90 bytes present");
    } else {
      CHECK(frames.status().message() ==
            "partial batch: " + std::to_string(cut) + " bytes, short of the 12-byte frame header");
    }
  }
}

TEST_CASE("malformed frame stops the walk with its reason, not as partial") {
  std::vector<uint8_t> bytes = Frame(64);
  std::vector<uint8_t> bad = FrameHeader(-5);
  bad.resize(100, 0);
  bytes.insert(bytes.end(), bad.begin(), bad.end());
  BatchFrameIterator frames(bytes);
  std::span<const uint8_t> b;
  REQUIRE(frames.Next(&b));
  CHECK_FALSE(frames.Next(&b));
  CHECK_FALSE(frames.partial());
  CHECK(frames.position() == 64);
  CHECK(frames.status().message() == "batch length -5 is below the 49-byte minimum");

  BatchFrameIterator limited(bytes, 63);
  CHECK_FALSE(limited.Next(&b));
  CHECK_FALSE(limited.partial());
  CHECK(limited.status().code() == Status::Code::kTooLarge);
  CHECK(limited.position() == 0);
}

TEST_CASE("frames agree with the batch header's size and with next batch size") {
  BatchBuilder builder;
  builder.Reset(1700000000000);
  builder.Add(std::string_view("k"), std::string_view("value"));
  Result<std::span<uint8_t>> built = builder.Finish();
  REQUIRE(built.ok());
  std::vector<uint8_t> bytes(built->begin(), built->end());
  BatchHeader h;
  REQUIRE(ParseBatchHeader(bytes, &h).ok());
  Result<size_t> frame = BatchFrameSize(bytes);
  REQUIRE(frame.ok());
  CHECK(int64_t(*frame) == h.size());
  CHECK(*frame == bytes.size());
  Result<size_t> next = NextBatchSize(bytes);
  REQUIRE(next.ok());
  CHECK(*next == *frame);
}

}  // namespace
}  // namespace klog
