#include "broker/net/metrics_http.h"

#include <array>
#include <vector>

#include "broker/broker.h"
#include "broker/diagnostics.h"
#include "broker/metrics.h"
#include "broker/net/address.h"

namespace klog::broker {

struct MetricsHttp::Conn {
  MetricsHttp* owner = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t write;
  uv_shutdown_t shutdown;
  std::array<char, 4096> chunk;
  std::string in;   // the request head read so far
  std::string out;  // the response, alive until the write completes
  bool responded = false;
  bool peer_eof = false;
  bool closing = false;
  int open_handles = 2;  // tcp and timer; freed when both are closed
};

namespace {

bool IsTokenChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' ||
         c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
}

// A header line "Name: value": a token, a colon, then printable text.
bool ValidHeaderLine(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (size_t i = 0; i < colon; ++i) {
    if (!IsTokenChar(line[i])) return false;
  }
  for (char c : line.substr(colon + 1)) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    default:
      return "Bad Request";
  }
}

}  // namespace

int MetricsHttpStatus(std::string_view head) {
  size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return 400;
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return 400;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty()) return 400;
  for (char c : method) {
    if (!IsTokenChar(c)) return 400;
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return 400;
  if (target.empty() || target[0] != '/') return 400;
  for (char c : target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return 400;
  }
  // Header lines up to the blank line that ends the head.
  size_t pos = eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) return 400;
    if (end == pos) break;
    if (!ValidHeaderLine(head.substr(pos, end - pos))) return 400;
    pos = end + 2;
  }
  std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics") return 404;
  if (method != "GET") return 405;
  return 200;
}

std::string MetricsHttpResponse(int status, std::string_view body) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  r += status == 200 ? "Content-Type: text/plain; version=0.0.4\r\n"
                     : "Content-Type: text/plain; charset=utf-8\r\n";
  if (status == 405) r += "Allow: GET\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "Connection: close\r\n\r\n";
  r.append(body);
  return r;
}

MetricsHttp::MetricsHttp(uv_loop_t* loop, Broker* broker) : loop_(loop), broker_(broker) {}

MetricsHttp::~MetricsHttp() {
  // Close() must have run and the loop must have freed the connections.
  for (Conn* c : conns_) delete c;
}

Status MetricsHttp::Listen(const HostPort& address) {
  sockaddr_storage addr{};
  KLOG_RETURN_IF_ERROR(ResolveForBind(address, &addr));
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  listening_ = true;  // the handle exists and must be closed, even if binding fails
  int rc = uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 64, OnConnection);
  if (rc != 0) {
    return Status::IOError("metrics: listen on " + address.ToString() + ": " + uv_strerror(rc));
  }
  bound_ = LocalAddress(&listener_);
  LogInfo("metrics on " + bound_.ToString());
  return Status::Ok();
}

void MetricsHttp::Close() {
  if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  listening_ = false;
  std::vector<Conn*> open(conns_.begin(), conns_.end());
  for (Conn* c : open) CloseConn(c);
}

void MetricsHttp::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<MetricsHttp*>(listener->data);
  if (status != 0) {
    LogWarn(std::string("metrics: accept: ") + uv_strerror(status));
    return;
  }
  self->Accept();
}

void MetricsHttp::Accept() {
  auto* listener = reinterpret_cast<uv_stream_t*>(&listener_);
  if (conns_.size() >= kMaxConnections) {
    // Taken off the backlog and closed, so the client sees the refusal at once.
    auto* extra = new uv_tcp_t;
    uv_tcp_init(loop_, extra);
    uv_accept(listener, reinterpret_cast<uv_stream_t*>(extra));
    uv_close(reinterpret_cast<uv_handle_t*>(extra),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    LogWarn("metrics: too many connections (max " + std::to_string(kMaxConnections) + ")");
    return;
  }
  auto* c = new Conn;
  c->owner = this;
  uv_tcp_init(loop_, &c->tcp);
  uv_timer_init(loop_, &c->timer);
  c->tcp.data = c->timer.data = c;
  conns_.insert(c);
  int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp));
  if (rc == 0) rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnAlloc, OnRead);
  if (rc != 0) {
    LogWarn(std::string("metrics: accept: ") + uv_strerror(rc));
    return CloseConn(c);
  }
  uv_timer_start(&c->timer, OnTimeout, kIdleTimeoutMs, 0);
}

