#include "broker/net/server.h"

#include <algorithm>
#include <csignal>

#include "broker/diagnostics.h"
#include "broker/net/address.h"
#include "broker/net/connection.h"
#include "broker/net/metrics_http.h"

namespace klog::broker::net {
namespace {

Status UvError(const std::string& what, int rc) {
  return Status::IOError(what + ": " + uv_strerror(rc));
}

// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: only this host can connect.
bool IsLoopback(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    uint32_t a = ntohl(reinterpret_cast<const sockaddr_in&>(addr).sin_addr.s_addr);
    return (a >> 24) == 127;
  }
  if (addr.ss_family != AF_INET6) return false;
  const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
  return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
}

}  // namespace

Server::Server(Broker* broker)
    : broker_(broker),
      request_memory_(broker->config().max_queued_request_bytes,
                      [this](uint64_t id, int64_t bytes) { return GrantRequestMemory(id, bytes); }),
      loop_lag_(&loop_, &broker->metrics()) {
  uv_loop_init(&loop_);
  loop_.data = this;
  broker_->partitions().Attach(&loop_);
  broker_->groups().Attach(&loop_);
}

Server::~Server() {
  // Close whatever is still open (after a failed Listen, or if Run never ran).
  if (metrics_http_) metrics_http_->Close();
  // Stops the maintenance timers through their own close callbacks, which
  // free them (the walk below closes handles without one).
  broker_->partitions().WakeAll();
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  conns_.clear();
  uv_loop_close(&loop_);
}

Status Server::Listen() {
  // Committed offsets are in memory before the first request is served.
  broker_->groups().LoadOffsets();
  // Every topic's description and every partition's reader, read before the
  // loop runs, so that no request waits for them on the loop thread.
  KLOG_RETURN_IF_ERROR(broker_->partitions().PreloadAll());
  sockaddr_storage addr{};
  KLOG_RETURN_IF_ERROR(ResolveForBind(config().listen, &addr));
  if (!IsLoopback(addr)) {
    broker_->diagnostics().Warn(
        "listen address " + config().listen.ToString() +
        " is not a loopback address: clients are not authenticated (klog-serve has no SASL "
        "or TLS yet), so anyone who can connect can read, write and delete every topic");
  }
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  int rc = uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511, OnConnection);
  if (rc != 0) return UvError("listen on " + config().listen.ToString(), rc);
  listening_ = true;
  bound_ = LocalAddress(&listener_);

  broker_->SetBoundAddress(bound_);
  if (config().metrics.host.empty()) return Status::Ok();
  metrics_http_ = std::make_unique<MetricsHttp>(&loop_, broker_);
  return metrics_http_->Listen(config().metrics);
}

Status Server::Run() {
  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  sigterm_.data = sigint_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_timer_init(&loop_, &sweep_);
  uv_timer_init(&loop_, &grace_);
  uv_idle_init(&loop_, &resume_);
  sweep_.data = grace_.data = resume_.data = this;
  uint64_t tick = uint64_t(std::clamp<int64_t>(config().idle_timeout_ms / 4, 10, 1000));
  uv_timer_start(&sweep_, OnSweep, tick, tick);
  loop_lag_.Start();
  broker_->diagnostics().Info("listening on " + bound_.ToString() + ", advertising " +
                              broker_->advertised().ToString() + ", node id " +
                              std::to_string(broker_->node_id()) + ", data directory " +
                              broker_->data_dir().path());
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Every append job has finished (they keep the loop alive): close the
  // writers, which syncs them and marks the clean shutdown.
  Status s = broker_->partitions().CloseAll();
  if (!s.ok()) broker_->diagnostics().Error("closing partitions: " + s.message());
  broker_->diagnostics().FlushRepeats(true);
  broker_->diagnostics().Info("stopped");
  return s;
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status != 0) {
    self->broker_->diagnostics().Warn(std::string("accept: ") + uv_strerror(status));
    return;
  }
  self->Accept();
}

void Server::Accept() {
  uint64_t id = next_id_++;
  auto conn = std::make_shared<Connection>(this, id);
  uv_tcp_init(&loop_, conn->tcp());
  conns_[id] = conn;
  int rc = uv_accept(reinterpret_cast<uv_stream_t*>(&listener_),
                     reinterpret_cast<uv_stream_t*>(conn->tcp()));
  broker_->metrics().SetOpenConnections(conns_.size());
  if (rc != 0) return conn->Close(std::string("accept: ") + uv_strerror(rc), LogLevel::kWarn);
  broker_->metrics().OnConnectionAccepted();
  conn->Start();
  // Connections already closing (their close callback not yet run) do not count.
  size_t open = 0;
  for (auto& [other_id, c] : conns_) open += c->closing() ? 0 : 1;
  if (open > size_t(config().max_connections)) {
    conn->Close("too many connections (max " + std::to_string(config().max_connections) + ")",
                LogLevel::kWarn);
  }
}

