#include "broker/net/address.h"

#include <netdb.h>

#include <algorithm>
#include <cstring>

namespace klog::broker::net {

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
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(tcp), &fd) != 0) return HostPort{};
  return LocalAddress(int(fd));
}

HostPort LocalAddress(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  HostPort hp;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return hp;
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

}  // namespace klog::broker::net
