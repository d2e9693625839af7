// The gateway's JSON quirks, decoded without an etcd.
#include "cluster/etcd_json.h"

#include <doctest/doctest.h>

#include <string>

namespace klog::cluster::etcd {
namespace {

const std::string kWhat = "etcd test";

TEST_CASE("etcd json: the prefix end increments the last byte below 0xff") {
  CHECK(PrefixEnd("/a/") == "/a0");
  CHECK(PrefixEnd(std::string("a\xff\xff", 3)) == "b");
  CHECK(PrefixEnd(std::string("\xff", 1)) == std::string(1, '\0'));
  CHECK(PrefixEnd("") == std::string(1, '\0'));
}

TEST_CASE("etcd json: keys in errors show other bytes than printable ASCII as hex") {
  CHECK(Printable("/klog/c/brokers/1") == "/klog/c/brokers/1");
  CHECK(Printable(std::string("a\0\xff\\", 4)) == "a\\x00\\xff\\x5c");
}

TEST_CASE("etcd json: int64 fields arrive as strings, numbers or not at all") {
  json j = json::parse(R"({"a":"9223372036854775807","b":-5,"c":"12x","d":true})");
  int64_t v = -1;
  REQUIRE(Int64Field(j, "a", kWhat, &v).ok());
  CHECK(v == INT64_MAX);
  REQUIRE(Int64Field(j, "b", kWhat, &v).ok());
  CHECK(v == -5);
  REQUIRE(Int64Field(j, "missing", kWhat, &v).ok());
  CHECK(v == 0);
  CHECK(Int64Field(j, "c", kWhat, &v).IsCorruption());
  CHECK(Int64Field(j, "d", kWhat, &v).IsCorruption());
}

TEST_CASE("etcd json: a key-value with defaults left out decodes to zeros") {
  json kv = json::parse(R"({"key":"AP8=","create_revision":"7","mod_revision":"9"})");
  KeyValue out;
  REQUIRE(DecodeKeyValue(kv, kWhat, &out).ok());
  CHECK(out.key == std::string("\0\xff", 2));
  CHECK(out.value.empty());
  CHECK(out.create_revision == 7);
  CHECK(out.mod_revision == 9);
  CHECK(out.lease == 0);
  CHECK(DecodeKeyValue(json::parse(R"({"key":"not base64!"})"), kWhat, &out).IsCorruption());
}

TEST_CASE("etcd json: a gateway error names the call and maps the gRPC code") {
  HttpResponse resp{404, R"({"error":"etcdserver: requested lease not found","code":5})"};
  json out;
  Status st = ParseReply(resp, kWhat, &out);
  CHECK(st.IsNotFound());
  CHECK(st.message().find("etcd test: etcdserver: requested lease not found") == 0);
  CHECK(st.message().find("HTTP 404") != std::string::npos);
  HttpResponse garbage{502, "<html>bad gateway</html>"};
  st = ParseReply(garbage, kWhat, &out);
  CHECK(st.code() == Status::Code::kIOError);
  CHECK(st.message().find("HTTP 502") != std::string::npos);
  HttpResponse torn{200, R"({"header":)"};
  CHECK(ParseReply(torn, kWhat, &out).IsCorruption());
}

TEST_CASE("etcd json: a watch message's DELETE type is named and PUT is left out") {
  json msg = json::parse(R"({"result":{"header":{"revision":"12"},"events":[
      {"kv":{"key":"YQ==","value":"MQ==","mod_revision":"11"}},
      {"type":"DELETE","kv":{"key":"YQ==","mod_revision":"12"}}]}})");
  WatchMessage m;
  REQUIRE(DecodeWatchMessage(msg, kWhat, &m).ok());
  CHECK(m.batch.revision == 12);
  REQUIRE(m.batch.events.size() == 2);
  CHECK(m.batch.events[0].type == WatchEvent::Type::kPut);
  CHECK(m.batch.events[0].kv.value == "1");
  CHECK(m.batch.events[1].type == WatchEvent::Type::kDelete);
  CHECK(m.batch.events[1].kv.mod_revision == 12);
  json bad = json::parse(R"({"result":{"header":{},"events":[{"type":"MOVE","kv":{}}]}})");
  CHECK(DecodeWatchMessage(bad, kWhat, &m).IsCorruption());
}

TEST_CASE("etcd json: a watch stream's error, nested or whole, keeps its message and code") {
  WatchMessage m;
  json nested = json::parse(R"({"error":{"grpc_code":3,"message":"bad range"}})");
  Status st = DecodeWatchMessage(nested, kWhat, &m);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message() == "etcd test: bad range");
  json whole = json::parse(R"({"error":"no leader","code":14,"message":"etcdserver: no leader"})");
  st = DecodeWatchMessage(whole, kWhat, &m);
  CHECK(st.code() == Status::Code::kIOError);
  CHECK(st.message() == "etcd test: etcdserver: no leader");
}

}  // namespace
}  // namespace klog::cluster::etcd
