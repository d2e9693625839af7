// Broker mode plumbing that needs no broker: which mode a command line
// selects, librdkafka's transport errors in klog's words, and -X settings
// rejected as usage errors before any connection is tried.
#include <doctest/doctest.h>
#include <stdlib.h>

#include "cli/kafka/kafka_client.h"

namespace klog::cli::kafka {
namespace {

// Sets or clears $KLOG_BROKERS for one test case.
struct BrokersEnv {
  explicit BrokersEnv(const char* value) {
    if (value == nullptr) {
      unsetenv("KLOG_BROKERS");
    } else {
      setenv("KLOG_BROKERS", value, 1);
    }
  }
  ~BrokersEnv() { unsetenv("KLOG_BROKERS"); }
};

TEST_CASE("-b wins over -d and $KLOG_BROKERS") {
  BrokersEnv env("env:1");
  BrokerFlags f;
  f.brokers = "flag:2";
  CHECK(ResolveBrokers(f, "/some/dir") == std::optional<std::string>("flag:2"));
}

TEST_CASE("an explicit -d is local mode even with $KLOG_BROKERS set") {
  BrokersEnv env("env:1");
  CHECK_FALSE(ResolveBrokers(BrokerFlags{}, "/some/dir").has_value());
}

TEST_CASE("$KLOG_BROKERS selects broker mode when neither -b nor -d is given") {
  BrokersEnv env("env:1");
  CHECK(ResolveBrokers(BrokerFlags{}, "") == std::optional<std::string>("env:1"));
}

TEST_CASE("an empty $KLOG_BROKERS is local mode") {
  BrokersEnv env("");
  CHECK_FALSE(ResolveBrokers(BrokerFlags{}, "").has_value());
}

TEST_CASE("connection refused names the bootstrap broker and the cause only") {
  CHECK(BrokerErrorText("127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection "
                        "refused (after 0ms in state CONNECT)") ==
        "broker 127.0.0.1:1: Connection refused");
}

TEST_CASE("a resolver failure keeps librdkafka's explanation") {
  CHECK(BrokerErrorText("nohost:9092/bootstrap: Failed to resolve 'nohost:9092': Name or service "
                        "not known (after 2ms in state CONNECT)") ==
        "broker nohost:9092: Failed to resolve 'nohost:9092': Name or service not known");
}

TEST_CASE("a known broker's disconnect drops the node id") {
  CHECK(BrokerErrorText("10.0.0.5:9092/3: Disconnected (after 5000ms in state UP)") ==
        "broker 10.0.0.5:9092: Disconnected");
}

TEST_CASE("a reason without a broker prefix is kept whole") {
  CHECK(BrokerErrorText("1/1 brokers are down") == "broker: 1/1 brokers are down");
}

TEST_CASE("a fetch retried on a broker error is read from librdkafka's BROKERUA line") {
  auto e = ParseFetchUnavailable(
      "[thrd:127.0.0.1:45563/bootstrap]: orders.v2 [12]: broker unavailable: fetch: Broker: "
      "Disk error when trying to access log file on disk");
  REQUIRE(e.has_value());
  CHECK(e->topic == "orders.v2");
  CHECK(e->partition == 12);
  CHECK(e->error == "Broker: Disk error when trying to access log file on disk");
}

TEST_CASE("other BROKERUA lines are not fetch errors") {
  CHECK_FALSE(ParseFetchUnavailable("[thrd:main]: t [0]: broker unavailable: produce: x"));
  CHECK_FALSE(ParseFetchUnavailable("[thrd:main]: t [zero]: broker unavailable: fetch: x"));
  CHECK_FALSE(ParseFetchUnavailable("broker unavailable: fetch: x"));
}

TEST_CASE("a consumer checks CRCs; -X check.crcs and -X debug still apply") {
  BrokerFlags f;
  const Tool tool("klog-test");  // outlives the client
  std::unique_ptr<KafkaClient> c;
  REQUIRE(KafkaClient::Create(tool, ClientRole::kConsumer, "127.0.0.1:1", f, {{"group.id", "g"}},
                              &c) == -1);
  char buf[256];
  size_t n = sizeof buf;
  rd_kafka_conf_t* conf = const_cast<rd_kafka_conf_t*>(rd_kafka_conf(c->handle()));
  REQUIRE(rd_kafka_conf_get(conf, "check.crcs", buf, &n) == RD_KAFKA_CONF_OK);
  CHECK(std::string(buf) == "true");
  n = sizeof buf;
  REQUIRE(rd_kafka_conf_get(conf, "debug", buf, &n) == RD_KAFKA_CONF_OK);
  CHECK(std::string(buf).find("topic") != std::string::npos);

  f.properties = {"check.crcs=false", "debug=fetch"};
  REQUIRE(KafkaClient::Create(tool, ClientRole::kConsumer, "127.0.0.1:1", f, {{"group.id", "g"}},
                              &c) == -1);
  conf = const_cast<rd_kafka_conf_t*>(rd_kafka_conf(c->handle()));
  n = sizeof buf;
  REQUIRE(rd_kafka_conf_get(conf, "check.crcs", buf, &n) == RD_KAFKA_CONF_OK);
  CHECK(std::string(buf) == "false");
  n = sizeof buf;
  REQUIRE(rd_kafka_conf_get(conf, "debug", buf, &n) == RD_KAFKA_CONF_OK);
  CHECK(std::string(buf).find("fetch") != std::string::npos);
  CHECK(std::string(buf).find("topic") != std::string::npos);
}

TEST_CASE("an unknown -X key is a usage error before connecting") {
  BrokerFlags f;
  f.properties = {"no.such.key=1"};
  const Tool tool("klog-test");  // outlives the client
  std::unique_ptr<KafkaClient> c;
  CHECK(KafkaClient::Create(tool, ClientRole::kConsumer, "127.0.0.1:1", f, {}, &c) == 2);
  CHECK(c == nullptr);
}

TEST_CASE("-X without '=' is a usage error") {
  BrokerFlags f;
  f.properties = {"acks"};
  const Tool tool("klog-test");  // outlives the client
  std::unique_ptr<KafkaClient> c;
  CHECK(KafkaClient::Create(tool, ClientRole::kProducer, "127.0.0.1:1", f, {}, &c) == 2);
}

TEST_CASE("-X settings win over klog's defaults") {
  BrokerFlags f;
  f.properties = {"socket.timeout.ms=2500"};
  const Tool tool("klog-test");  // outlives the client
  std::unique_ptr<KafkaClient> c;
  REQUIRE(KafkaClient::Create(tool, ClientRole::kAdmin, "127.0.0.1:1", f, {}, &c) == -1);
  CHECK(c->timeout_ms() == 2500);
}

}  // namespace
}  // namespace klog::cli::kafka
