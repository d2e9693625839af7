// Reads and guarded writes against a real etcd.
#include <doctest/doctest.h>

#include <string>

#include "etcd_fixture.h"

namespace klog::test {
namespace {

using cluster::Compare;
using cluster::Txn;
using cluster::WriteOp;

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST_CASE("etcd: binary key and value round-trip with their revisions") {
  EtcdEnv env;
  std::string key = "/klog/t/\x01\xff\x00k";
  key.push_back('\0');
  std::string value = AllBytes();
  auto [put, rev] = env.Put(key, value, 0);
  REQUIRE_MESSAGE(put.ok(), put.ToString());
  CHECK(rev > 1);
  auto [st, got] = env.Get(key);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  REQUIRE(got.kvs.size() == 1);
  CHECK(got.kvs[0].key == key);
  CHECK(got.kvs[0].value == value);
  CHECK(got.kvs[0].create_revision == rev);
  CHECK(got.kvs[0].mod_revision == rev);
  CHECK(got.kvs[0].version == 1);
  CHECK(got.revision >= rev);
}

TEST_CASE("etcd: a missing key reads as no kvs, with the store's revision") {
  EtcdEnv env;
  auto [st, got] = env.Get("/nothing/here");
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  CHECK(got.kvs.empty());
  CHECK(got.revision >= 1);
}

TEST_CASE("etcd: put if revision conflicts on a stale or absent guard and writes nothing") {
  EtcdEnv env;
  auto [first, rev1] = env.Put("/c/k", "one", 0);
  REQUIRE_MESSAGE(first.ok(), first.ToString());
  // Must-not-exist on an existing key.
  auto [again, rev_again] = env.Put("/c/k", "again", 0);
  CHECK(again.IsConflict());
  CHECK(again.message().find("/c/k") != std::string::npos);
  CHECK(rev_again == rev1);
  auto [second, rev2] = env.Put("/c/k", "two", rev1);
  REQUIRE_MESSAGE(second.ok(), second.ToString());
  CHECK(rev2 > rev1);
  // rev1 is stale now.
  auto [stale, rev_stale] = env.Put("/c/k", "three", rev1);
  CHECK(stale.IsConflict());
  auto [st, got] = env.Get("/c/k");
  REQUIRE(got.kvs.size() == 1);
  CHECK(got.kvs[0].value == "two");
  CHECK(got.kvs[0].mod_revision == rev2);
  CHECK(got.kvs[0].create_revision == rev1);
}

TEST_CASE("etcd: delete if revision honours its guard") {
  EtcdEnv env;
  auto [put, rev] = env.Put("/d/k", "v", 0);
  REQUIRE(put.ok());
  CHECK(env.Delete("/d/k", rev + 100).first.IsConflict());
  CHECK(env.Get("/d/k").second.kvs.size() == 1);
  auto [del, del_rev] = env.Delete("/d/k", rev);
  REQUIRE_MESSAGE(del.ok(), del.ToString());
  CHECK(del_rev > rev);
  CHECK(env.Get("/d/k").second.kvs.empty());
}

TEST_CASE("etcd: a prefix read sees exactly the keys under the prefix, in order") {
  EtcdEnv env;
  for (std::string k : {"/p/b", "/p/a", "/p/c", "/q/a", "/p"}) REQUIRE(env.Put(k, k, 0).first.ok());
  auto [st, got] = env.GetPrefix("/p/");
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  REQUIRE(got.kvs.size() == 3);
  CHECK(got.kvs[0].key == "/p/a");
  CHECK(got.kvs[1].key == "/p/b");
  CHECK(got.kvs[2].key == "/p/c");
  CHECK(env.GetPrefix("").second.kvs.size() == 5);
}

TEST_CASE("etcd: a transaction applies all its writes or none") {
  EtcdEnv env;
  auto [put, rev] = env.Put("/t/controller", "1", 0);
  REQUIRE(put.ok());
  Txn txn;
  txn.compares.push_back({"/t/controller", Compare::Target::kCreateRevision, rev});
  txn.compares.push_back({"/t/p0", Compare::Target::kModRevision, 0});
  txn.ops.push_back({WriteOp::Kind::kPut, "/t/p0", "leader 1", 0});
  txn.ops.push_back({WriteOp::Kind::kPut, "/t/p1", "leader 2", 0});
  txn.ops.push_back({WriteOp::Kind::kDelete, "/t/controller", "", 0});
  auto [st, trev] = env.Commit(txn);
  REQUIRE_MESSAGE(st.ok(), st.ToString());
  auto [gst, got] = env.GetPrefix("/t/");
  REQUIRE(got.kvs.size() == 2);
  CHECK(got.kvs[0].mod_revision == trev);
  CHECK(got.kvs[1].mod_revision == trev);
  // The same guards fail now (the controller key is gone): nothing is written.
  txn.ops = {{WriteOp::Kind::kPut, "/t/p2", "x", 0}};
  CHECK(env.Commit(txn).first.IsConflict());
  CHECK(env.Get("/t/p2").second.kvs.empty());
}

TEST_CASE("etcd: a transaction over the op limit is refused before any I/O") {
  EtcdEnv env(false, "http://127.0.0.1:1");
  Txn txn;
  for (size_t i = 0; i <= cluster::kMaxTxnOps; ++i) {
    txn.ops.push_back({WriteOp::Kind::kPut, "/big/" + std::to_string(i), "v", 0});
  }
  auto [st, rev] = env.Commit(txn);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message().find("129 ops") != std::string::npos);
}

}  // namespace
}  // namespace klog::test
