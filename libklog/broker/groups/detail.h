// Helpers shared by the group coordinator's source files (not a public
// interface). Loop thread only.
#pragma once

#include <string>

#include "broker/groups/coordinator.h"

namespace klog::broker::groups::detail {

// Groups answer through the connection's Responder.
using net::Responder;

// The metadata `m` sent for `protocol`, or nullptr if it does not support it.
inline const std::string* MetadataFor(const GroupMember& m, const std::string& protocol) {
  for (const auto& p : m.protocols) {
    if (p.first == protocol) return &p.second;
  }
  return nullptr;
}

// Answers `reply` with a response of type Resp carrying only `code`.
template <class Resp>
void SendError(Responder& reply, int16_t code) {
  Resp resp;
  resp.error_code = code;
  reply.Send(resp);
}

}  // namespace klog::broker::groups::detail
