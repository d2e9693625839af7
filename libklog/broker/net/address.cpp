#include "broker/net/address.h"

#include <netdb.h>

#include <algorithm>
#include <cstring>

namespace klog::broker {

Status ResolveForBind(const HostPort& hp, sockaddr_storage* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(hp.port);
  int rc = ::getaddrinfo(hp.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return Status::InvalidArgument("listen address " + hp.ToString() + ": " + gai_strerror(rc));
  }
  std::memcpy(out, res->ai_addr, std::min<size_t>(res->ai_addrlen, sizeof(*out)));
  ::freeaddrinfo(res);
  return Status::Ok();
}

HostPort LocalAddress(uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  HostPort hp;
  if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return hp;
  char host[64] = "";
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    uv_ip6_name(a, host, sizeof(host));
    hp.port = ntohs(a->sin6_port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    uv_ip4_name(a, host, sizeof(host));
    hp.port = ntohs(a->sin_port);
  }
  hp.host = host;
  return hp;
}

}  // namespace klog::broker
