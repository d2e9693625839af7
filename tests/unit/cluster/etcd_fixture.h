// What the cluster tests share: a real single-member etcd started for one test
// on free 127.0.0.1 ports, with its data under a fresh temporary directory,
// and stopped by PID when the test ends (EtcdServer); a uv loop the test
// drives (TestLoop); and an EtcdStore on it with each call run to its answer
// (EtcdEnv). The binary is $KLOG_ETCD_BIN, else `etcd` on PATH; a missing one
// fails the test: `make deps` installs Debian's etcd-server.
#pragma once

#include <doctest/doctest.h>
#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "cluster/etcd_store.h"

namespace klog::test {

// A loop owned by the test; the destructor runs it until every handle has
// closed and checks that it then closes (a leaked handle fails the test).
struct TestLoop {
  uv_loop_t loop;
  TestLoop();
  ~TestLoop();
  uv_loop_t* get() { return &loop; }
  // Runs the loop until `done` or `timeout_ms`; false on timeout.
  bool RunUntil(const std::function<bool()>& done, int timeout_ms);
  void RunFor(int ms) {
    RunUntil([] { return false; }, ms);
  }
};

// A port on 127.0.0.1 that was free a moment ago (bound to 0, then released).
int FreePort();

class EtcdServer {
 public:
  // Starts etcd and waits until it answers; fails the test if it cannot.
  EtcdServer();
  ~EtcdServer();  // stops etcd and removes its directory
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }
  // Drops the history before `revision` (blocking); true if etcd did.
  bool Compact(int64_t revision);
  // SIGTERM, then SIGKILL if it has not exited within 5 s. Idempotent.
  void Stop();

 private:
  bool StartOnce(const std::string& etcd);
  bool WaitReady();

  std::string dir_;  // data and log
  pid_t pid_ = -1;
  int client_port_ = 0;
  int peer_port_ = 0;
};

// A store on a test loop, its calls run to completion (each within 15 s, or
// the test fails).
struct EtcdEnv {
  TestLoop loop;
  std::unique_ptr<EtcdServer> etcd;
  std::unique_ptr<cluster::EtcdStore> store;

  // With a fresh etcd, or (started = false) none: then `endpoint` is used.
  explicit EtcdEnv(bool started = true, std::string endpoint = "", long timeout_ms = 5000);
  ~EtcdEnv() { store.reset(); }

  std::pair<Status, cluster::GetResult> Get(const std::string& key);
  std::pair<Status, cluster::GetResult> GetPrefix(const std::string& prefix);
  std::pair<Status, int64_t> Put(const std::string& key, const std::string& value, int64_t expected,
                                 int64_t lease = 0);
  std::pair<Status, int64_t> Delete(const std::string& key, int64_t expected);
  std::pair<Status, int64_t> Commit(cluster::Txn txn);
  std::tuple<Status, int64_t, int64_t> Grant(int64_t ttl_s);
  std::pair<Status, int64_t> KeepAlive(int64_t id);
  Status Revoke(int64_t id);
  // Runs the loop until `done` (fails the test after 15 s).
  void Await(const bool& done);
};

}  // namespace klog::test
