// Dispatch: turns one request frame into a handler call. Decodes the request
// header, then either calls the API's handler with a Responder for request
// `seq`, answers an ApiVersions version that is too new with the v0
// UNSUPPORTED_VERSION body (clients then retry lower), or closes the
// connection (undecodable header, unknown API key, unsupported version of
// another API), logging why.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <span>

namespace klog::broker {
class Broker;
namespace net {
class Connection;
}  // namespace net
}  // namespace klog::broker

namespace klog::broker::handlers {

void Dispatch(Broker& broker, uv_loop_t* loop, const std::shared_ptr<net::Connection>& conn,
              uint64_t seq, std::span<const uint8_t> frame);

}  // namespace klog::broker::handlers
