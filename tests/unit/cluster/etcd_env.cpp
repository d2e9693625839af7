// EtcdEnv: an EtcdStore whose calls the test runs to their answers
// (contracts: etcd_fixture.h).
#include "etcd_fixture.h"

namespace klog::test {

using cluster::GetResult;

EtcdEnv::EtcdEnv(bool started, std::string endpoint, long timeout_ms) {
  if (started) {
    etcd = std::make_unique<EtcdServer>();
    endpoint = etcd->endpoint();
  }
  cluster::EtcdOptions options;
  options.endpoint = endpoint;
  options.request_timeout_ms = timeout_ms;
  options.connect_timeout_ms = std::min(timeout_ms, 2000L);
  auto created = cluster::EtcdStore::Create(loop.get(), options);
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  store = std::move(*created);
}

void EtcdEnv::Await(const bool& done) {
  REQUIRE_MESSAGE(loop.RunUntil([&] { return done; }, 15000), "no answer within 15 s");
}

std::pair<Status, GetResult> EtcdEnv::Get(const std::string& key) {
  bool done = false;
  std::pair<Status, GetResult> out;
  store->Get(key, [&](Status st, GetResult r) {
    out = {std::move(st), std::move(r)};
    done = true;
  });
  Await(done);
  return out;
}

std::pair<Status, GetResult> EtcdEnv::GetPrefix(const std::string& prefix) {
  bool done = false;
  std::pair<Status, GetResult> out;
  store->GetPrefix(prefix, [&](Status st, GetResult r) {
    out = {std::move(st), std::move(r)};
    done = true;
  });
  Await(done);
  return out;
}

std::pair<Status, int64_t> EtcdEnv::Put(const std::string& key, const std::string& value,
                                        int64_t expected, int64_t lease) {
  bool done = false;
  std::pair<Status, int64_t> out;
  store->PutIfRevision(key, value, expected, lease, [&](Status st, int64_t rev) {
    out = {std::move(st), rev};
    done = true;
  });
  Await(done);
  return out;
}

std::pair<Status, int64_t> EtcdEnv::Delete(const std::string& key, int64_t expected) {
  bool done = false;
  std::pair<Status, int64_t> out;
  store->DeleteIfRevision(key, expected, [&](Status st, int64_t rev) {
    out = {std::move(st), rev};
    done = true;
  });
  Await(done);
  return out;
}

std::pair<Status, int64_t> EtcdEnv::Commit(cluster::Txn txn) {
  bool done = false;
  std::pair<Status, int64_t> out;
  store->Commit(std::move(txn), [&](Status st, int64_t rev) {
    out = {std::move(st), rev};
    done = true;
  });
  Await(done);
  return out;
}

std::tuple<Status, int64_t, int64_t> EtcdEnv::Grant(int64_t ttl_s) {
  bool done = false;
  std::tuple<Status, int64_t, int64_t> out;
  store->LeaseGrant(ttl_s, [&](Status st, int64_t id, int64_t ttl) {
    out = {std::move(st), id, ttl};
    done = true;
  });
  Await(done);
  return out;
}

std::pair<Status, int64_t> EtcdEnv::KeepAlive(int64_t id) {
  bool done = false;
  std::pair<Status, int64_t> out;
  store->LeaseKeepAlive(id, [&](Status st, int64_t ttl) {
    out = {std::move(st), ttl};
    done = true;
  });
  Await(done);
  return out;
}

Status EtcdEnv::Revoke(int64_t id) {
  bool done = false;
  Status out;
  store->LeaseRevoke(id, [&](Status st) {
    out = std::move(st);
    done = true;
  });
  Await(done);
  return out;
}

}  // namespace klog::test