void MetricsHttp::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(h->data);
  *buf = uv_buf_init(c->chunk.data(), c->chunk.size());
}

void MetricsHttp::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(s->data);
  MetricsHttp* self = c->owner;
  if (c->closing || nread == 0) return;
  if (nread < 0) {
    // The client closed (or failed). A partial request gets its 400 first.
    if (nread == UV_EOF && !c->responded && !c->in.empty()) {
      c->peer_eof = true;
      uv_read_stop(s);
      return self->Respond(c, 400);
    }
    return self->CloseConn(c);
  }
  if (c->responded) return;  // lingering: whatever follows the request is discarded
  c->in.append(buf->base, size_t(nread));
  self->HandleBytes(c);
}

void MetricsHttp::HandleBytes(Conn* c) {
  size_t end = c->in.find("\r\n\r\n");
  if (end != std::string::npos && end + 4 <= kMaxRequestBytes) {
    return Respond(c, MetricsHttpStatus(std::string_view(c->in).substr(0, end + 4)));
  }
  if (c->in.size() > kMaxRequestBytes || end != std::string::npos) {
    LogDebug("metrics: request head over " + std::to_string(kMaxRequestBytes) + " bytes");
    Respond(c, 400);
  }
}

std::string MetricsHttp::Body() const {
  std::vector<PartitionEnd> parts;
  broker_->partitions().ForEach([&](const std::string& topic, int32_t partition, int64_t hw) {
    parts.push_back(PartitionEnd{topic, partition, hw});
  });
  std::string body;
  broker_->metrics().Render(parts, &body);
  return body;
}

void MetricsHttp::Respond(Conn* c, int status) {
  c->responded = true;
  c->in.clear();
  c->out = MetricsHttpResponse(status, status == 200 ? Body() : std::string(Reason(status)) + "\n");
  if (LogEnabled(LogLevel::kDebug)) LogDebug("metrics: answered " + std::to_string(status));
  uv_buf_t buf = uv_buf_init(c->out.data(), c->out.size());
  c->write.data = c;
  int rc = uv_write(&c->write, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, OnWritten);
  if (rc != 0) return CloseConn(c);
  uv_timer_start(&c->timer, OnTimeout, kLingerMs, 0);
}

void MetricsHttp::OnWritten(uv_write_t* req, int status) {
  auto* c = static_cast<Conn*>(req->data);
  if (c->closing) return;
  if (status != 0 || c->peer_eof) return c->owner->CloseConn(c);
  // Half-close: the client reads to the end and closes; the timer ends the linger.
  c->shutdown.data = c;
  if (uv_shutdown(&c->shutdown, reinterpret_cast<uv_stream_t*>(&c->tcp),
                  [](uv_shutdown_t*, int) {}) != 0) {
    c->owner->CloseConn(c);
  }
}

void MetricsHttp::OnTimeout(uv_timer_t* timer) {
  auto* c = static_cast<Conn*>(timer->data);
  c->owner->CloseConn(c);
}

void MetricsHttp::CloseConn(Conn* c) {
  if (c->closing) return;
  c->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), OnConnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), OnConnClosed);
}

void MetricsHttp::OnConnClosed(uv_handle_t* h) {
  auto* c = static_cast<Conn*>(h->data);
  if (--c->open_handles > 0) return;
  c->owner->conns_.erase(c);
  delete c;
}

}  // namespace klog::broker
