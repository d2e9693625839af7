// libFuzzer target: bytes a broker might send, through the client's receive path
// (libklog/client), without a socket. The first input byte picks the API (an index into
// client::ClientApis()), the second the version within the client's range; the rest is a
// byte stream cut into frames by client::FrameAssembler (at most 64 KiB per frame), and
// every whole frame is decoded as that API's response by client::DecodeResponseFrame.
//
// What decodes is encoded again (as a broker would) and must decode to the same bytes; a
// failure aborts with the API and version.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "client/frame.h"
#include "client/requests.h"
#include "client/versions.h"
#include "proto/schema.h"

namespace {

using namespace klog;

[[noreturn]] void Fail(int16_t key, int16_t version, const char* what) {
  std::fprintf(stderr, "fuzz_client_response: %s v%d: %s\n", client::ApiName(key).c_str(), version,
               what);
  std::abort();
}

template <class Resp>
std::vector<uint8_t> Reencode(const Resp& resp, int16_t version) {
  std::vector<uint8_t> out;
  proto::Writer w(&out);
  w.Int32(1);  // correlation id
  if (client::HasTaggedResponseHeader(Resp::kApiKey, version)) w.EmptyTaggedFields();
  proto::Encoder e(&w, version, client::IsFlexibleVersion(Resp::kApiKey, version));
  e.Struct(const_cast<Resp&>(resp));
  return out;
}

template <class Resp>
void DecodeAndRoundTrip(std::span<const uint8_t> frame, int16_t version) {
  Resp resp;
  if (!client::DecodeResponseFrame(frame, version, "fuzz", &resp).ok()) return;
  std::vector<uint8_t> once = Reencode(resp, version);
  Resp again;
  if (!client::DecodeResponseFrame(once, version, "fuzz", &again).ok()) {
    Fail(Resp::kApiKey, version, "re-encoded response does not decode");
  }
  if (Reencode(again, version) != once) {
    Fail(Resp::kApiKey, version, "encoding is not stable across a round trip");
  }
}

void Decode(int16_t key, int16_t version, std::span<const uint8_t> frame) {
  switch (key) {
    case 0:
      return DecodeAndRoundTrip<proto::ProduceResponse>(frame, version);
    case 1:
      return DecodeAndRoundTrip<proto::FetchResponse>(frame, version);
    case 2:
      return DecodeAndRoundTrip<proto::ListOffsetsResponse>(frame, version);
    case 3:
      return DecodeAndRoundTrip<proto::MetadataResponse>(frame, version);
    case 18:
      return DecodeAndRoundTrip<proto::ApiVersionsResponse>(frame, version);
    case 23:
      return DecodeAndRoundTrip<proto::OffsetForLeaderEpochResponse>(frame, version);
    case 32:
      return DecodeAndRoundTrip<proto::DescribeConfigsResponse>(frame, version);
  }
  Fail(key, version, "no response struct in this target");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::span<const client::ClientApi> apis = client::ClientApis();
  const client::ClientApi& api = apis[data[0] % apis.size()];
  int16_t span = static_cast<int16_t>(api.max_version - api.min_version + 1);
  int16_t version = static_cast<int16_t>(api.min_version + data[1] % span);
  std::span<const uint8_t> stream(data + 2, size - 2);
  client::FrameAssembler frames(64 * 1024);
  while (!stream.empty()) {
    std::optional<std::vector<uint8_t>> frame;
    if (!frames.Feed(&stream, &frame).ok()) return 0;
    if (frame) Decode(api.key, version, *frame);
  }
  return 0;
}
