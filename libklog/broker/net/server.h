// Server: the libuv loop of klog-serve. It owns the listening socket, the
// connections, the idle-connection sweep (which also reports collapsed log
// lines, see broker/diagnostics.h), the request memory budget, the loop-lag
// probe (loop_lag.h, from Run() until shutdown completes) and the signal handlers.
//
// Lifecycle: Listen() binds (port 0 = ephemeral; bound() then has the real
// port), Run() serves until SIGTERM/SIGINT or Shutdown(). Shutdown stops
// accepting, lets every connection finish the requests it has already read
// (for at most shutdown_grace_ms), closes them and returns from Run(). A
// second signal during shutdown closes every connection at once. Loop thread
// only; the Broker must outlive the Server.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/config.h"
#include "broker/net/loop_lag.h"
#include "broker/net/request_budget.h"
#include "klog/status.h"

namespace klog::broker::net {

class Connection;
class MetricsHttp;

class Server {
 public:
  explicit Server(Broker* broker);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Resolves and binds config().listen and starts listening. Tells the Broker
  // the bound address (for what Metadata advertises). Binds config().metrics
  // too when it is set.
  Status Listen();
  const HostPort& bound() const { return bound_; }
  // Serves until shutdown has completed. Call after a successful Listen().
  Status Run();
  // Starts the graceful shutdown described above; idempotent. Loop thread,
  // once Run() has started (signals call it).
  void Shutdown(const std::string& why);

  uv_loop_t* loop() { return &loop_; }
  Broker& broker() { return *broker_; }
  const BrokerConfig& config() const { return broker_->config(); }
  // Gives `conn` another turn (Connection::Resume) on the next loop
  // iteration, after the other connections' pending events.
  void ScheduleResume(std::shared_ptr<Connection> conn);
  // Called by a Connection from its close callback.
  void OnConnectionClosed(uint64_t id);

  // The bound on bytes of requests being read or handled (request_budget.h),
  // used by Connections; these keep the metrics in step. A reservation that
  // is not granted at once is handed to the connection later through
  // Connection::OnMemoryGranted, unless it cancels it first.
  bool ReserveRequestMemory(uint64_t conn_id, int64_t bytes);
  void ReleaseRequestMemory(int64_t bytes);
  void CancelRequestMemory(uint64_t conn_id);
  const RequestBudget& request_memory() const { return request_memory_; }

 private:
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnSignal(uv_signal_t* handle, int signum);
  static void OnSweep(uv_timer_t* timer);
  static void OnGraceExpired(uv_timer_t* timer);
  static void OnResumeTurn(uv_idle_t* idle);
  void Accept();
  void CloseAll(const std::string& why);
  void MaybeFinishShutdown();
  bool GrantRequestMemory(uint64_t conn_id, int64_t bytes);
  void UpdateMemoryMetrics();

  Broker* broker_;
  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  uv_timer_t sweep_;
  uv_timer_t grace_;
  uv_idle_t resume_;
  std::vector<std::weak_ptr<Connection>> resume_list_;
  bool listening_ = false;
  bool shutting_down_ = false;
  bool finished_ = false;
  HostPort bound_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Connection>> conns_;
  RequestBudget request_memory_;
  LoopLag loop_lag_;
  std::unique_ptr<MetricsHttp> metrics_http_;  // with --metrics only
};

}  // namespace klog::broker::net
