// klog-serve settings: HOST:PORT parsing, the key=value config file, and the
// cluster id derived from the data directory.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "broker/broker.h"
#include "broker/config.h"

using klog::broker::BrokerConfig;
using klog::broker::HostPort;

namespace {

std::string WriteTempFile(const std::string& text) {
  char path[] = "/tmp/klog-serve-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("host:port accepts names, IPv4, bracketed IPv6 and port 0") {
  auto a = klog::broker::ParseHostPort("127.0.0.1:9092");
  REQUIRE(a.ok());
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 9092);
  auto b = klog::broker::ParseHostPort("[::1]:0");
  REQUIRE(b.ok());
  CHECK(b->host == "::1");
  CHECK(b->port == 0);
  CHECK(b->ToString() == "[::1]:0");
  auto c = klog::broker::ParseHostPort("localhost:65535");
  REQUIRE(c.ok());
  CHECK(c->ToString() == "localhost:65535");
}

TEST_CASE("host:port rejects a missing port, an empty host and ports above 65535") {
  for (const char* bad :
       {"localhost", ":9092", "host:", "host:65536", "host:-1", "host:9x", "[]:9092"}) {
    CAPTURE(bad);
    CHECK_FALSE(klog::broker::ParseHostPort(bad).ok());
  }
}

TEST_CASE("config file sets every key, skips comments and trims spaces") {
  std::string path = WriteTempFile(
      "# a comment\n"
      "! another\n"
      "\n"
      "  listen = 0.0.0.0:9093  \n"
      "advertise=broker1:19093\n"
      "node.id=4\n"
      "log.dir=/srv/klog\n"
      "auto.create.topics.enable=false\n"
      "num.partitions=6\n"
      "socket.request.max.bytes=1048576\n"
      "queued.max.request.bytes=33554432\n"
      "max.connections=50\n"
      "connections.max.idle.ms=1000\n"
      "log.level=debug\n");
  BrokerConfig c;
  klog::Status s = klog::broker::LoadConfigFile(path, &c);
  std::remove(path.c_str());
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(c.listen.ToString() == "0.0.0.0:9093");
  CHECK(c.advertise.ToString() == "broker1:19093");
  CHECK(c.node_id == 4);
  CHECK(c.data_dir == "/srv/klog");
  CHECK_FALSE(c.auto_create_topics);
  CHECK(c.default_partitions == 6);
  CHECK(c.max_request_bytes == 1048576);
  CHECK(c.max_queued_request_bytes == 33554432);
  CHECK(c.max_connections == 50);
  CHECK(c.idle_timeout_ms == 1000);
  CHECK(c.log_level == klog::broker::LogLevel::kDebug);
}

TEST_CASE("config file errors name the file, line and key") {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"node.id=1\nno.such.key=1\n", "line 2: config 'no.such.key': unknown key"},
      {"num.partitions=0\n", "config 'num.partitions'"},
      {"auto.create.topics.enable=yes\n", "expected true or false"},
      {"listen=nowhere\n", "config 'listen'"},
      {"just a line\n", "line 1: expected key=value"},
      {"log.level=chatty\n", "config 'log.level'"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.text);
    std::string path = WriteTempFile(k.text);
    BrokerConfig c;
    klog::Status s = klog::broker::LoadConfigFile(path, &c);
    std::remove(path.c_str());
    CHECK_FALSE(s.ok());
    CHECK(s.message().find(path) != std::string::npos);
    CHECK_MESSAGE(s.message().find(k.expect) != std::string::npos, s.message());
  }
}

TEST_CASE("a missing config file is an error naming it") {
  BrokerConfig c;
  klog::Status s = klog::broker::LoadConfigFile("/nonexistent/klog.properties", &c);
  CHECK(s.IsNotFound());
  CHECK(s.message().find("/nonexistent/klog.properties") != std::string::npos);
}

TEST_CASE("cluster id is 22 URL-safe characters, fixed per path") {
  std::string a = klog::broker::ClusterIdForPath("/srv/klog");
  CHECK(a.size() == 22);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  CHECK(a == klog::broker::ClusterIdForPath("/srv/klog"));
  CHECK(a != klog::broker::ClusterIdForPath("/srv/klog2"));
}

TEST_CASE("advertised address falls back to the bound one, never a wildcard") {
  BrokerConfig c;
  c.data_dir = "/tmp";
  klog::broker::Broker wildcard(c);
  wildcard.SetBoundAddress(HostPort{"0.0.0.0", 40000});
  CHECK(wildcard.advertised().ToString() == "127.0.0.1:40000");

  c.advertise = HostPort{"broker1.example.com", 0};
  klog::broker::Broker named(c);
  named.SetBoundAddress(HostPort{"0.0.0.0", 40001});
  CHECK(named.advertised().ToString() == "broker1.example.com:40001");
}
