// EtcdStore: the MetaStore on etcd 3.4, through its v3 HTTP/JSON gateway
// (/v3/kv/range, /v3/kv/txn, /v3/lease/*, /v3/watch) on one endpoint, with
// libcurl on the loop (CurlLoop), so no call blocks the loop thread.
//
// Every write is one etcd transaction, so the guards of MetaStore are etcd's
// compares and a Conflict is a transaction whose compares failed. A unary call
// that gets no whole answer within request_timeout_ms fails with IOError (its
// write may still have committed). A watch is one long POST to /v3/watch whose
// answer is a stream of JSON lines; it has only the connect timeout, and ends
// with an IOError when the stream ends or breaks.
//
// Threads and lifecycles: as MetaStore. Destroying the store stops every call
// and watch without calling back (a Watch object may outlive the store and is
// then inert); the loop must run afterwards to free its libuv handles.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "cluster/curl_loop.h"
#include "cluster/meta_store.h"

namespace klog::cluster {

struct EtcdOptions {
  std::string endpoint = "http://127.0.0.1:2379";  // the gateway's base URL
  long request_timeout_ms = 5000;                  // a unary call, connecting included
  long connect_timeout_ms = 2000;
};

class EtcdStore final : public MetaStore {
 public:
  static Result<std::unique_ptr<EtcdStore>> Create(uv_loop_t* loop, EtcdOptions options);
  ~EtcdStore() override = default;

  void Get(std::string key, GetFn done) override;
  void GetPrefix(std::string prefix, GetFn done) override;
  void PutIfRevision(std::string key, std::string value, int64_t expected_mod_revision,
                     int64_t lease, WriteFn done) override;
  void DeleteIfRevision(std::string key, int64_t expected_mod_revision, WriteFn done) override;
  void Commit(Txn txn, WriteFn done) override;
  void LeaseGrant(int64_t ttl_s, LeaseFn done) override;
  void LeaseKeepAlive(int64_t id, KeepAliveFn done) override;
  void LeaseRevoke(int64_t id, DoneFn done) override;
  std::unique_ptr<Watch> WatchPrefix(std::string prefix, int64_t from_revision,
                                     WatchFn on_batch) override;

 private:
  EtcdStore(EtcdOptions options, std::shared_ptr<CurlLoop> curl);
  // POSTs `body` to the gateway's `path`; `done` gets the HTTP answer.
  void Post(const char* path, std::string body, const std::string& what, HttpDoneFn done);
  void Range(std::string body, std::string what, GetFn done);
  void Write(const Txn& txn, std::string what, WriteFn done);

  EtcdOptions options_;
  std::shared_ptr<CurlLoop> curl_;  // shared only with the watches, which hold it weakly
};

}  // namespace klog::cluster
