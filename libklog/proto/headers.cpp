#include "proto/headers.h"

#include "proto/api.h"

namespace klog::proto {

Status DecodeRequestHeader(std::span<const uint8_t> frame, RequestHeader* out,
                           std::span<const uint8_t>* body) {
  Reader r(frame);
  out->api_key = r.Int16();
  out->api_version = r.Int16();
  out->correlation_id = r.Int32();
  out->client_id = r.String(&out->client_id_null);
  if (r.ok() && IsFlexible(out->api_key, out->api_version)) r.SkipTaggedFields();
  if (!r.ok()) return Status::Corruption("request header: " + r.error());
  *body = frame.subspan(r.pos());
  return Status::Ok();
}

int ResponseHeaderVersion(int16_t api_key, int16_t api_version) {
  if (api_key == kApiVersions) return 0;
  return IsFlexible(api_key, api_version) ? 1 : 0;
}

size_t BeginResponseFrame(Writer* w, const RequestHeader& req) {
  size_t start = w->size();
  w->Int32(0);  // size, patched by EndResponseFrame
  w->Int32(req.correlation_id);
  if (ResponseHeaderVersion(req.api_key, req.api_version) == 1) w->EmptyTaggedFields();
  return start;
}

void EndResponseFrame(Writer* w, size_t start) {
  w->PatchInt32(start, static_cast<int32_t>(w->size() - start - 4));
}

}  // namespace klog::proto
