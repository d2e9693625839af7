// FrameAssembler: frames cut from a stream whatever the read sizes, and the size prefix
// checked before anything is buffered.
#include <doctest/doctest.h>

#include <optional>
#include <vector>

#include "client/frame.h"

using klog::client::FrameAssembler;

namespace {

std::vector<uint8_t> Framed(std::vector<uint8_t> body) {
  uint32_t n = static_cast<uint32_t>(body.size());
  std::vector<uint8_t> out = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Feeds `stream` in pieces of `step` bytes and returns every frame, in order.
std::vector<std::vector<uint8_t>> FeedInSteps(FrameAssembler* a, const std::vector<uint8_t>& stream,
                                              size_t step) {
  std::vector<std::vector<uint8_t>> frames;
  for (size_t at = 0; at < stream.size(); at += step) {
    std::span<const uint8_t> data(stream.data() + at, std::min(step, stream.size() - at));
    while (!data.empty()) {
      std::optional<std::vector<uint8_t>> f;
      REQUIRE(a->Feed(&data, &f).ok());
      if (f) frames.push_back(std::move(*f));
    }
  }
  return frames;
}

}  // namespace

TEST_CASE("frames split across reads of every size come out whole and in order") {
  std::vector<uint8_t> stream = Framed({1, 2, 3});
  std::vector<uint8_t> second = Framed({});
  std::vector<uint8_t> third = Framed(std::vector<uint8_t>(1000, 7));
  stream.insert(stream.end(), second.begin(), second.end());
  stream.insert(stream.end(), third.begin(), third.end());
  for (size_t step : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(7), stream.size()}) {
    CAPTURE(step);
    FrameAssembler a(4096);
    auto frames = FeedInSteps(&a, stream, step);
    REQUIRE(frames.size() == 3);
    CHECK(frames[0] == std::vector<uint8_t>{1, 2, 3});
    CHECK(frames[1].empty());
    CHECK(frames[2] == std::vector<uint8_t>(1000, 7));
    CHECK(a.idle());
  }
}

TEST_CASE("a partial frame is kept until the rest arrives") {
  FrameAssembler a(100);
  std::vector<uint8_t> stream = Framed({9, 8, 7, 6});
  std::span<const uint8_t> head(stream.data(), 6);
  std::optional<std::vector<uint8_t>> f;
  REQUIRE(a.Feed(&head, &f).ok());
  CHECK(!f);
  CHECK(!a.idle());
  std::span<const uint8_t> tail(stream.data() + 6, stream.size() - 6);
  REQUIRE(a.Feed(&tail, &f).ok());
  REQUIRE(f);
  CHECK(*f == std::vector<uint8_t>{9, 8, 7, 6});
}

TEST_CASE("a size prefix over the limit is TooLarge before any body byte") {
  FrameAssembler a(16);
  std::vector<uint8_t> prefix = {0, 0, 0, 17};
  std::span<const uint8_t> data(prefix);
  std::optional<std::vector<uint8_t>> f;
  klog::Status s = a.Feed(&data, &f);
  CHECK(s.code() == klog::Status::Code::kTooLarge);
  CHECK(s.message().find("17") != std::string::npos);
}

TEST_CASE("a negative size prefix is Corruption") {
  FrameAssembler a(16);
  std::vector<uint8_t> prefix = {0xff, 0xff, 0xff, 0xfe};
  std::span<const uint8_t> data(prefix);
  std::optional<std::vector<uint8_t>> f;
  CHECK(a.Feed(&data, &f).IsCorruption());
}

TEST_CASE("a frame exactly at the limit is accepted") {
  FrameAssembler a(16);
  auto frames = FeedInSteps(&a, Framed(std::vector<uint8_t>(16, 1)), 4);
  CHECK(frames.size() == 1);
}
