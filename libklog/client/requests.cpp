#include "client/requests.h"

#include "client/versions.h"
#include "proto/schema.h"
#include "proto/wire.h"

namespace klog::client {

template <class Req>
std::vector<uint8_t> EncodeRequestFrame(const Req& msg, int16_t version, int32_t correlation_id,
                                        std::string_view client_id) {
  std::vector<uint8_t> frame;
  proto::Writer w(&frame);
  w.Int32(0);  // size, patched below
  w.Int16(Req::kApiKey);
  w.Int16(version);
  w.Int32(correlation_id);
  w.String(client_id);  // always the classic int16-length form, even in header v2
  bool flexible = IsFlexibleVersion(Req::kApiKey, version);
  if (flexible) w.EmptyTaggedFields();
  proto::Encoder e(&w, version, flexible);
  e.Struct(const_cast<Req&>(msg));  // the Encoder only reads
  w.PatchInt32(0, static_cast<int32_t>(frame.size() - 4));
  return frame;
}

template <class Resp>
Status DecodeResponseFrame(std::span<const uint8_t> frame, int16_t version,
                           const std::string& broker, Resp* out) {
  proto::Reader r(frame);
  r.Int32();  // correlation id, matched by the connection
  if (HasTaggedResponseHeader(Resp::kApiKey, version)) r.SkipTaggedFields();
  if (r.ok()) {
    proto::Decoder d(&r, version, IsFlexibleVersion(Resp::kApiKey, version));
    d.Struct(*out);
  }
  if (r.ok()) return Status::Ok();
  return Status::Corruption(ApiName(Resp::kApiKey) + " v" + std::to_string(version) +
                            " response from " + broker + ": " + r.error());
}

Status ResponseCorrelationId(std::span<const uint8_t> frame, int32_t* id) {
  proto::Reader r(frame);
  *id = r.Int32();
  if (r.ok()) return Status::Ok();
  return Status::Corruption("response frame of " + std::to_string(frame.size()) +
                            " bytes has no correlation id");
}

int16_t ApiVersionsErrorCode(std::span<const uint8_t> frame) {
  proto::Reader r(frame);
  r.Int32();
  int16_t code = r.Int16();
  return r.ok() ? code : -1;
}

#define KLOG_CLIENT_API(Req, Resp)                                                                 \
  template std::vector<uint8_t> EncodeRequestFrame<Req>(const Req&, int16_t, int32_t,              \
                                                        std::string_view);                         \
  template Status DecodeResponseFrame<Resp>(std::span<const uint8_t>, int16_t, const std::string&, \
                                            Resp*);

KLOG_CLIENT_API(proto::ApiVersionsRequest, proto::ApiVersionsResponse)
KLOG_CLIENT_API(proto::MetadataRequest, proto::MetadataResponse)
KLOG_CLIENT_API(proto::ListOffsetsRequest, proto::ListOffsetsResponse)
KLOG_CLIENT_API(proto::FetchRequest, proto::FetchResponse)
KLOG_CLIENT_API(proto::ProduceRequest, proto::ProduceResponse)
KLOG_CLIENT_API(proto::OffsetForLeaderEpochRequest, proto::OffsetForLeaderEpochResponse)
KLOG_CLIENT_API(proto::DescribeConfigsRequest, proto::DescribeConfigsResponse)

#undef KLOG_CLIENT_API

}  // namespace klog::client
