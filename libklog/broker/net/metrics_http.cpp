#include "broker/net/metrics_http.h"

#include <microhttpd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "broker/broker.h"
#include "broker/diagnostics.h"
#include "broker/metrics.h"
#include "broker/net/address.h"

namespace klog::broker::net {
namespace {

constexpr int kListenBacklog = 64;

// A listening TCP socket (non-blocking, close-on-exec) bound to `address`.
// Bound here rather than by libmicrohttpd so that a failure names its cause.
Result<int> BindListener(const HostPort& address) {
  sockaddr_storage addr{};
  KLOG_RETURN_IF_ERROR(ResolveForBind(address, &addr));
  auto fail = [&](int err) {
    return Status::IOError("metrics: listen on " + address.ToString() + ": " +
                           uv_strerror(uv_translate_sys_error(err)));
  };
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(errno);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  socklen_t len = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(fd, kListenBacklog) != 0) {
    int err = errno;
    ::close(fd);
    return fail(err);
  }
  return fd;
}

const char* ErrorBody(int status) { return status == 404 ? "Not Found\n" : "Method Not Allowed\n"; }

}  // namespace

int MetricsHttpStatus(std::string_view method, std::string_view path) {
  if (path != "/metrics") return 404;
  if (method != "GET") return 405;
  return 200;
}

// Every function here runs on the HTTP thread (MHD_stop_daemon included:
// the loop thread only waits for it).
struct MetricsHttp::Callbacks {
  // Refuses a connection over kMaxConnections: libmicrohttpd closes it.
  static MHD_Result Accept(void* cls, const sockaddr*, socklen_t) {
    auto* self = static_cast<MetricsHttp*>(cls);
    if (self->open_connections_.load() < kMaxConnections) return MHD_YES;
    self->diagnostics_.Warn("metrics: too many connections (max " +
                            std::to_string(kMaxConnections) + ")");
    return MHD_NO;
  }

  static void Notify(void* cls, MHD_Connection*, void**, MHD_ConnectionNotificationCode code) {
    auto* self = static_cast<MetricsHttp*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) ++self->open_connections_;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) --self->open_connections_;
  }

  // libmicrohttpd's own messages (a malformed request, an oversized head).
  static void Log(void* cls, const char* format, va_list args) {
    auto* self = static_cast<MetricsHttp*>(cls);
    if (!self->diagnostics_.Enabled(LogLevel::kDebug)) return;
    char line[512];
    std::vsnprintf(line, sizeof(line), format, args);
    std::string_view text(line);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    self->diagnostics_.Debug("metrics: " + std::string(text));
  }

  // Answers once the request head is in, whatever body follows (it is
  // never read: the connection closes after the answer).
  static MHD_Result Answer(void* cls, MHD_Connection* conn, const char* url, const char* method,
                           const char*, const char*, size_t*, void**) {
    auto* self = static_cast<MetricsHttp*>(cls);
    int status = MetricsHttpStatus(method, url);
    MHD_Response* response = status == 200 ? Exposition(self->Fresh()) : Error(status);
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_Result queued = MHD_queue_response(conn, unsigned(status), response);
    MHD_destroy_response(response);
    if (self->diagnostics_.Enabled(LogLevel::kDebug))
      self->diagnostics_.Debug("metrics: answered " + std::to_string(status));
    return queued;
  }

  // A response whose body is `text` itself, held until libmicrohttpd is done.
  static MHD_Response* Exposition(MetricsSnapshot::Text text) {
    if (!text) return nullptr;
    auto* hold = new MetricsSnapshot::Text(std::move(text));
    MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
        (*hold)->size(), const_cast<char*>((*hold)->data()),
        [](void* held) { delete static_cast<MetricsSnapshot::Text*>(held); }, hold);
    if (response == nullptr) {
      delete hold;
      return nullptr;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4");
    return response;
  }

  static MHD_Response* Error(int status) {
    std::string_view body = ErrorBody(status);
    MHD_Response* response = MHD_create_response_from_buffer(
        body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_PERSISTENT);
    if (response == nullptr) return nullptr;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (status == 405) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET");
    return response;
  }
};

MetricsHttp::MetricsHttp(uv_loop_t* loop, Broker* broker)
    : loop_(loop), broker_(broker), diagnostics_(broker->diagnostics()) {}

MetricsHttp::~MetricsHttp() {
  // Close() must have run (and the loop closed the uv_async_t); this only
  // makes sure no HTTP thread outlives the object.
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

Status MetricsHttp::Listen(const HostPort& address) {
  Result<int> fd = BindListener(address);
  if (!fd.ok()) return fd.status();
  bound_ = LocalAddress(fd.value());
  uv_async_init(loop_, &render_, OnRenderRequested);
  render_.data = this;
  render_open_ = true;
  Render();  // so that there is always a rendering to fall back on
  // poll(2), not epoll: libmicrohttpd 0.9.75's epoll mode can miss a
  // half-close that arrives with the last bytes, so such a connection would
  // be held until the idle timeout. At kMaxConnections, poll costs nothing.
  unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  daemon_ =
      MHD_start_daemon(flags, 0, &Callbacks::Accept, this, &Callbacks::Answer, this,  //
                       MHD_OPTION_EXTERNAL_LOGGER, &Callbacks::Log, this,             //
                       MHD_OPTION_LISTEN_SOCKET, MHD_socket(fd.value()),              //
                       // A backstop only: Accept() refuses connections over kMaxConnections first.
                       MHD_OPTION_CONNECTION_LIMIT, unsigned(kMaxConnections + 1),     //
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, size_t(kMemoryLimitBytes),  //
                       MHD_OPTION_CONNECTION_TIMEOUT, unsigned(kIdleTimeoutSeconds),   //
                       MHD_OPTION_NOTIFY_CONNECTION, &Callbacks::Notify, this,         //
                       MHD_OPTION_END);
  if (daemon_ == nullptr) {
    // `fd` is not closed here: whether libmicrohttpd already closed it is
    // not documented, and klog-serve exits on this error anyway.
    return Status::IOError("metrics: cannot start the HTTP server on " + bound_.ToString());
  }
  diagnostics_.Info("metrics on " + bound_.ToString());
  return Status::Ok();
}

void MetricsHttp::Close() {
  snapshot_.Close();  // a request waiting for the loop (this thread) stops waiting
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);  // joins the HTTP thread
  daemon_ = nullptr;
  if (render_open_) uv_close(reinterpret_cast<uv_handle_t*>(&render_), nullptr);
  render_open_ = false;
}

void MetricsHttp::OnRenderRequested(uv_async_t* async) {
  static_cast<MetricsHttp*>(async->data)->Render();
}

void MetricsHttp::Render() {
  uint64_t ticket = snapshot_.Requested();
  std::vector<PartitionEnd> parts;
  broker_->partitions().ForEach([&](const std::string& topic, int32_t partition, int64_t hw) {
    parts.push_back(PartitionEnd{topic, partition, hw});
  });
  std::string text;
  broker_->metrics().Render(parts, &text);
  snapshot_.Publish(ticket, std::move(text));
}

MetricsSnapshot::Text MetricsHttp::Fresh() {
  uint64_t ticket = snapshot_.Request();
  uv_async_send(&render_);
  return snapshot_.Wait(ticket, std::chrono::milliseconds(kFreshWaitMs));
}

}  // namespace klog::broker::net
