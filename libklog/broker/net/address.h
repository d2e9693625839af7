// Socket address helpers shared by the broker's listeners (the Kafka port
// and the metrics port).
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include "broker/config.h"
#include "klog/status.h"

namespace klog::broker::net {

// Resolves `hp` (a numeric address or a host name) for binding; the first
// address getaddrinfo(3) returns is used. Blocks on name resolution: call it
// at start-up, not while serving.
Status ResolveForBind(const HostPort& hp, sockaddr_storage* out);

// The local address `tcp` is bound to (the real port after binding port 0);
// an empty host if it cannot be read.
HostPort LocalAddress(uv_tcp_t* tcp);
// The same for a bound socket descriptor.
HostPort LocalAddress(int fd);

}  // namespace klog::broker::net
