// The MetaStore calls as etcd gateway requests (contracts: etcd_store.h; the
// JSON: etcd_json.h).
#include "cluster/etcd_store.h"

#include <utility>

#include "cluster/etcd_json.h"
#include "cluster/etcd_watch.h"

namespace klog::cluster {

using etcd::json;

Result<std::unique_ptr<EtcdStore>> EtcdStore::Create(uv_loop_t* loop, EtcdOptions options) {
  auto curl = CurlLoop::Create(loop);
  if (!curl.ok()) return curl.status();
  std::shared_ptr<CurlLoop> shared = std::move(*curl);
  return std::unique_ptr<EtcdStore>(new EtcdStore(std::move(options), std::move(shared)));
}

EtcdStore::EtcdStore(EtcdOptions options, std::shared_ptr<CurlLoop> curl)
    : options_(std::move(options)), curl_(std::move(curl)) {}

void EtcdStore::Post(const char* path, std::string body, const std::string& what, HttpDoneFn done) {
  HttpRequest req;
  req.url = options_.endpoint + path;
  req.body = std::move(body);
  req.timeout_ms = options_.request_timeout_ms;
  req.connect_timeout_ms = options_.connect_timeout_ms;
  // A transport failure names the URL; the caller's context names the call and key.
  curl_->Post(std::move(req), [what, done = std::move(done)](Status st, HttpResponse resp) {
    done(st.ok() ? st : st.WithContext(what), std::move(resp));
  });
}

void EtcdStore::Range(std::string body, std::string what, GetFn done) {
  Post("/v3/kv/range", std::move(body), what,
       [what, done = std::move(done)](Status st, HttpResponse resp) {
         GetResult result;
         json reply;
         if (st.ok()) st = etcd::ParseReply(resp, what, &reply);
         if (st.ok()) st = etcd::DecodeRange(reply, what, &result);
         if (!st.ok()) {
           done(st, GetResult());
           return;
         }
         done(Status::Ok(), std::move(result));
       });
}

void EtcdStore::Get(std::string key, GetFn done) {
  json body{{"key", etcd::Base64(key)}};
  Range(body.dump(), "etcd get " + etcd::Printable(key), std::move(done));
}

void EtcdStore::GetPrefix(std::string prefix, GetFn done) {
  // etcd refuses an empty key; "\0" up to "\0" is every key.
  std::string from = prefix.empty() ? std::string(1, '\0') : prefix;
  json body{{"key", etcd::Base64(from)}, {"range_end", etcd::Base64(etcd::PrefixEnd(prefix))}};
  Range(body.dump(), "etcd get prefix " + etcd::Printable(prefix), std::move(done));
}

void EtcdStore::Write(const Txn& txn, std::string what, WriteFn done) {
  json compares = json::array();
  for (const Compare& c : txn.compares) compares.push_back(etcd::EncodeCompare(c));
  json ops = json::array();
  for (const WriteOp& op : txn.ops) ops.push_back(etcd::EncodeOp(op));
  json body{{"compare", std::move(compares)}, {"success", std::move(ops)}};
  Post("/v3/kv/txn", body.dump(), what,
       [what, done = std::move(done)](Status st, HttpResponse resp) {
         json reply;
         int64_t revision = 0;
         if (st.ok()) st = etcd::ParseReply(resp, what, &reply);
         if (st.ok()) st = etcd::HeaderRevision(reply, what, &revision);
         if (!st.ok()) {
           done(st, 0);
           return;
         }
         // proto3 leaves out a false "succeeded": absent means the compares failed.
         auto ok = reply.find("succeeded");
         if (ok == reply.end() || !ok->is_boolean() || !ok->get<bool>()) {
           done(Status::Conflict(what + ": a revision guard did not hold (store at revision " +
                                 std::to_string(revision) + ")"),
                revision);
           return;
         }
         done(Status::Ok(), revision);
       });
}

void EtcdStore::PutIfRevision(std::string key, std::string value, int64_t expected_mod_revision,
                              int64_t lease, WriteFn done) {
  Txn txn;
  txn.compares.push_back({key, Compare::Target::kModRevision, expected_mod_revision});
  txn.ops.push_back({WriteOp::Kind::kPut, key, std::move(value), lease});
  Write(txn,
        "etcd put " + etcd::Printable(key) + " if mod revision " +
            std::to_string(expected_mod_revision),
        std::move(done));
}

void EtcdStore::DeleteIfRevision(std::string key, int64_t expected_mod_revision, WriteFn done) {
  Txn txn;
  txn.compares.push_back({key, Compare::Target::kModRevision, expected_mod_revision});
  txn.ops.push_back({WriteOp::Kind::kDelete, key, "", 0});
  Write(txn,
        "etcd delete " + etcd::Printable(key) + " if mod revision " +
            std::to_string(expected_mod_revision),
        std::move(done));
}

void EtcdStore::Commit(Txn txn, WriteFn done) {
  std::string what = "etcd txn of " + std::to_string(txn.ops.size()) + " ops";
  if (!txn.ops.empty()) what += " (first key " + etcd::Printable(txn.ops.front().key) + ")";
  if (txn.compares.size() > kMaxTxnOps || txn.ops.size() > kMaxTxnOps) {
    // Refused before any I/O, but still called back later, as every call is.
    Status why = Status::InvalidArgument(what + ": more than " + std::to_string(kMaxTxnOps) +
                                         " compares or ops");
    curl_->Fail(why, [done = std::move(done)](Status st, HttpResponse) { done(st, 0); });
    return;
  }
  Write(txn, std::move(what), std::move(done));
}

void EtcdStore::LeaseGrant(int64_t ttl_s, LeaseFn done) {
  std::string what = "etcd lease grant ttl " + std::to_string(ttl_s) + "s";
  json body{{"TTL", std::to_string(ttl_s)}};
  Post(
      "/v3/lease/grant", body.dump(), what,
      [what, done = std::move(done)](Status st, HttpResponse resp) {
        json reply;
        int64_t id = 0, ttl = 0;
        if (st.ok()) st = etcd::ParseReply(resp, what, &reply);
        if (st.ok()) st = etcd::Int64Field(reply, "ID", what, &id);
        if (st.ok()) st = etcd::Int64Field(reply, "TTL", what, &ttl);
        auto err = reply.is_object() ? reply.find("error") : reply.end();
        if (st.ok() && err != reply.end() && err->is_string() && !err->get<std::string>().empty()) {
          st = Status::IOError(what + ": " + err->get<std::string>());
        }
        if (st.ok() && id == 0) st = Status::Corruption(what + ": reply has no lease ID");
        done(st, st.ok() ? id : 0, st.ok() ? ttl : 0);
      });
}

void EtcdStore::LeaseKeepAlive(int64_t id, KeepAliveFn done) {
  std::string what = "etcd lease keep-alive " + std::to_string(id);
  json body{{"ID", std::to_string(id)}};
  Post("/v3/lease/keepalive", body.dump(), what,
       [what, done = std::move(done)](Status st, HttpResponse resp) {
         json result;
         int64_t ttl = 0;
         if (st.ok()) st = etcd::ParseStreamReply(resp, what, &result);
         if (st.ok()) st = etcd::Int64Field(result, "TTL", what, &ttl);
         // An ended lease is renewed to a TTL of 0, which proto3 leaves out.
         if (st.ok() && ttl <= 0) st = Status::NotFound(what + ": the lease has ended");
         done(st, st.ok() ? ttl : 0);
       });
}

void EtcdStore::LeaseRevoke(int64_t id, DoneFn done) {
  std::string what = "etcd lease revoke " + std::to_string(id);
  json body{{"ID", std::to_string(id)}};
  Post("/v3/lease/revoke", body.dump(), what,
       [what, done = std::move(done)](Status st, HttpResponse resp) {
         json reply;
         if (st.ok()) st = etcd::ParseReply(resp, what, &reply);
         done(st);
       });
}

std::unique_ptr<Watch> EtcdStore::WatchPrefix(std::string prefix, int64_t from_revision,
                                              WatchFn on_batch) {
  std::string from = prefix.empty() ? std::string(1, '\0') : prefix;
  json create{{"key", etcd::Base64(from)},
              {"range_end", etcd::Base64(etcd::PrefixEnd(prefix))},
              {"start_revision", std::to_string(from_revision)}};
  HttpRequest req;
  req.url = options_.endpoint + "/v3/watch";
  req.body = json{{"create_request", std::move(create)}}.dump();
  req.connect_timeout_ms = options_.connect_timeout_ms;
  return std::make_unique<EtcdWatch>(
      curl_, std::move(req), "etcd watch prefix " + etcd::Printable(prefix), std::move(on_batch));
}

}  // namespace klog::cluster