void Server::OnConnectionClosed(uint64_t id) {
  conns_.erase(id);
  broker_->metrics().SetOpenConnections(conns_.size());
  MaybeFinishShutdown();
}

bool Server::ReserveRequestMemory(uint64_t conn_id, int64_t bytes) {
  bool granted = request_memory_.Reserve(conn_id, bytes);
  UpdateMemoryMetrics();
  return granted;
}

void Server::ReleaseRequestMemory(int64_t bytes) {
  if (bytes == 0) return;
  request_memory_.Release(bytes);
  UpdateMemoryMetrics();
}

void Server::CancelRequestMemory(uint64_t conn_id) {
  request_memory_.Cancel(conn_id);
  UpdateMemoryMetrics();
}

bool Server::GrantRequestMemory(uint64_t conn_id, int64_t bytes) {
  auto it = conns_.find(conn_id);
  if (it == conns_.end() || it->second->closing()) return false;
  it->second->OnMemoryGranted(bytes);
  return true;
}

void Server::UpdateMemoryMetrics() {
  broker_->metrics().SetRequestMemory(uint64_t(request_memory_.reserved()),
                                      request_memory_.waiting());
}

void Server::OnSignal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Server*>(handle->data);
  std::string name = signum == SIGTERM ? "SIGTERM" : "SIGINT";
  if (self->shutting_down_) {
    self->CloseAll(name + " during shutdown");
    return;
  }
  self->Shutdown(name);
}

void Server::Shutdown(const std::string& why) {
  if (shutting_down_) return;
  shutting_down_ = true;
  broker_->diagnostics().Info(why + ": shutting down (" + std::to_string(conns_.size()) +
                              " connection(s) open)");
  if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  listening_ = false;
  if (metrics_http_) metrics_http_->Close();
  uv_timer_stop(&sweep_);
  // Signal handles stay active for a second signal but no longer keep the loop alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(&sigterm_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&sigint_));
  uv_timer_start(&grace_, OnGraceExpired, uint64_t(config().shutdown_grace_ms), 0);
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, c] : conns_) open.push_back(c);
  for (auto& c : open) c->Drain();
  // Long-poll fetches answer now instead of at the end of their wait, and so
  // do held JoinGroup/SyncGroup requests.
  broker_->partitions().WakeAll();
  broker_->groups().Shutdown();
  MaybeFinishShutdown();
}

void Server::OnGraceExpired(uv_timer_t* timer) {
  static_cast<Server*>(timer->data)->CloseAll("shutdown grace period over");
}

void Server::CloseAll(const std::string& why) {
  std::vector<std::shared_ptr<Connection>> open;
  for (auto& [id, c] : conns_) open.push_back(c);
  for (auto& c : open) c->Close(why, LogLevel::kWarn);
}

void Server::MaybeFinishShutdown() {
  if (!shutting_down_ || finished_ || !conns_.empty()) return;
  finished_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&grace_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&resume_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sweep_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  loop_lag_.Close();
}

void Server::ScheduleResume(std::shared_ptr<Connection> conn) {
  if (finished_) return;
  if (resume_list_.empty()) uv_idle_start(&resume_, OnResumeTurn);
  resume_list_.push_back(conn);
}

void Server::OnResumeTurn(uv_idle_t* idle) {
  auto* self = static_cast<Server*>(idle->data);
  uv_idle_stop(idle);
  std::vector<std::weak_ptr<Connection>> list;
  list.swap(self->resume_list_);
  for (auto& weak : list) {
    if (auto c = weak.lock(); c && !c->closing()) c->Resume();
  }
}

void Server::OnSweep(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  self->broker_->diagnostics().FlushRepeats();
  uint64_t now = uv_now(&self->loop_);
  uint64_t limit = uint64_t(self->config().idle_timeout_ms);
  std::vector<std::shared_ptr<Connection>> idle;
  for (auto& [id, c] : self->conns_) {
    if (!c->closing() && now - c->last_activity() >= limit) idle.push_back(c);
  }
  for (auto& c : idle) c->Close("idle for " + std::to_string(limit) + " ms", LogLevel::kInfo);
}

}  // namespace klog::broker::net
